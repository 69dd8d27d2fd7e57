"""Study assignments: every studying member is told at once, confirms, the committee sees the
completion by subordinate unit; a reminder three days before the date, once."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.models import AuditEntry
from chibo.library import queries, reminders, services
from chibo.library.models import StudyConfirmation
from chibo.notifications.models import Notification
from tests.factories.registry import make_member, make_user


@pytest.fixture
def k2(cast):
    """Two studying members in cell K2 with accounts, and an exempted one."""
    k2 = cast.tree.k2
    first, second = make_member(k2, "Vũ Thị Hoa", sex="F"), make_member(k2, "Hồ Văn Sơn", status="probationary")
    exempt = make_member(k2, "Bùi Văn Lão", birth_date=dt.date(1945, 1, 1), status="exempted")
    return SimpleNamespace(first=first, second=second, exempt=exempt,
                           first_user=make_user("hoa", member=first), second_user=make_user("son", member=second),
                           exempt_user=make_user("lao", member=exempt))


def _assign(cast, document, unit, *, days=10, actor=None, capture=None):
    due = timezone.localdate() + dt.timedelta(days=days)
    if capture is None:
        return services.assign(document, actor=actor or cast.commune, unit=unit, due_on=due, note="Đọc kỹ phần II")
    with capture(execute=True):
        return services.assign(document, actor=actor or cast.commune, unit=unit, due_on=due, note="Đọc kỹ phần II")


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_an_assignment_tells_every_studying_member_with_an_account(cast, docs, k2, django_capture_on_commit_callbacks):
    assignment = _assign(cast, docs.p, cast.tree.g, capture=django_capture_on_commit_callbacks)
    told = set(Notification.objects.filter(kind="study_assigned").values_list("user__username", flat=True))
    assert told == {"secretary", "member", "hoa", "son"}  # not the exempted member, nobody outside G
    note = Notification.objects.get(user=cast.member)
    assert note.key == f"study:{assignment.pk}"
    assert note.title == f"To study: {docs.p.title}"
    assert "Đọc kỹ phần II" in note.body
    assert AuditEntry.objects.filter(action="library.study_assigned", object_id=str(assignment.pk),
                                     unit_path=cast.tree.g.path).count() == 1


def test_the_unit_must_lie_within_the_audience_and_the_date_ahead(cast, docs):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        services.assign(docs.k, actor=cast.commune, unit=cast.tree.g, due_on=yesterday)
    assert set(refused.value.field_errors) == {"unit", "due_on"}
    with pytest.raises(PermissionDenied):
        services.assign(docs.p, actor=cast.secretary, unit=cast.tree.k, due_on=timezone.localdate())
    with pytest.raises(NotFound):
        services.assign(docs.q, actor=cast.commune, unit=cast.tree.c, due_on=timezone.localdate())
    _assign(cast, docs.p, cast.tree.g)
    with pytest.raises(DomainError, match="not assigned"):
        _assign(cast, docs.p, cast.tree.g)  # the same unit already studies it


def test_a_member_confirms_once_with_a_reflection(cast, docs):
    assignment = _assign(cast, docs.tw, cast.tree.c)
    first = services.confirm(assignment, actor=cast.member, reflection="Hiểu rõ trách nhiệm")
    again = services.confirm(assignment, actor=cast.member, reflection="Sẽ thực hiện")
    assert first.pk == again.pk and StudyConfirmation.objects.get().reflection == "Sẽ thực hiện"
    assert StudyConfirmation.objects.get().unit_path == cast.tree.k.path
    with pytest.raises(DomainError) as too_long:
        services.confirm(assignment, actor=cast.secretary, reflection="x" * 2001)
    assert "reflection" in too_long.value.field_errors
    mine = list(queries.assignments_for_member(cast.plain_m))
    assert [(a.pk, a.confirmed) for a in mine] == [(assignment.pk, True)]


def test_only_members_the_assignment_reaches_confirm(cast, docs, k2):
    on_k = _assign(cast, docs.c, cast.tree.k)
    with pytest.raises(NotFound):
        services.confirm(on_k, actor=k2.first_user)  # K2 is not reached by K's assignment
    with pytest.raises(NotFound):
        services.confirm(on_k, actor=cast.commune)  # staff without a member record
    on_g = _assign(cast, docs.c, cast.tree.g)
    with pytest.raises(DomainError, match="exempted"):
        services.confirm(on_g, actor=k2.exempt_user)


def test_completion_counts_by_child_unit_without_the_exempted(cast, docs, k2):
    assignment = _assign(cast, docs.p, cast.tree.g)
    services.confirm(assignment, actor=cast.member)
    services.confirm(assignment, actor=k2.first_user)
    services.confirm(assignment, actor=k2.second_user)
    result = queries.completion(assignment)
    assert [(r.unit.code, r.confirmed, r.expected) for r in result.rows] == [("K", 1, 3), ("K2", 2, 2)]
    assert (result.confirmed, result.expected, result.percent) == (3, 5, 60)
    cell = queries.completion(assignment, cast.tree.k2)
    assert [(r.unit.code, r.confirmed, r.expected) for r in cell.rows] == [("K2", 2, 2)]
    with pytest.raises(NotFound):
        queries.completion(assignment, cast.tree.q)


def test_completion_reads_two_queries(cast, docs, django_assert_num_queries):
    assignment = _assign(cast, docs.p, cast.tree.c)
    with django_assert_num_queries(2):
        queries.completion(assignment)


def test_the_reminder_comes_three_days_before_once_to_those_who_have_not_confirmed(cast, docs, k2):
    assignment = _assign(cast, docs.p, cast.tree.g, days=10)
    services.confirm(assignment, actor=k2.first_user)
    due = assignment.due_on
    assert reminders.run(due - dt.timedelta(days=4)) == 0
    assert reminders.run(due - dt.timedelta(days=3)) == 3  # secretary, member, son: hoa confirmed
    assert reminders.run(due - dt.timedelta(days=3)) == 0  # run twice: nothing twice
    assert reminders.run(due - dt.timedelta(days=2)) == 0  # and never again for this assignment
    assert _kinds(cast.member) == ["study_due"]
    assert _kinds(k2.first_user) == [] and _kinds(k2.exempt_user) == []


def test_the_daily_job_runs_the_reminders(cast, docs):
    from chibo.library import tasks

    _assign(cast, docs.p, cast.tree.k, days=3)
    assert tasks.study_due_reminders.call_local() == 2  # secretary and member


def test_members_who_muted_study_reminders_are_not_told(cast, docs):
    from chibo.notifications.services import save_preference

    save_preference(cast.member, email="off", muted=["study_due"])
    assignment = _assign(cast, docs.p, cast.tree.k, days=3)
    assert reminders.run(assignment.due_on - dt.timedelta(days=3)) == 1


def test_the_system_may_assign_anywhere(cast, docs):
    assignment = services.assign(docs.tw, actor=SYSTEM, unit=cast.tree.q, due_on=timezone.localdate())
    assert assignment.assigned_by is None


def test_completion_percent_rounds_half_up_as_the_reports_do():
    from chibo.library.queries import CompletionRow

    assert [CompletionRow(None, done, whole).percent for done, whole in [(1, 8), (3, 8), (198, 199), (9, 8), (0, 0)]] \
        == [13, 38, 99, 100, 0]  # round() gave 12 and 38 (half to even)
