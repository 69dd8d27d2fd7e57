"""Allocation arithmetic: proposals that add up exactly, and the rounding of percentages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chibo.targets import rules


@given(st.integers(0, 100_000), st.lists(st.integers(0, 50_000), min_size=1, max_size=80))
def test_a_split_always_sums_to_the_total_and_stays_within_one_of_the_exact_share(total, weights):
    shares = rules.split(total, dict(enumerate(weights)))
    assert sum(shares.values()) == total
    weight_sum = sum(weights) or len(weights)
    for i, w in enumerate(weights):
        exact = total * (w if sum(weights) else 1) / weight_sum
        assert abs(shares[i] - exact) < 1


def test_the_largest_remainders_get_the_extra_units():
    assert rules.split(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    # a tie of remainders (58.5, 19.5): the larger weight gets the unit
    assert rules.split(195, {"x": 600, "y": 300, "z": 100}) == {"x": 117, "y": 59, "z": 19}
    assert rules.split(5, {"a": 0, "b": 0}) == {"a": 3, "b": 2}
    assert rules.split(7, {}) == {}
    with pytest.raises(ValueError):
        rules.split(-1, {"a": 1})


def test_a_rate_of_the_members_rounds_half_up():
    assert rules.by_rate(1000, 3.5) == 35
    assert rules.by_rate(102_257, 3.5) == 3579  # 3,578.995
    assert rules.by_rate(10, 3.5) == 0  # 0.35
    assert rules.by_rate(30, 3.5) == 1  # 1.05


def test_last_year_plus_never_goes_negative():
    assert rules.last_year_plus({"a": 175, "b": 0}, 20) == {"a": 195, "b": 20}
    assert rules.last_year_plus({"a": 3}, -5) == {"a": 0}


@pytest.mark.parametrize("done, target, exact, whole", [
    (2108, 3411, Decimal("61.80"), 62),  # Quảng Ninh, end of August 2024
    (195, 195, Decimal("100.00"), 100),  # Móng Cái
    (2360, 2253, Decimal("104.75"), 105),  # Ninh Bình 2023
    (853, 805, Decimal("105.96"), 106),  # Ninh Thuận 2024
    (1, 8, Decimal("12.50"), 13),  # half up, not to even
    (198, 199, Decimal("99.50"), 99),  # 99.497…: rounded once, not 99.50 rounded again
    (199, 199, Decimal("100.00"), 100),
    (1, 3, Decimal("33.33"), 33),
    (2, 3, Decimal("66.67"), 67),
    (0, 0, None, None),
])
def test_percentages_to_two_decimals_and_to_the_whole_figure(done, target, exact, whole):
    assert rules.percent(done, target) == exact
    assert rules.whole_percent(done, target) == whole
