"""The working-day calendar: Vietnamese public holidays (Tết included) and weekends.

Regulatory deadlines count working days (DOMAIN.md §4). Holidays come from the ``holidays``
package (Vietnam: the public holidays, the days off in lieu and some of the government's swaps)
plus the rulebook: ``calendar.extra_days_off`` for the days off of the government's yearly
notices that the package lacks, and ``calendar.extra_working_days`` for the Saturdays worked in
exchange ("làm bù"). Each notice is one version of those keys, and every version applies.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


@lru_cache(maxsize=4)
def _extra(key: str) -> frozenset[dt.date]:
    """The days of every shipped version of ``key`` (read once per process)."""
    from chibo.core.rulebook import file_rules

    values = file_rules().get(key, [])
    days: set[dt.date] = set()
    for entry in values:
        days.update(dt.date.fromisoformat(d) for d in entry["value"])
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    if day in _extra("calendar.extra_working_days"):
        return True
    if day.weekday() >= 5:
        return False
    return day not in _public_holidays(day.year) and day not in _extra("calendar.extra_days_off")


def holiday_name(day: dt.date) -> str | None:
    return holidays.country_holidays("VN", years=day.year).get(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The date ``n`` working days after ``start`` (``start`` itself not counted).

    ``n`` may be negative to count backwards; ``n == 0`` returns ``start``.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    while remaining:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in the interval (start, end]; negative if ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Mar → 30 Apr)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))
