"""Pure rules of party dues: months, the monthly amount, reliefs and the shares (no I/O).

Money is integer VND. The amount for a month comes from the rule ``dues.rates`` in force on the
month's first day: a share of the income in per mille (salaried 10 ‰ = 1 %, pensioner 5 ‰ =
0.5 %) rounded to the nearest ``round_to_vnd`` (halves up), or a fixed amount by category. A
reduction of P % takes P % off the amount, rounded the same way. All arithmetic is integer
(``//``); :func:`amount` refuses anything but ``int``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from chibo.dues.enums import Category

REDUCTION_PERCENTS = (30, 50, 70)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    year, index = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(year, index + 1, 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, stop: dt.date) -> list[dt.date]:
    """The months from ``first`` up to, not including, ``stop`` (first days)."""
    out, month = [], month_of(first)
    while month < stop:
        out.append(month)
        month = add_months(month, 1)
    return out


def round_vnd(value: int, step: int) -> int:
    """``value`` rounded to the nearest multiple of ``step`` (halves up); integers only."""
    if not isinstance(value, int) or not isinstance(step, int) or step <= 0:
        raise TypeError("money is integer VND")
    return (value + step // 2) // step * step


def amount(category: str, income: int, rates: Mapping[str, Any]) -> int:
    """The full monthly amount (VND) for a basis under ``rates`` (a ``dues.rates`` value)."""
    if not isinstance(income, int):
        raise TypeError("money is integer VND")
    step = int(rates["round_to_vnd"])
    if category == Category.SALARIED:
        return round_vnd(income * int(rates["salaried_per_mille"]) // 1000, step)
    if category == Category.PENSIONER:
        return round_vnd(income * int(rates["pensioner_per_mille"]) // 1000, step)
    return int(rates["fixed_vnd"][category])


def reduced(full: int, percent: int, step: int) -> int:
    """``full`` after a reduction of ``percent`` (100: exempt)."""
    if percent >= 100:
        return 0
    return round_vnd(full * (100 - percent) // 100, step)


@dataclass(frozen=True)
class Period:
    """A dated period over months: [valid_from, valid_to)."""

    valid_from: dt.date
    valid_to: dt.date | None

    def covers(self, month: dt.date) -> bool:
        return self.valid_from <= month and (self.valid_to is None or month < self.valid_to)


def in_force(periods: Iterable[Any], month: dt.date) -> Any | None:
    """The newest of ``periods`` (objects with valid_from/valid_to) covering ``month``."""
    best = None
    for p in periods:
        if p.valid_from <= month and (p.valid_to is None or month < p.valid_to) and (
                best is None or p.valid_from > best.valid_from):
            best = p
    return best


def member_months(year: int, *, admitted: dt.date | None, left: dt.date | None,
                  today: dt.date, kept_from: dt.date = dt.date.min) -> list[dt.date]:
    """The months of ``year`` a member owes dues for: from the month of admission, while a member
    on some day of the month (not after leaving), not after today's month, and not before the
    registry kept dues (``kept_from``)."""
    if admitted is None:
        return []
    first = max(dt.date(year, 1, 1), month_of(admitted), month_of(kept_from))
    stop = min(dt.date(year + 1, 1, 1), add_months(month_of(today), 1))
    if left is not None:
        stop = min(stop, add_months(month_of(left), 1) if left.day > 1 else month_of(left))
    return months_between(first, stop) if first < stop else []


def shares(amount_vnd: int, retained_per_mille: list[int], levels: int) -> list[tuple[int, int]]:
    """(retained, remitted upward) at each of ``levels`` levels from the cell up, for ``amount_vnd``
    collected by the cell. Level i keeps ``retained_per_mille[i]`` ‰ of what it receives (the last
    figure repeats for higher levels); the top level keeps the rest. Floors at each step."""
    if not isinstance(amount_vnd, int):
        raise TypeError("money is integer VND")
    out, received = [], amount_vnd
    for level in range(levels):
        if level == levels - 1:
            out.append((received, 0))
            break
        per_mille = retained_per_mille[min(level, len(retained_per_mille) - 1)]
        kept = received * per_mille // 1000
        out.append((kept, received - kept))
        received -= kept
    return out
