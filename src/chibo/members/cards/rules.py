"""The card's and the badges' rules: pure functions of dates, kinds and rulebook values (no I/O).

**The committee that issues a card** is "the committee directly above the grassroots
organization" (Charter art. 5, HD 01-HD/TW): from the member's cell walk up the tree to the first
unit whose kind is a grassroots organization (``grassroots_committee`` or ``grassroots_cell``); the
issuer is that unit's parent (a commune-level or agency committee, or a province-level committee
for an organization placed directly under it). A cell with no grassroots organization above it
(a tree still being restructured) is issued by the first committee of kind commune, agency, bloc or
province above it.

**The badge list** of an award day D (rulebook ``members.badge_award_days``) with P the award day
before it: a member is due tier N

* *on time* when their party age reaches N years after P and by D (their ``since`` is in
  ``(P − N years, D − N years]``: one index range per tier);
* *early* when a "seriously ill" record covers D and the age reaches N after P and within the
  early window after D (12 months; 24 for the tiers from 70 years: ``members.badge_early``);
* *posthumously* when they died having reached N after P and by D, or, seriously ill when they
  died, when they died on or before D and the age would have reached N after P and within the early
  window after their death.

A member already awarded tier N is never due it again (``BadgeAward`` is unique per tier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from chibo.members.cards.enums import BadgeKind
from chibo.members.party_age import _add_months, reaches_on

GRASSROOTS_KINDS = frozenset({"grassroots_committee", "grassroots_cell"})
COMMITTEE_KINDS = frozenset({"commune", "agency", "bloc", "province"})


def issuer_index(kinds_nearest_first: Sequence[str]) -> int | None:
    """Which of the units (the member's cell first, then each unit above) issues the card: its
    index in the list, or None when there is none (a cell outside any committee)."""
    for i, kind in enumerate(kinds_nearest_first):
        if kind in GRASSROOTS_KINDS:
            return i + 1 if i + 1 < len(kinds_nearest_first) else None
    return next((i for i, kind in enumerate(kinds_nearest_first) if kind in COMMITTEE_KINDS), None)


# ---- award days --------------------------------------------------------------------------------

def award_days_of(year: int, days: Sequence[str]) -> list[dt.date]:
    """The award days of ``year`` (``"MM-DD"`` strings), in order."""
    return sorted(dt.date(year, int(d[:2]), int(d[3:])) for d in days)


def is_award_day(day: dt.date, days: Sequence[str]) -> bool:
    return day in award_days_of(day.year, days)


def previous_award_day(day: dt.date, days: Sequence[str]) -> dt.date:
    """The award day before ``day`` (the last of the year before, for the first of a year)."""
    earlier = [d for d in award_days_of(day.year, days) if d < day]
    return earlier[-1] if earlier else award_days_of(day.year - 1, days)[-1]


def next_award_day(day: dt.date, days: Sequence[str]) -> dt.date:
    """The first award day on or after ``day``."""
    later = [d for d in award_days_of(day.year, days) if d >= day]
    return later[0] if later else award_days_of(day.year + 1, days)[0]


# ---- tiers and windows -------------------------------------------------------------------------

@dataclass(frozen=True)
class Early:
    """The early window for the seriously ill: ``months`` before the tier, ``senior_months`` for
    the tiers from ``senior_from`` years."""

    months: int = 12
    senior_from: int = 70
    senior_months: int = 24

    @classmethod
    def of(cls, value: dict) -> Early:
        return cls(int(value["months"]), int(value["senior_from_years"]), int(value["senior_months"]))

    def months_for(self, tier: int) -> int:
        return self.senior_months if tier >= self.senior_from else self.months


def reached_on(since: dt.date, years: int) -> dt.date:
    """The day a party age counted from ``since`` reaches ``years`` (29 February: the 28th)."""
    return _add_months(since, years * 12)


@dataclass(frozen=True)
class Window:
    """``since`` values in ``(after, upto]`` reach ``tier`` in the window."""

    tier: int
    after: dt.date
    upto: dt.date


def on_time_windows(day: dt.date, previous: dt.date, tiers: Sequence[int]) -> list[Window]:
    """One ``since`` range per tier: the age reaches the tier after ``previous`` and by ``day``."""
    return [Window(t, reaches_on(t, previous), reaches_on(t, day)) for t in tiers]


def early_windows(day: dt.date, previous: dt.date, tiers: Sequence[int], early: Early) -> list[Window]:
    """One ``since`` range per tier: the age reaches the tier after ``previous`` and within the
    early window after ``day``."""
    return [Window(t, reaches_on(t, previous), reaches_on(t, _add_months(day, early.months_for(t))))
            for t in tiers]


def tier_of(since: dt.date, windows: Sequence[Window]) -> int | None:
    return next((w.tier for w in windows if w.after < since <= w.upto), None)


def due_kind(since: dt.date, tier: int, *, day: dt.date, previous: dt.date, early: Early,
             ill_on_day: bool = False, died_on: dt.date | None = None, ill_when_died: bool = False) -> str | None:
    """Whether a member whose age counts from ``since`` is due ``tier`` on award day ``day``, and how
    (a :class:`BadgeKind`), or None."""
    reached = reached_on(since, tier)
    if reached <= previous:
        return None
    window = early.months_for(tier)
    if died_on is not None:
        if died_on > day:
            died_on = None  # died after the award day: judged as the living were on it
        elif reached <= min(died_on, day) or (ill_when_died and reached <= _add_months(died_on, window)):
            return BadgeKind.POSTHUMOUS
        else:
            return None
    if reached <= day:
        return BadgeKind.REGULAR
    if ill_on_day and reached <= _add_months(day, window):
        return BadgeKind.EARLY
    return None
