"""Driving review rows through the services to the step a rule test needs (no shortcut through
the models: each row is proposed or self-assessed, then verified, by the real services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chibo.accounts.policy import SYSTEM
from chibo.core.models import RuleOverride
from chibo.members.enums import DisciplineKind
from chibo.members.models import Discipline
from chibo.quality import services
from chibo.quality.models import MemberReview, UnitReview
from tests.factories.registry import make_member
from tests.quality.conftest import YEAR

UNIT_POINTS = {"politics": 16, "organization": 16, "tasks": 32, "inspection": 8, "mass": 8}  # 80


def override(key: str, value: Any, on: dt.date = dt.date(YEAR, 1, 1)) -> RuleOverride:
    """An administrator's dated version of a rulebook figure, in force for the test's year."""
    return RuleOverride.objects.create(key=key, value=value, effective_from=on, source="test")


GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nga", "Phúc", "Quân", "Sơn", "Thảo",
         "Uyên", "Vinh", "Xuân", "Yến")


def members(unit, n: int, *, family: str = "Ngô Văn", **kwargs: Any) -> list:
    """``n`` more members of ``unit`` (official, admitted in 2010 unless told)."""
    return [make_member(unit, f"{family} {GIVEN[i]}", **kwargs) for i in range(n)]


def discipline(member, on: dt.date = dt.date(YEAR, 3, 1)) -> Discipline:
    return Discipline.objects.create(member=member, kind=DisciplineKind.REPRIMAND, decided_on=on,
                                     body="Ủy ban kiểm tra", decision="01-QĐ/UBKT")


def review_of(member, year: int = YEAR, quarter: int = 0) -> MemberReview:
    return MemberReview.objects.get(member=member, year=year, quarter=quarter)


def unit_review(unit, year: int = YEAR) -> UnitReview:
    return UnitReview.objects.get(unit=unit, year=year, quarter=0)


def verified_members(cell, scores: dict[Any, Any], *, actor: Any = SYSTEM) -> list[MemberReview]:
    """The cell proposes ``scores`` (member → score) with a 5 of 6 vote; the advisory body verifies."""
    rows = {member: review_of(member) for member in scores}
    services.propose(cell, actor=actor, year=YEAR, meeting=None,
                     proposals={rows[m].pk: services.Proposal(str(s), 5, 6) for m, s in scores.items()})
    return [services.verify(MemberReview.objects.get(pk=r.pk), actor=SYSTEM) for r in rows.values()]


def verified_unit(unit, score: Any = None) -> UnitReview:
    """The collective assesses itself (80 points) and the advisory body verifies ``score`` (or the 80)."""
    review = services.self_assess_unit(unit_review(unit), actor=SYSTEM, text="Tự đánh giá", scores=UNIT_POINTS)
    return services.verify(review, actor=SYSTEM, score=score)


def decided_unit(unit, score: Any = None):
    """``unit``'s collective review verified and decided by its parent."""
    outcome = services.decide([(verified_unit(unit, score), None)], actor=SYSTEM, decider=unit.parent)
    assert not outcome.refused, outcome.refused
    return outcome.decided[0]
