"""Percentages as the party's reports write them: one home for their rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(done: int, whole: int | None) -> Decimal | None:
    """``done`` as a percentage of ``whole``, to two decimals, half up (2,360 of 2,253 = 104.75);
    None without a whole."""
    if not whole:
        return None
    return (Decimal(done) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def whole_percent(done: int, whole: int | None) -> int | None:
    """The percentage in round figures (2,108 of 3,411 = 62): the exact ratio rounded half up once,
    in integers (198 of 199 = 99.497… = 99, not 99.50 rounded again; 1 of 8 = 13)."""
    if not whole:
        return None
    return (200 * done + whole) // (2 * whole)
