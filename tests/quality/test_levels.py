"""The levels a final score earns at their boundaries (rulebook ``quality.levels``), as a pure rule
and through the decision; and who may take each step that leads to a level."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.rulebook import rule
from chibo.quality import rules, services, tallies
from chibo.quality.enums import Level, Step
from chibo.quality.models import MemberReview
from tests.factories.registry import make_user
from tests.quality.conftest import YEAR, open_year
from tests.quality.steps import decided_unit, members, override, review_of, unit_review, verified_members

THRESHOLDS = {"excellent": 90, "good": 70, "completion": 50}
BOUNDARIES = [("49.99", Level.NON_COMPLETION), ("50", Level.COMPLETION), ("50.00", Level.COMPLETION),
              ("69.99", Level.COMPLETION), ("70", Level.GOOD), ("89.99", Level.GOOD), ("90", Level.EXCELLENT),
              ("0", Level.NON_COMPLETION), ("100", Level.EXCELLENT)]


@pytest.mark.parametrize(("score", "level"), BOUNDARIES)
def test_level_for_a_score_at_each_boundary(score, level):
    assert rules.level_for(Decimal(score), THRESHOLDS) == level


def test_the_shipped_thresholds_are_90_70_50(db):
    import datetime as dt

    assert rule("quality.levels", on=dt.date(YEAR, 12, 31)) == THRESHOLDS


@pytest.fixture
def nine(cast):
    """Nine more members of cell K, then the year opened by the commune and cell K decided (the
    collective goes before its members)."""
    extra = members(cast.tree.k, 9)
    open_year(cast.tree.c)
    decided_unit(cast.tree.k)
    return extra


def test_the_decision_gives_each_boundary_its_level(cast, nine):
    # five rated good (70, 89.99 and three 80) allow one excellent in the group: the 90
    scores = ["49.99", "50", "69.99", "70", "89.99", "80", "80", "80", "90"]
    rows = verified_members(cast.tree.k, dict(zip(nine, scores, strict=True)))
    outcome = services.decide([(r, None) for r in rows], actor=SYSTEM, decider=cast.tree.g)
    assert outcome.refused == []
    levels = {str(r.final_score): r.level for r in MemberReview.objects.filter(member__in=nine)}
    assert levels == {"49.99": Level.NON_COMPLETION, "50.00": Level.COMPLETION, "69.99": Level.COMPLETION,
                      "70.00": Level.GOOD, "89.99": Level.GOOD, "80.00": Level.GOOD, "90.00": Level.EXCELLENT}
    figures = tallies.results(cast.tree.root, YEAR)
    assert (figures["member_excellent"], figures["member_good"], figures["member_completion"],
            figures["member_non_completion"]) == (1, 5, 2, 1)
    assert tallies.verify() == []


def test_the_score_given_at_the_decision_replaces_the_verified_one(cast, nine):
    first, second, third = verified_members(cast.tree.k, {nine[0]: 95, nine[1]: 95, nine[2]: 95})
    outcome = services.decide([(first, "69.99"), (second, "70"), (third, "49,99")], actor=SYSTEM,
                              decider=cast.tree.g)
    assert outcome.refused == []
    assert {(r.member_id, r.final_score, r.level) for r in outcome.decided} == {
        (nine[0].pk, Decimal("69.99"), Level.COMPLETION), (nine[1].pk, Decimal("70.00"), Level.GOOD),
        (nine[2].pk, Decimal("49.99"), Level.NON_COMPLETION)}


@pytest.mark.parametrize("bad", ["100.01", "-1", "abc", "NaN", "Infinity", "1e3"])
def test_a_score_outside_0_to_100_is_refused_with_the_row_left_verified(cast, nine, bad):
    (row,) = verified_members(cast.tree.k, {nine[0]: 75})
    outcome = services.decide([(row, bad)], actor=SYSTEM, decider=cast.tree.g)
    assert outcome.decided == [] and len(outcome.refused) == 1
    assert "0 to 100" in outcome.refused[0][1]
    row.refresh_from_db()
    assert (row.step, row.level, row.final_score) == (Step.VERIFIED, "", None)


def test_thresholds_are_data(cast, nine):
    override("quality.levels", {"excellent": 95, "good": 75, "completion": 55})
    rows = verified_members(cast.tree.k, {nine[0]: "74.99", nine[1]: "54.99"})
    outcome = services.decide([(r, None) for r in rows], actor=SYSTEM, decider=cast.tree.g)
    assert sorted(r.level for r in outcome.decided) == [Level.COMPLETION, Level.NON_COMPLETION]


# --- who may take each step (NotFound outside the scope, PermissionDenied where read-only) ---


@pytest.fixture
def auditor(cast):
    """Read-only in the province: sees the reviews, records nothing."""
    return make_user("auditor", role="auditor", unit=cast.tree.p)


def _persona(cast, auditor, name):
    return auditor if name == "auditor" else getattr(cast, name)


@pytest.mark.parametrize(("name", "expected"), [
    ("admin", None), ("province", None), ("commune", None), ("secretary", None), ("auditor", PermissionDenied),
    ("member", NotFound), ("outsider", NotFound)])
def test_who_may_record_a_collectives_self_assessment(cast, period, auditor, name, expected):
    review = unit_review(cast.tree.k)
    call = lambda: services.self_assess_unit(review, actor=_persona(cast, auditor, name), text="",  # noqa: E731
                                             scores={"politics": 20, "organization": 20, "tasks": 40,
                                                     "inspection": 10, "mass": 10})
    if expected is None:
        assert call().step == Step.SELF_ASSESSED
    else:
        with pytest.raises(expected):
            call()
        assert unit_review(cast.tree.k).step == Step.OPEN


@pytest.mark.parametrize(("name", "expected"), [
    ("admin", None), ("province", None), ("commune", None), ("secretary", None), ("auditor", PermissionDenied),
    ("member", NotFound), ("outsider", NotFound)])
def test_who_may_record_the_cells_proposals(cast, period, auditor, name, expected):
    review = review_of(cast.plain_m)
    call = lambda: services.propose(cast.tree.k, actor=_persona(cast, auditor, name), year=YEAR,  # noqa: E731
                                    meeting=None, proposals={review.pk: services.Proposal("80", 4, 5)})
    if expected is None:
        assert call() == 1
        assert review_of(cast.plain_m).step == Step.PROPOSED
    else:
        with pytest.raises(expected):
            call()
        assert review_of(cast.plain_m).step == Step.OPEN


@pytest.mark.parametrize(("name", "expected"), [
    ("admin", None), ("province", None), ("commune", PermissionDenied), ("secretary", NotFound),
    ("member", NotFound), ("outsider", NotFound)])
def test_who_may_verify(cast, period, name, expected):
    review = review_of(cast.plain_m)
    services.propose(cast.tree.k, actor=SYSTEM, year=YEAR, meeting=None,
                     proposals={review.pk: services.Proposal("80", 4, 5)})
    call = lambda: services.verify(review, actor=getattr(cast, name), score="81")  # noqa: E731
    if expected is None:
        assert call().verified_score == Decimal("81.00")
    else:
        with pytest.raises(expected):
            call()
        assert review_of(cast.plain_m).step == Step.PROPOSED


@pytest.mark.parametrize(("name", "expected"), [
    ("admin", None), ("province", PermissionDenied), ("commune", None), ("secretary", NotFound),
    ("member", NotFound), ("outsider", NotFound)])
def test_who_may_decide(cast, period, name, expected):
    decided_unit(cast.tree.k)
    (review,) = verified_members(cast.tree.k, {cast.plain_m: 80})
    call = lambda: services.decide([(review, None)], actor=getattr(cast, name), decider=cast.tree.g)  # noqa: E731
    if expected is None:
        assert [r.level for r in call().decided] == [Level.GOOD]
    else:
        with pytest.raises(expected):
            call()
        assert review_of(cast.plain_m).step == Step.VERIFIED


@pytest.mark.parametrize(("name", "expected"), [
    ("member", None), ("secretary", NotFound), ("admin", NotFound), ("province", NotFound), ("outsider", NotFound)])
def test_only_the_member_self_assesses(cast, period, name, expected):
    points = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}
    call = lambda: services.self_assess_member(review_of(cast.plain_m), actor=getattr(cast, name),  # noqa: E731
                                               text="Tự kiểm điểm", scores=points)
    if expected is None:
        assert call().self_level == Level.EXCELLENT
    else:
        with pytest.raises(expected):
            call()
        assert review_of(cast.plain_m).step == Step.OPEN


def test_a_row_of_another_decider_in_the_list_refuses_the_whole_decision(cast, period):
    decided_unit(cast.tree.k)
    (review,) = verified_members(cast.tree.k, {cast.plain_m: 80})
    with pytest.raises(NotFound):
        services.decide([(review, None)], actor=SYSTEM, decider=cast.tree.c)
    assert review_of(cast.plain_m).step == Step.VERIFIED


def test_a_self_assessment_with_points_above_a_criterions_maximum_is_refused(cast, period):
    points = {"politics": 21, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}
    with pytest.raises(DomainError) as refused:
        services.self_assess_member(review_of(cast.plain_m), actor=cast.member, text="x", scores=points)
    assert refused.value.field_errors == {"politics": ["Give 0 to 20 points."]}
