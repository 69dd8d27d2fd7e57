"""Who is told what, and when: decisions to the cell, deadlines to whoever acts next, e-mail as
each user chose (one each, a daily digest, or none)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.admissions import reminders
from chibo.admissions.stages import Stage
from chibo.core.calendar import add_working_days
from chibo.notifications import services
from chibo.notifications.models import Notification
from tests.factories.admissions import carry, open_case


@pytest.fixture
def emails(cast):
    for user in (cast.secretary, cast.commune, cast.admin, cast.province):
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])
    return cast


def _titles(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_a_decision_is_told_to_the_cell_at_once_by_email(emails, mailoutbox, django_capture_on_commit_callbacks):
    services.save_preference(emails.secretary, email="each", muted=[])
    with django_capture_on_commit_callbacks(execute=True):
        case = carry(open_case(emails.tree.k), Stage.ADMITTED)
    assert _titles(emails.secretary) == ["decision", "decision"]  # committee resolution, admission decision
    assert _titles(emails.commune) == []  # the committee made it; the cell is told
    subjects = [m.subject for m in mailoutbox]
    assert f"[Chibo] {case.full_name}: Admission decision" in subjects
    assert mailoutbox[0].to == ["secretary@example.vn"]


def _at_cell_vote(cast):
    return carry(open_case(cast.tree.k), Stage.CELL_VOTED)


def test_deadlines_reach_the_nearest_committee_7_and_1_working_days_ahead(emails):
    case = _at_cell_vote(emails)  # awaits the grassroots committee's resolution
    due = case.next_due
    seven = add_working_days(due, -7)
    assert reminders.run(seven) == 1
    assert _titles(emails.commune) == ["deadline_soon"]
    assert _titles(emails.admin) == [] and _titles(emails.province) == []  # not every officer above
    assert reminders.run(seven) == 0  # run twice the same day: nothing twice
    assert reminders.run(add_working_days(due, -1)) == 1
    assert reminders.run(add_working_days(due, 1)) == 1  # the first working day after: overdue
    assert sorted(_titles(emails.commune)) == ["deadline_soon", "deadline_soon", "overdue"]
    assert reminders.run(add_working_days(due, 2)) == 0  # overdue is told once


def test_a_weekend_misses_nothing_and_sends_nothing(emails):
    case = _at_cell_vote(emails)
    target = add_working_days(case.next_due, -7)
    saturday = target + dt.timedelta(days=(5 - target.weekday()) % 7)
    assert reminders.run(saturday) == 0
    # the Monday run covers deadlines that became 7 working days away over the weekend
    before = add_working_days(target, -1)
    assert reminders.run(before) + reminders.run(target) == 1


def test_muted_kinds_are_not_sent(emails):
    services.save_preference(emails.commune, email="off", muted=["deadline_soon"])
    case = _at_cell_vote(emails)
    assert reminders.run(add_working_days(case.next_due, -7)) == 0


def test_the_daily_digest_is_one_email_per_user(emails, mailoutbox):
    services.save_preference(emails.commune, email="digest", muted=[])
    services.notify([emails.commune.pk], [
        services.Message("overdue", "A", "one", "/admissions/1/", "k1"),
        services.Message("overdue", "B", "two", "/admissions/2/", "k2")])
    assert services.send_email(digest=False) == 0  # this user chose the digest
    assert services.send_email(digest=True) == 1
    assert mailoutbox[-1].subject == "[Chibo] 2 notifications today"
    assert "http://localhost:8000/admissions/1/" in mailoutbox[-1].body
    assert services.send_email(digest=True) == 0  # sent once


def test_probation_ending_is_its_own_kind(emails):
    case = carry(open_case(emails.tree.k), Stage.SWORN_IN)
    assert reminders.run(add_working_days(case.next_due, -7)) == 1
    assert _titles(emails.secretary) == ["probation_ending"]


def test_the_escalation_after_the_third_failed_vote_is_told_to_the_cell(emails, django_capture_on_commit_callbacks):
    case = carry(open_case(emails.tree.k), Stage.PROBATION_REVIEWED)
    day = services_rules_probation_end(case)
    from chibo.admissions import services

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            case = services.advance(case, actor=emails.secretary, to=Stage.RECOGNITION_VOTED, on=day,
                                    facts={"yes": 0})
    assert case.stage == Stage.ESCALATED
    titles = list(Notification.objects.filter(user=emails.secretary, kind="decision").values_list("title", flat=True))
    assert any("Sent to the higher committee" in t for t in titles)


def services_rules_probation_end(case):
    from chibo.admissions import rules

    return rules.probation_end(case.ceremony_on)


def test_a_dossier_reminder_speaks_of_the_dossier(emails):
    case = carry(open_case(emails.tree.k), Stage.OPINIONS)  # awaits the committee's verification
    reminders.run(add_working_days(case.next_due, -7))
    assert "the dossier expires on" in Notification.objects.get(user=emails.commune).title
