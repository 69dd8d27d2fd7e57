"""Party age (tuổi đảng, DOMAIN.md §3): from the first admission decision, minus the gaps.

A member's party age runs from ``Member.party_since``: the first admission decision moved later by
the length of every closed gap (removed or expelled until readmitted, lost contact, a transfer not
completed in time). While a gap is open the age stands still at the day the gap began. So the age on
a day is one subtraction, and "whose party age reaches N years on day D" is one index range on
``COALESCE(party_since, admission_date)`` (index ``member_party_since``).

The pure rules (:func:`shifted_start`, :func:`span`, :func:`age_on`) take dates only; the two
writes (:func:`open_gap`, :func:`close_gap`) are called by the services that start and end a gap,
inside their transaction.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from chibo.members.models import Member, MembershipGap


@dataclass(frozen=True)
class PartyAge:
    years: int
    months: int
    days: int
    since: dt.date  # the day the age counts from (gaps moved it later)
    paused_on: dt.date | None = None  # an open gap stopped it on this day

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


def shifted_start(admitted: dt.date, gaps: Iterable[tuple[dt.date, dt.date]]) -> dt.date:
    """The admission day moved later by the days of every closed gap (``(first day, first day
    counted again)``) that began on or after it."""
    days = sum(((end - start).days for start, end in gaps if start >= admitted and end > start), 0)
    return admitted + dt.timedelta(days=days)


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def span(start: dt.date, end: dt.date) -> tuple[int, int, int]:
    """Whole years, months and days from ``start`` to ``end`` (zeros when ``end`` is earlier)."""
    if end <= start:
        return 0, 0, 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if _add_months(start, months) > end:
        months -= 1
    days = (end - _add_months(start, months)).days
    return months // 12, months % 12, days


def age_on(since: dt.date, on: dt.date, *, open_gap_from: dt.date | None = None) -> PartyAge:
    """The party age on ``on`` of a member whose age counts from ``since`` (an open gap that
    began on or before ``on`` stops it there)."""
    paused = open_gap_from if open_gap_from is not None and open_gap_from <= on else None
    years, months, days = span(since, paused or on)
    return PartyAge(years, months, days, since, paused)


def reaches_on(years: int, day: dt.date) -> dt.date:
    """The latest ``party_since`` whose party age is at least ``years`` on ``day``. An age counted
    from 29 February reaches its years on 28 February of a common year (``span``), so on that 28th
    the latest such day is the 29th."""
    try:
        found = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
    if (day.month, day.day) == (2, 28) and calendar.isleap(found.year) and not calendar.isleap(day.year):
        return found.replace(day=29)
    return found


def since_of(member: Member) -> dt.date | None:
    return member.party_since or member.admission_date


def of_member(member: Member, on: dt.date) -> PartyAge | None:
    """``member``'s party age on ``on`` (one indexed query for an open gap); None before admission."""
    since = since_of(member)
    if since is None:
        return None
    open_from = (MembershipGap.objects.filter(member_id=member.pk, valid_to__isnull=True)
                 .order_by("valid_from").values_list("valid_from", flat=True).first())
    return age_on(since, on, open_gap_from=open_from)


def open_gap(member: Member, *, kind: str, on: dt.date, note: str = "") -> MembershipGap:
    """Start a gap on ``on`` (a removal, an expulsion, lost contact); an open gap is kept as it is."""
    current = MembershipGap.objects.filter(member_id=member.pk, valid_to__isnull=True).first()
    if current is not None:
        return current
    return MembershipGap.objects.create(member_id=member.pk, kind=kind, valid_from=on, note=note[:255])


def record_gap(member: Member, *, kind: str, start: dt.date, end: dt.date, note: str = "") -> MembershipGap:
    """A closed gap recorded after the fact (a transfer completed late): party age moves at once."""
    gap = MembershipGap.objects.create(member_id=member.pk, kind=kind, valid_from=start, valid_to=end, note=note[:255])
    _shift(member, (end - start).days)
    return gap


def close_gap(member: Member, *, on: dt.date) -> MembershipGap | None:
    """End the open gap on ``on`` (the first day counted again: readmission, contact restored) and
    move ``party_since`` later by its length. Returns the gap, or None when none was open."""
    gap = (MembershipGap.objects.select_for_update()
           .filter(member_id=member.pk, valid_to__isnull=True).order_by("valid_from").first())
    if gap is None:
        return None
    gap.valid_to = max(on, gap.valid_from)
    gap.save(update_fields=["valid_to"])
    _shift(member, (gap.valid_to - gap.valid_from).days)
    return gap


def _shift(member: Member, days: int) -> None:
    since = since_of(member)
    if since is None or days <= 0:
        return
    member.party_since = since + dt.timedelta(days=days)
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(party_since=member.party_since)
