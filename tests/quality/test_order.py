"""The order of decisions (rulebook ``quality.order``): lower collectives before higher ones, the
collective before its members, each refused naming the unit that must go first and each switched
off by the rulebook; and a bulk decision with refused rows that loses nothing else."""

from __future__ import annotations

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.models import AuditEntry
from chibo.quality import services, tallies
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview, UnitReview
from tests.quality.conftest import YEAR
from tests.quality.steps import (
    decided_unit,
    members,
    override,
    review_of,
    unit_review,
    verified_members,
    verified_unit,
)

ORDER = "quality.order"
FIRST = "Decide {} first: lower collectives before higher ones, the collective before its members."


def _decide(rows, decider):
    return services.decide([(r, None) for r in rows], actor=SYSTEM, decider=decider)


def test_a_grassroots_committee_before_its_cells_is_refused_naming_the_cell(cast, period):
    g = verified_unit(cast.tree.g)
    outcome = _decide([g], cast.tree.c)
    assert [(r.pk, reason) for r, reason in outcome.refused] == [(g.pk, FIRST.format("Chi bộ Giáo viên 1"))]
    decided_unit(cast.tree.k)
    outcome = _decide([g], cast.tree.c)
    assert [reason for _r, reason in outcome.refused] == [FIRST.format("Chi bộ Giáo viên 2")]
    decided_unit(cast.tree.k2)
    assert [r.level for r in _decide([g], cast.tree.c).decided] == [Level.GOOD]


def test_a_cell_not_yet_verified_still_holds_its_committee(cast, period):
    """Undecided is undecided, whatever the step: an open cell blocks its committee too."""
    decided_unit(cast.tree.k)
    g = verified_unit(cast.tree.g)
    assert unit_review(cast.tree.k2).step == Step.OPEN
    assert [reason for _r, reason in _decide([g], cast.tree.c).refused] == [FIRST.format("Chi bộ Giáo viên 2")]


def test_a_member_before_the_cells_collective_is_refused_naming_the_cell(cast, period):
    (row,) = verified_members(cast.tree.k, {cast.plain_m: 80})
    outcome = _decide([row], cast.tree.g)
    assert [reason for _r, reason in outcome.refused] == [FIRST.format("Chi bộ Giáo viên 1")]
    decided_unit(cast.tree.k)
    assert [r.level for r in _decide([row], cast.tree.g).decided] == [Level.GOOD]


def test_the_other_cells_collective_does_not_hold_a_member(cast, period):
    decided_unit(cast.tree.k)
    (row,) = verified_members(cast.tree.k, {cast.plain_m: 80})
    assert unit_review(cast.tree.k2).step == Step.OPEN
    assert _decide([row], cast.tree.g).refused == []


def test_in_one_list_the_collective_goes_before_its_members(cast, period):
    """The committee decides its cell and the cell's members in one list, members first in the
    list: the list is put in the rule's order."""
    rows = verified_members(cast.tree.k, {cast.plain_m: 80, cast.other_m: 60})
    k = verified_unit(cast.tree.k)
    outcome = services.decide([(rows[0], None), (rows[1], None), (k, None)], actor=SYSTEM, decider=cast.tree.g)
    assert outcome.refused == []
    assert [type(r).__name__ for r in outcome.decided] == ["UnitReview", "MemberReview", "MemberReview"]


def test_lower_collectives_first_is_data(cast, period):
    override(ORDER, {"lower_collectives_first": False, "collective_before_members": True})
    assert [r.level for r in _decide([verified_unit(cast.tree.g)], cast.tree.c).decided] == [Level.GOOD]
    (row,) = verified_members(cast.tree.k, {cast.plain_m: 80})
    assert [reason for _r, reason in _decide([row], cast.tree.g).refused] == [FIRST.format("Chi bộ Giáo viên 1")]


def test_the_collective_before_its_members_is_data(cast, period):
    override(ORDER, {"lower_collectives_first": True, "collective_before_members": False})
    (row,) = verified_members(cast.tree.k, {cast.plain_m: 80})
    assert [r.level for r in _decide([row], cast.tree.g).decided] == [Level.GOOD]
    g = verified_unit(cast.tree.g)
    assert [reason for _r, reason in _decide([g], cast.tree.c).refused] == [FIRST.format("Chi bộ Giáo viên 1")]


# --- a bulk decision with refused rows ---


@pytest.fixture
def list_of_rows(cast):
    """Cell K decided; members in every state the committee may find on its list."""
    extra = members(cast.tree.k, 6)
    from tests.quality.conftest import open_year

    open_year(cast.tree.c)
    decided_unit(cast.tree.k)
    return extra


def test_a_bulk_decision_decides_the_good_rows_and_refuses_the_others_with_their_reason(cast, list_of_rows):
    ok_1, ok_2, over_quota, bad_score, already, _not_verified = list_of_rows
    (done,) = verified_members(cast.tree.k, {already: 60})
    assert _decide([done], cast.tree.g).decided
    rows = verified_members(cast.tree.k, {ok_1: 80, ok_2: 55, over_quota: 95, bad_score: 70})
    not_verified = review_of(list_of_rows[5])
    k2 = unit_review(cast.tree.k2)  # a collective decided by the same unit, not assessed
    before = AuditEntry.objects.filter(action="quality.decided").count()

    items = [(r, None) for r in rows[:3]] + [(rows[3], "seventy"), (review_of(already), None),
                                             (not_verified, None), (k2, None)]
    outcome = services.decide(items, actor=SYSTEM, decider=cast.tree.g)

    assert {r.member_id: r.level for r in outcome.decided} == {ok_1.pk: Level.GOOD, ok_2.pk: Level.COMPLETION}
    reasons = {getattr(r, "member_id", None) or f"unit {r.unit_id}": reason for r, reason in outcome.refused}
    assert reasons == {
        over_quota.pk: "Over the quota for members decided by Đảng bộ Trường THCS Đông Sơn: 1 rated good allow at "
                       "most 0 rated excellent, and 0 already are.",
        bad_score.pk: "The review was not saved: correct the score. (score: Give a score from 0 to 100.)",
        already.pk: "Already decided.",
        not_verified.member_id: "Not verified yet.",
        f"unit {cast.tree.k2.pk}": "Not verified yet.",
    }
    # the refused rows are as they were; the decided ones are saved with their decision
    states = dict(MemberReview.objects.filter(member__in=list_of_rows).values_list("member_id", "step"))
    assert states == {ok_1.pk: Step.DECIDED, ok_2.pk: Step.DECIDED, over_quota.pk: Step.VERIFIED,
                      bad_score.pk: Step.VERIFIED, already.pk: Step.DECIDED, list_of_rows[5].pk: Step.OPEN}
    assert review_of(already).final_score == 60
    assert UnitReview.objects.get(pk=k2.pk).step == Step.OPEN
    figures = tallies.results(cast.tree.root, YEAR)
    assert (figures["member_good"], figures["member_completion"], figures["member_excellent"]) == (1, 2, 0)
    assert tallies.verify() == []
    entry = AuditEntry.objects.filter(action="quality.decided").latest("id")
    assert AuditEntry.objects.filter(action="quality.decided").count() == before + 1
    assert (entry.payload["decided"], entry.payload["refused"]) == (2, 5)
    assert entry.payload["levels"]["good"] == 1 and entry.payload["levels"]["completion"] == 1


def test_a_bulk_decision_where_every_row_is_refused_writes_no_audit_entry(cast, list_of_rows):
    before = AuditEntry.objects.filter(action="quality.decided").count()
    outcome = _decide([review_of(m) for m in list_of_rows[:2]], cast.tree.g)
    assert outcome.decided == [] and len(outcome.refused) == 2
    assert AuditEntry.objects.filter(action="quality.decided").count() == before
    assert tallies.verify() == []


def test_a_not_classified_member_is_refused_saying_why(cast):
    import datetime as dt

    from tests.factories.registry import make_member
    from tests.quality.conftest import open_year

    recent = make_member(cast.tree.k, "Vũ Thị Mới", admission_date=dt.date(YEAR, 9, 1),
                         ceremony_date=dt.date(YEAR, 9, 1), official_date=None, status="probationary")
    open_year(cast.tree.c)
    decided_unit(cast.tree.k)
    outcome = _decide([review_of(recent)], cast.tree.g)
    assert [reason for _r, reason in outcome.refused] == [
        "Not classified this year: admitted less than the required months before the period's end."]
    assert review_of(recent).step == Step.NOT_CLASSIFIED
