"""The review from opening to decision, through the services, with the tallies checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chibo.accounts.policy import SYSTEM
from chibo.core.errors import DomainError
from chibo.quality import services, tallies
from chibo.quality.enums import Form, Level, Step
from chibo.quality.models import MemberReview, UnitReview
from tests.quality.conftest import YEAR

POINTS = {"politics": 18, "discipline": 9, "duties": 45, "party_duties": 9, "contact": 9}  # 90
UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80


def test_opening_makes_a_row_per_organization_and_member(cast, period):
    units = set(UnitReview.objects.filter(period=period).values_list("unit__code", flat=True))
    assert units == {"G", "K", "K2"}
    rows = {r.member_id: r for r in MemberReview.objects.filter(period=period)}
    assert set(rows) == {cast.sec_m.pk, cast.plain_m.pk, cast.other_m.pk}
    assert rows[cast.sec_m.pk].form == Form.LEADER and rows[cast.plain_m.pk].form == Form.OTHER
    assert {r.decider_id for r in rows.values()} == {cast.tree.g.pk}
    assert tallies.results(cast.tree.root, YEAR)["member_total"] == 3
    assert tallies.results(cast.tree.c, YEAR)["grassroots_total"] == 1
    assert tallies.verify() == []


def _to_verified(cast, review, score=None):
    user = {cast.plain_m.pk: cast.member, cast.sec_m.pk: cast.secretary}[review.member_id]
    services.self_assess_member(review, actor=user, text="Tự kiểm điểm", scores=POINTS)
    services.propose(cast.tree.k, actor=cast.secretary, year=YEAR, meeting=None,
                     proposals={review.pk: services.Proposal(score or "90", 5, 6)})
    return services.verify(MemberReview.objects.get(pk=review.pk), actor=SYSTEM)


def test_a_member_from_self_assessment_to_decision(cast, period):
    review = MemberReview.objects.get(member=cast.plain_m)
    for unit_review in UnitReview.objects.filter(period=period).order_by("-depth"):
        services.self_assess_unit(unit_review, actor=SYSTEM, text="", scores=UNIT_POINTS)
        services.verify(unit_review, actor=SYSTEM)
    outcome = services.decide([(r, None) for r in UnitReview.objects.filter(decider=cast.tree.g)],
                              actor=SYSTEM, decider=cast.tree.g)
    assert not outcome.refused and len(outcome.decided) == 2
    review = _to_verified(cast, review)
    assert review.step == Step.VERIFIED and review.verified_score == Decimal("90.00")
    outcome = services.decide([(review, "75")], actor=SYSTEM, decider=cast.tree.g)
    assert [r.level for r in outcome.decided] == [Level.GOOD]
    assert tallies.results(cast.tree.root, YEAR)["member_good"] == 1
    assert tallies.verify() == []


def test_the_member_may_not_propose_a_level_above_the_score(cast, period):
    review = MemberReview.objects.get(member=cast.plain_m)
    with pytest.raises(DomainError):
        services.self_assess_member(review, actor=cast.member, text="x", scores=POINTS | {"duties": 30},
                                    level=Level.EXCELLENT)


def _waiting(unit, subject):
    row = tallies.results(unit, YEAR)
    return {step: row[f"{subject}_{step}"] for step in ("open", "self_assessed", "proposed", "verified")
            if f"{subject}_{step}" in row}


def test_each_step_moves_the_row_in_the_tallies(cast, period):
    review = MemberReview.objects.get(member=cast.plain_m)
    assert _waiting(cast.tree.root, "member") == {"open": 3, "self_assessed": 0, "proposed": 0, "verified": 0}
    services.self_assess_member(review, actor=cast.member, text="Tự kiểm điểm", scores=POINTS)
    assert _waiting(cast.tree.root, "member") == {"open": 2, "self_assessed": 1, "proposed": 0, "verified": 0}
    services.propose(cast.tree.k, actor=cast.secretary, year=YEAR, meeting=None, proposals={
        r.pk: services.Proposal("80", 5, 6) for r in MemberReview.objects.filter(unit=cast.tree.k)})
    assert _waiting(cast.tree.k, "member") == {"open": 0, "self_assessed": 0, "proposed": 3, "verified": 0}
    services.verify_many(cast.tree.g, actor=SYSTEM, model=MemberReview, year=YEAR,
                         rows={r.pk: ("", "") for r in MemberReview.objects.filter(unit=cast.tree.k)})
    assert _waiting(cast.tree.c, "member") == {"open": 0, "self_assessed": 0, "proposed": 0, "verified": 3}
    assert tallies.verify() == []
    unit_review = UnitReview.objects.get(unit=cast.tree.k2)
    services.self_assess_unit(unit_review, actor=SYSTEM, text="", scores=UNIT_POINTS)
    services.verify(unit_review, actor=SYSTEM)
    services.decide([(UnitReview.objects.get(pk=unit_review.pk), None)], actor=SYSTEM, decider=cast.tree.g)
    assert _waiting(cast.tree.g, "org") == {"open": 2, "self_assessed": 0, "verified": 0}
    assert tallies.results(cast.tree.g, YEAR)["org_good"] == 1
    assert tallies.verify() == []
