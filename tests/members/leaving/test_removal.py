"""Removal from the list: the grounds the data shows, offered with their evidence; the cell's
proposal keeps the evidence; the competent committee decides (REMOVED, a party-age gap, the member
told) or refuses; the tallies and the as-of reports follow."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.admissions.models import AdmissionCase, CaseStep
from chibo.admissions.stages import Stage
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.dues.models import Payment
from chibo.members import party_age, tallies
from chibo.members.leaving import grounds, services
from chibo.members.leaving.models import Removal
from chibo.members.models import MembershipGap
from chibo.notifications.models import Notification
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview
from chibo.reports.statistics.counts import members_as_of
from tests.members.leaving.conftest import absences, removed
from tests.quality.conftest import open_year

YEAR = 2025
ON = dt.date(2026, 3, 2)


def _paid_all(*members, year=YEAR):
    Payment.objects.bulk_create(
        Payment(member=m, month=dt.date(year, month, 1), amount=1_000_000, method="cash", receipt=f"R{month}",
                paid_on=dt.date(year, month, 1), unit_id=m.unit_id) for m in members for month in range(1, 13))


def _kinds(found, member):
    return {g.ground: g.evidence for g in found.get(member.pk, [])}


def test_three_absences_without_reason_are_offered_with_the_meetings(cast):
    _paid_all(cast.sec_m, cast.plain_m, cast.other_m)
    days = [dt.date(YEAR, 2, 10), dt.date(YEAR, 5, 12), dt.date(YEAR, 9, 8)]
    meetings = absences(cast.plain_m, days)
    absences(cast.other_m, days[:2])  # two: below the flag
    absences(cast.other_m, [dt.date(YEAR, 10, 6)], attendance="excused")
    rows = grounds.candidates(cast.tree.k, YEAR)
    assert [r.member_id for r in rows] == [cast.plain_m.pk]
    assert rows[0].grounds[0].evidence == {"year": YEAR, "meetings": [
        {"id": m.pk, "date": d.isoformat(), "topic": "Sinh hoạt thường kỳ"}
        for m, d in zip(meetings, days, strict=True)]}
    assert rows[0].grounds[0].summary == "3 absences without reason in 2025: 10/02/2025, 12/05/2025, 08/09/2025"


def test_three_unpaid_months_are_offered_at_the_boundary(cast):
    year, end = 2026, dt.date(2026, 12, 31)  # the dues ledger is kept from 2026 (rule dues.ledger_from)
    _paid_all(cast.plain_m, year=year)
    Payment.objects.filter(member=cast.plain_m, month__in=[dt.date(year, 3, 1), dt.date(year, 7, 1)]).delete()
    k = [cast.tree.k]
    assert _kinds(grounds.grounds_of(k, k, {cast.plain_m.pk}, year, end), cast.plain_m).get("unpaid_dues") is None
    Payment.objects.filter(member=cast.plain_m, month=dt.date(year, 11, 1)).delete()
    found = grounds.grounds_of(k, k, {cast.plain_m.pk}, year, end)
    assert _kinds(found, cast.plain_m)["unpaid_dues"] == {"year": year, "months": ["2026-03", "2026-07", "2026-11"]}


def test_two_years_of_non_completion_are_offered_with_the_years(cast):
    _paid_all(cast.sec_m, cast.plain_m, cast.other_m)
    for year in (YEAR - 1, YEAR):
        open_year(cast.tree.c, year)
    MemberReview.objects.filter(member=cast.other_m, quarter=0).update(step=Step.DECIDED, level=Level.NON_COMPLETION)
    MemberReview.objects.filter(member=cast.plain_m, quarter=0, year=YEAR).update(
        step=Step.DECIDED, level=Level.NON_COMPLETION)  # one year only
    found = grounds.grounds_of([cast.tree.k], [cast.tree.k], {cast.plain_m.pk, cast.other_m.pk}, YEAR)
    assert _kinds(found, cast.other_m) == {"non_completion": {"years": [YEAR - 1, YEAR]}}
    assert _kinds(found, cast.plain_m) == {}


def test_a_probationary_member_not_recognised_is_offered_with_the_votes(cast):
    _paid_all(cast.sec_m, cast.plain_m, cast.other_m)
    cast.plain_m.status = "probationary"
    cast.plain_m.save(update_fields=["status"])
    case = AdmissionCase.objects.create(
        full_name=cast.plain_m.full_name, name_folded="x", sex="M", birth_date=cast.plain_m.birth_date,
        citizen_id=cast.plain_m.citizen_id, cell=cast.tree.k, unit_path=cast.tree.k.path,
        stage=Stage.PROBATION_REVIEWED, stage_on=dt.date(2025, 6, 1), ceremony_on=dt.date(2024, 6, 3),
        member=cast.plain_m)
    today = dt.date(2025, 6, 5)  # probation ended 3/6/2025; the vote is due within 30 working days
    found = grounds.grounds_of([], [], {cast.plain_m.pk}, YEAR, today)
    assert _kinds(found, cast.plain_m).get("not_recognised") is None
    CaseStep.objects.create(case=case, stage=Stage.RECOGNITION_VOTED, on=dt.date(2025, 6, 4), passed=False)
    AdmissionCase.objects.filter(pk=case.pk).update(failed_recognition_votes=1)
    evidence = _kinds(grounds.grounds_of([], [], {cast.plain_m.pk}, YEAR, today), cast.plain_m)["not_recognised"]
    assert evidence["failed_votes"] == ["2025-06-04"] and evidence["probation_end"] == "2025-06-03"


def test_the_proposal_keeps_the_evidence_and_waits_for_the_committee(cast):
    _paid_all(cast.sec_m, cast.plain_m, cast.other_m)
    absences(cast.plain_m, [dt.date(YEAR, 2, 10), dt.date(YEAR, 5, 12), dt.date(YEAR, 9, 8)])
    removal = services.propose_removal(cast.plain_m, actor=cast.secretary, ground="absences", proposed_on=ON,
                                       proposal="03-NQ/CB", year=YEAR)
    assert [m["date"] for m in removal.evidence["meetings"]] == ["2025-02-10", "2025-05-12", "2025-09-08"]
    assert (removal.state, removal.unit_path) == ("proposed", cast.tree.k.path)
    with pytest.raises(DomainError) as err:  # one pending proposal at a time
        services.propose_removal(cast.plain_m, actor=SYSTEM, ground="absences", proposed_on=ON, proposal="04",
                                 year=YEAR)
    assert "ground" in err.value.field_errors
    with pytest.raises(PermissionDenied):  # the cell proposes, it does not decide
        services.decide_removal(removal, actor=cast.secretary, decided_on=ON, decision="15-QĐ/ĐU")
    with pytest.raises(NotFound):
        services.decide_removal(removal, actor=cast.outsider, decided_on=ON, decision="15-QĐ/ĐU")
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official"


def test_the_not_recognised_ground_is_refused_for_an_official_member(cast):
    with pytest.raises(DomainError) as err:
        services.propose_removal(cast.plain_m, actor=cast.secretary, ground="not_recognised", proposed_on=ON,
                                 proposal="03-NQ/CB", note="The cell's account", year=YEAR)
    assert "probationary" in err.value.field_errors["ground"][0] and Removal.objects.count() == 0


@pytest.mark.parametrize("ground", ["absences", "unpaid_dues", "non_completion", "not_recognised", "no_progress"])
def test_a_proposal_without_evidence_reads_as_the_cells_account(ground):
    assert grounds.summary(ground, {}) == ""
    assert grounds.summary(ground, {"note": "Bỏ sinh hoạt từ tháng 3"}) == "Bỏ sinh hoạt từ tháng 3"


def test_a_ground_without_evidence_needs_the_cells_account(cast):
    _paid_all(cast.sec_m, cast.plain_m, cast.other_m)
    with pytest.raises(DomainError) as err:
        services.propose_removal(cast.plain_m, actor=SYSTEM, ground="no_progress", proposed_on=ON, proposal="03",
                                 year=YEAR)
    assert "note" in err.value.field_errors and Removal.objects.count() == 0
    removal = services.propose_removal(cast.plain_m, actor=SYSTEM, ground="no_progress", proposed_on=ON,
                                       proposal="03", note="Giáo dục từ 01/2025, không tiến bộ", year=YEAR)
    assert removal.evidence == {}


def test_the_committee_removes_the_status_the_gap_the_notice_the_counts(cast, django_capture_on_commit_callbacks):
    # plain_m is the "member" persona's record
    k_before = members_as_of(cast.tree.k, ON - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        removal = removed(cast.plain_m, ON)
    cast.plain_m.refresh_from_db()
    assert (cast.plain_m.status, cast.plain_m.status_since) == ("removed", ON)
    assert (removal.state, removal.decided_by_id, removal.status_before) == ("decided", cast.tree.g.pk, "official")
    gap = MembershipGap.objects.get(member=cast.plain_m)
    assert (gap.kind, gap.valid_from, gap.valid_to) == ("removed", ON, None)
    assert party_age.of_member(cast.plain_m, dt.date(2026, 12, 1)).paused_on == ON
    assert Notification.objects.filter(user__member=cast.plain_m, kind="membership").count() == 1
    assert tallies.verify() == []
    assert members_as_of(cast.tree.k, ON - dt.timedelta(days=1))["total"] == k_before["total"] == 3
    assert members_as_of(cast.tree.k, ON)["total"] == 2


def test_the_commune_committee_decides_for_a_cell_of_its_grassroots_committee(cast):
    removal = services.propose_removal(cast.plain_m, actor=cast.secretary, ground="no_progress", proposed_on=ON,
                                       proposal="03", note="Không tiến bộ", year=YEAR)
    services.decide_removal(removal, actor=cast.commune, decided_on=ON, decision="15-QĐ/ĐU")
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "removed"


def test_the_committee_refuses_and_nothing_moves(cast):
    removal = services.propose_removal(cast.plain_m, actor=SYSTEM, ground="no_progress", proposed_on=ON,
                                       proposal="03", note="Không tiến bộ", year=YEAR)
    with pytest.raises(DomainError):  # a refusal says why
        services.reject_removal(removal, actor=cast.commune, decided_on=ON, refusal="")
    services.reject_removal(removal, actor=cast.commune, decided_on=ON, refusal="Đã tiến bộ, tiếp tục giúp đỡ")
    cast.plain_m.refresh_from_db()
    assert cast.plain_m.status == "official" and not MembershipGap.objects.exists()
    removal.refresh_from_db()
    assert removal.state == "rejected"
    with pytest.raises(DomainError):
        services.decide_removal(removal, actor=SYSTEM, decided_on=ON, decision="x")


@pytest.mark.parametrize("decided_on", [ON - dt.timedelta(days=1), dt.date(2099, 1, 1)])
def test_a_decision_before_the_proposal_or_in_the_future_changes_nothing(cast, decided_on):
    removal = services.propose_removal(cast.plain_m, actor=SYSTEM, ground="no_progress", proposed_on=ON,
                                       proposal="03", note="Không tiến bộ", year=YEAR)
    with pytest.raises(DomainError) as err:
        services.decide_removal(removal, actor=SYSTEM, decided_on=decided_on, decision="15-QĐ/ĐU")
    assert "decided_on" in err.value.field_errors
    cast.plain_m.refresh_from_db()
    removal.refresh_from_db()
    assert (cast.plain_m.status, removal.state) == ("official", "proposed") and not MembershipGap.objects.exists()


@pytest.mark.parametrize(("after_due", "offered"), [(0, False), (1, True)])
def test_no_recognition_vote_by_its_deadline_is_offered_the_day_after(cast, after_due, offered):
    from chibo.admissions import rules as admission_rules

    cast.plain_m.status = "probationary"
    cast.plain_m.save(update_fields=["status"])
    AdmissionCase.objects.create(
        full_name=cast.plain_m.full_name, name_folded="x", sex="M", birth_date=cast.plain_m.birth_date,
        citizen_id=cast.plain_m.citizen_id, cell=cast.tree.k, unit_path=cast.tree.k.path,
        stage=Stage.PROBATION_REVIEWED, stage_on=dt.date(2025, 6, 1), ceremony_on=dt.date(2024, 6, 3),
        member=cast.plain_m)
    due = admission_rules.recognition_vote_due(dt.date(2024, 6, 3))
    found = grounds.grounds_of([], [], {cast.plain_m.pk}, YEAR, due + dt.timedelta(days=after_due))
    evidence = _kinds(found, cast.plain_m).get("not_recognised")
    assert (evidence is not None) == offered
    if offered:
        assert evidence["vote_due"] == due.isoformat() and evidence["failed_votes"] == []
