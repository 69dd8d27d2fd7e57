"""The pure rules: the committee that issues a card, award days, the badge tiers and the early and
posthumous awards at their boundaries (the day before and after)."""

from __future__ import annotations

import datetime as dt

import pytest

from chibo.members.cards import rules
from chibo.members.cards.enums import BadgeKind

D = dt.date
DAYS = ["02-03", "05-19", "09-02", "11-07"]
EARLY = rules.Early(12, 70, 24)


@pytest.mark.parametrize(("kinds", "expected"), [
    (["cell", "grassroots_committee", "commune", "province", "central"], 2),  # K → G → C
    (["grassroots_cell", "commune", "province", "central"], 1),  # QK → QC
    (["cell", "partial_committee", "grassroots_committee", "agency", "bloc"], 3),
    (["grassroots_cell", "province", "central"], 1),  # an organization directly under a province
    (["cell", "commune", "province"], 1),  # no grassroots organization: the first committee above
    (["cell", "grassroots_committee"], None),
    (["cell"], None),
])
def test_the_issuing_committee_is_the_one_above_the_grassroots_organization(kinds, expected):
    assert rules.issuer_index(kinds) == expected


def test_previous_and_next_award_days_wrap_the_year():
    assert rules.previous_award_day(D(2026, 2, 3), DAYS) == D(2025, 11, 7)
    assert rules.previous_award_day(D(2026, 5, 19), DAYS) == D(2026, 2, 3)
    assert rules.next_award_day(D(2026, 11, 8), DAYS) == D(2027, 2, 3)
    assert rules.next_award_day(D(2026, 5, 19), DAYS) == D(2026, 5, 19)
    assert rules.is_award_day(D(2026, 9, 2), DAYS) and not rules.is_award_day(D(2026, 9, 3), DAYS)


MAY_19 = D(2026, 5, 19)


def _kind(since, tier=30, day=MAY_19, **kw):
    return rules.due_kind(since, tier, day=day, previous=D(2026, 2, 3), early=EARLY, **kw)


def test_on_time_when_the_tier_is_reached_after_the_previous_day_and_by_the_day():
    assert _kind(D(1996, 2, 3)) is None  # reached on the previous award day: that list's
    assert _kind(D(1996, 2, 4)) == BadgeKind.REGULAR
    assert _kind(D(1996, 5, 19)) == BadgeKind.REGULAR  # reached on the day itself
    assert _kind(D(1996, 5, 20)) is None  # the day after: the next list's


def test_early_for_the_seriously_ill_up_to_12_months_and_24_from_70_years():
    assert _kind(D(1997, 5, 19), ill_on_day=True) == BadgeKind.EARLY  # 12 months to the day
    assert _kind(D(1997, 5, 20), ill_on_day=True) is None
    assert _kind(D(1997, 5, 19)) is None  # not ill: no early award
    assert _kind(D(1958, 5, 19), tier=70, ill_on_day=True) == BadgeKind.EARLY  # 24 months
    assert _kind(D(1958, 5, 20), tier=70, ill_on_day=True) is None
    assert _kind(D(1967, 5, 19), tier=60, ill_on_day=True) == BadgeKind.EARLY
    assert _kind(D(1967, 5, 20), tier=60, ill_on_day=True) is None  # 60 years: 12 months only


def test_posthumous_when_the_tier_was_reached_before_death():
    assert _kind(D(1996, 3, 1), died_on=D(2026, 3, 1)) == BadgeKind.POSTHUMOUS  # reached on the day they died
    assert _kind(D(1996, 3, 2), died_on=D(2026, 3, 1)) is None  # one day short
    assert _kind(D(1996, 3, 2), died_on=D(2026, 3, 1), ill_when_died=True) == BadgeKind.POSTHUMOUS
    assert _kind(D(1997, 3, 1), died_on=D(2026, 3, 1), ill_when_died=True) == BadgeKind.POSTHUMOUS  # 12 months
    assert _kind(D(1997, 3, 2), died_on=D(2026, 3, 1), ill_when_died=True) is None
    # died after the award day: on the day they were alive, judged as the living
    assert _kind(D(1996, 3, 1), died_on=D(2026, 6, 1)) == BadgeKind.REGULAR


def test_a_29_february_start_reaches_its_years_on_28_february():
    assert rules.reached_on(D(1996, 2, 29), 30) == D(2026, 2, 28)
    assert rules.reached_on(D(1996, 2, 29), 28) == D(2024, 2, 29)


def test_windows_are_one_range_per_tier_and_disjoint():
    windows = rules.on_time_windows(D(2026, 5, 19), D(2026, 2, 3), [30, 40])
    assert [(w.tier, w.after, w.upto) for w in windows] == [(30, D(1996, 2, 3), D(1996, 5, 19)),
                                                            (40, D(1986, 2, 3), D(1986, 5, 19))]
    assert rules.tier_of(D(1996, 5, 19), windows) == 30 and rules.tier_of(D(1996, 2, 3), windows) is None
    early = rules.early_windows(D(2026, 5, 19), D(2026, 2, 3), [30, 70], EARLY)
    assert [(w.after, w.upto) for w in early] == [(D(1996, 2, 3), D(1997, 5, 19)), (D(1956, 2, 3), D(1958, 5, 19))]
