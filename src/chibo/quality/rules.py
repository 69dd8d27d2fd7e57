"""The review's pure rules (no I/O): the level a score earns, the caps, the quota's head-room,
the months a member must have been admitted. Every figure comes from the rulebook, passed in."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from chibo.quality.enums import Level


def level_for(score: Decimal, thresholds: dict[str, float]) -> str:
    """The level of a score: ``thresholds`` is the lowest score of each level but the last
    (``{"excellent": 90, "good": 70, "completion": 50}``)."""
    for level in (Level.EXCELLENT, Level.GOOD, Level.COMPLETION):
        if score >= Decimal(str(thresholds[level])):
            return level
    return Level.NON_COMPLETION


def capped(level: str, *, subject: str, facts: Iterable[str], caps: list[dict]) -> tuple[str, str]:
    """``level`` lowered by the first cap whose condition holds (``facts`` are the conditions
    that hold for this row). Returns the level and the condition that lowered it ('' if none)."""
    held = set(facts)
    worst, by = level, ""
    for cap in caps:
        if cap["subject"] == subject and cap["when"] in held and Level.rank(cap["at_most"]) > Level.rank(worst):
            worst, by = cap["at_most"], cap["when"]
    return worst, by


def quota_limit(good: int, *, percent: float, rounding: str) -> int:
    """How many may be rated excellent in a peer group where ``good`` are rated good."""
    exact = Decimal(good) * Decimal(str(percent)) / 100
    if rounding == "ceil":
        return math.ceil(exact)
    if rounding == "round":
        return int(exact.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return math.floor(exact)


@dataclass(frozen=True)
class Headroom:
    group: str
    excellent: int
    good: int
    limit: int

    @property
    def left(self) -> int:
        return self.limit - self.excellent


def classification_cutoff(ends_on: dt.date, months: int) -> dt.date:
    """The last admission day of a member classified in a period ending ``ends_on``: admitted on
    this day they have the ``months`` exactly; a day later, they are reviewed but not classified."""
    month = ends_on.month - months
    year = ends_on.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(ends_on.day, last))


def four_good_holds(months_passed: dict[str, int], criteria: list[str], level: str | None, approvals: int,
                    rule: dict) -> list[str]:
    """What keeps a unit from "4 good" under ``rule`` (empty when it holds): each criterion
    passed in at least ``months_min`` months, the unit rated ``min_level`` or better, and
    ``approvals`` half-year votes recorded."""
    missing = [key for key in criteria if months_passed.get(key, 0) < int(rule.get("months_min", 0))]
    reasons = [f"months:{key}" for key in missing]
    min_level = rule.get("min_level")
    if min_level and (not level or Level.rank(level) > Level.rank(min_level)):
        reasons.append("level")
    if approvals < int(rule.get("approvals", 0)):
        reasons.append("approvals")
    return reasons
