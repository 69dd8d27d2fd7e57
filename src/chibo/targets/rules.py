"""Allocation arithmetic (pure): proposals for the children's targets that add up exactly.

A parent's target is split in proportion to weights (the children's members, or last year's
result plus N) by the largest-remainder method: each child gets the floor of its exact share,
and the units left over go to the largest remainders (ties: the larger weight, then the order
given). So the children always sum to the parent's target, and no child is more than one away
from its exact share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from chibo.core.numbers import percent, whole_percent  # noqa: F401  (the targets' percentages)

K = TypeVar("K")


def by_rate(members: int, rate_percent: float) -> int:
    """A target of ``rate_percent`` of ``members``, rounded half up (3.5% of 1,000 = 35)."""
    exact = Decimal(members) * Decimal(str(rate_percent)) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split(total: int, weights: Mapping[K, int]) -> dict[K, int]:
    """``total`` shared in proportion to ``weights``, summing exactly to ``total``.

    All weights zero: shared as evenly as possible (the first ones get the extra units).
    """
    keys = list(weights)
    if not keys:
        return {}
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("totals and weights are never negative")
    weight_sum = sum(weights.values())
    if weight_sum == 0:
        weights = dict.fromkeys(keys, 1)
        weight_sum = len(keys)
    shares = {k: total * weights[k] / weight_sum for k in keys}
    out = {k: math.floor(shares[k]) for k in keys}
    left = total - sum(out.values())
    order = sorted(range(len(keys)), key=lambda i: (-(shares[keys[i]] - out[keys[i]]), -weights[keys[i]], i))
    for i in order[:left]:
        out[keys[i]] += 1
    return out


def last_year_plus(results: Mapping[K, int], extra: int) -> dict[K, int]:
    """Last year's result plus ``extra`` for each unit."""
    return {k: max(0, n + extra) for k, n in results.items()}


