"""Progress against the targets, for a unit and its children, as of any day.

Everything is read from the tallies, never counted from the member or case tables:
- admissions and course participants: the daily admission tallies summed from 1 January to the
  day (the structure of that day, see ``admissions.tallying``);
- the children: the unit positions valid that day (``org.UnitPathPeriod``);
- members: the live tallies for today, and the counts copied on a day for a past day (the rate's
  base is the count on 1 January, as Resolution 21 counts it).
- grassroots organizations rated good or better: the year's review tallies (``quality.results``),
  as decided so far (a review is decided at the year's end: the figure is the year's, whatever the day).

"Admitted" is the admission decisions recorded in admission cases, on the decision's date. The
member changes of the same page (``reports.statistics.balance``) count the registry's new members,
whose admission date is in the year however they were entered (imports and the member form
included), so they may be more: the page labels the two apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.admissions import tallying
from chibo.admissions.models import ADMISSION_COLUMNS, AdmissionTally
from chibo.core.calendar import is_working_day
from chibo.members.models import UnitMemberTally
from chibo.org import paths
from chibo.org.enums import Sector, UnitKind
from chibo.org.models import Unit, UnitPathPeriod
from chibo.quality.results import indicator_for
from chibo.targets import rules
from chibo.targets.models import Indicator, MemberCount, Target

CATEGORIES = ("women", "ethnic_minority", "religious", "youth_union", "student", "non_state_enterprise",
              "residential", "civil_servant", "entrepreneur")


@dataclass
class Row:
    """One unit's progress (the unit itself or a child)."""

    unit_id: int
    name: str
    path: str
    holds_members: bool
    counts: dict[str, int]
    target: int | None = None
    course_target: int | None = None
    new_orgs_target: int | None = None
    grassroots_good_target: int | None = None  # a percentage
    grassroots_good: Decimal | None = None  # the year's review: grassroots organizations rated good or better, %
    members: int = 0  # active members on the day (or on the latest count before it)
    base: int = 0  # members on 1 January: the base of the admission rate
    expected: int = 0  # admissions expected by the day at an even pace
    forecast: int = 0
    rank: int | None = None

    @property
    def admitted(self) -> int:
        return self.counts.get("admitted", 0)

    @property
    def percent(self) -> Decimal | None:
        return rules.percent(self.admitted, self.target)

    @property
    def whole_percent(self) -> int | None:
        return rules.whole_percent(self.admitted, self.target)

    @property
    def course_percent(self) -> Decimal | None:
        return rules.percent(self.counts.get("course", 0), self.course_target)

    @property
    def rate(self) -> Decimal | None:
        """Admissions as a percentage of the members on 1 January."""
        return rules.percent(self.admitted, self.base)

    @property
    def behind(self) -> bool:
        return self.target is not None and self.admitted < self.expected

    @property
    def grassroots_good_met(self) -> bool | None:
        """Whether the share rated good or better reaches its target (None without both)."""
        if self.grassroots_good_target is None or self.grassroots_good is None:
            return None
        return self.grassroots_good >= self.grassroots_good_target

    @property
    def categories(self) -> list[tuple[str, int]]:
        return [(k, self.counts.get(k, 0)) for k in CATEGORIES]


@dataclass
class Dashboard:
    unit: Row
    children: list[Row]
    day: dt.date
    year_start: dt.date
    series: list[tuple[dt.date, int]] = field(default_factory=list)  # cumulative admissions by week
    forecast_method: str = ""
    members_on: dt.date | None = None  # the day the member figures were counted
    new_orgs: int = 0  # party organizations opened in non-state enterprises this year, to the day

    @property
    def new_orgs_percent(self) -> Decimal | None:
        return rules.percent(self.new_orgs, self.unit.new_orgs_target)


def _children_on(unit: Unit, day: dt.date) -> list[tuple[int, str, str, bool]]:
    """(id, name, path, holds members) of the unit's children as they stood on ``day``."""
    valid = Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    rows = (UnitPathPeriod.objects.filter(valid, parent=unit).order_by("path")
            .values_list("unit_id", "name", "path", "unit__kind"))
    holding = UnitKind.member_holding()
    return [(uid, name, path, kind in holding) for uid, name, path, kind in rows]


def _sums(ids: list[int], start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    rows = (AdmissionTally.objects.filter(unit_id__in=ids, day__gte=start, day__lte=end).values("unit_id")
            .annotate(**{k: Sum(k) for k in ADMISSION_COLUMNS}))
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        out[values["unit_id"]] = {k: int(values[k] or 0) for k in ADMISSION_COLUMNS}
    return out


def _targets(ids: list[int], year: int) -> dict[tuple[int, str], int]:
    rows = Target.objects.filter(unit_id__in=ids, year=year).values_list("unit_id", "indicator", "value")
    return {(u, i): v for u, i, v in rows}


def targets_of(ids: list[int], year: int, indicator: str) -> dict[int, int]:
    """The targets of ``indicator`` set for the given units for ``year`` (unit id → value; one query)."""
    return dict(Target.objects.filter(unit_id__in=ids, year=year, indicator=indicator)
                .values_list("unit_id", "value"))


def _members(ids: list[int], day: dt.date, today: dt.date) -> tuple[dict[int, int], dt.date | None]:
    """Active members per unit on ``day``: the live tallies for today, else the latest copy
    on or before ``day`` (and the day it was taken)."""
    if day >= today:
        return dict(UnitMemberTally.objects.filter(unit_id__in=ids).values_list("unit_id", "total")), today
    taken = MemberCount.objects.filter(unit_id__in=ids, day__lte=day).order_by("-day").values_list(
        "day", flat=True).first()
    if taken is None:
        return {}, None
    return dict(MemberCount.objects.filter(unit_id__in=ids, day=taken).values_list("unit_id", "total")), taken


def _bases(ids: list[int], year_start: dt.date, today: dt.date) -> dict[int, int]:
    """Members on 1 January (the rate's base); the live tallies when no count was taken."""
    counted = dict(MemberCount.objects.filter(unit_id__in=ids, day=year_start).values_list("unit_id", "total"))
    if counted:
        return counted
    return dict(UnitMemberTally.objects.filter(unit_id__in=ids).values_list("unit_id", "total"))


def dashboard(unit: Unit, day: dt.date | None = None) -> Dashboard:
    """The progress of ``unit`` and of each child on ``day`` (default today), in one pass of
    about eight indexed queries whatever the size of the subtree."""
    today = timezone.localdate()
    day = min(day or today, today)
    year_start = dt.date(day.year, 1, 1)
    children = _children_on(unit, day)
    ids = [unit.pk, *[c[0] for c in children]]
    sums, targets = _sums(ids, year_start, day), _targets(ids, day.year)
    members, members_on = _members(ids, day, today)
    bases = _bases(ids, year_start, today)
    last_year = _last_year(ids, day)
    rows = [_row(uid, name, path, holds, sums, targets, members, bases) for uid, name, path, holds in
            [(unit.pk, unit.name, unit.path, unit.holds_members), *children]]
    for row, share in zip(rows, indicator_for(ids, day.year).values(), strict=True):
        row.grassroots_good = share
    elapsed, total_days = _working_days(day)
    methods = []
    for row in rows:
        row.expected = round((row.target or 0) * elapsed / total_days) if total_days else 0
        row.forecast, how = _forecast(row.admitted, last_year.get(row.unit_id), elapsed, total_days)
        methods.append(how)
    method = methods[0]  # the note under the figures is the unit's own
    _rank(rows[1:])
    return Dashboard(rows[0], rows[1:], day, year_start, _series(unit, year_start, day), method, members_on,
                     _new_organizations(unit, year_start, day))


def decisions_to_date(unit: Unit, day: dt.date) -> int:
    """The admission decisions of ``day``'s year up to ``day`` in ``unit``'s subtree: the dashboard's
    "admitted" (one SUM)."""
    return tallying.year_to_date(unit, day)["admitted"]


def _new_organizations(unit: Unit, start: dt.date, day: dt.date) -> int:
    """Party organizations (cells and grassroots organizations) opened from ``start`` to ``day``
    in non-state enterprises, in the subtree as it stood on ``day``."""
    valid = Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
    here = UnitPathPeriod.objects.filter(valid, unit=unit).values_list("path", flat=True).first() or unit.path
    kinds = (*UnitKind.member_holding(), *UnitKind.grassroots())
    return (UnitPathPeriod.objects.filter(valid, path__gt=here, path__lt=paths.upper_bound(here))
            .filter(unit__sector=Sector.NON_STATE_ENTERPRISE, unit__kind__in=kinds,
                    unit__opened_on__gte=start, unit__opened_on__lte=day).count())


def _row(uid: int, name: str, path: str, holds: bool, sums: dict[int, dict[str, int]],
         targets: dict[tuple[int, str], int], members: dict[int, int], bases: dict[int, int]) -> Row:
    return Row(uid, name, path, holds, sums.get(uid, dict.fromkeys(ADMISSION_COLUMNS, 0)),
               targets.get((uid, Indicator.ADMISSIONS)), targets.get((uid, Indicator.COURSE)),
               targets.get((uid, Indicator.NEW_ORGS)), targets.get((uid, Indicator.GRASSROOTS_GOOD)),
               None, members.get(uid, 0), bases.get(uid, 0))


def _working_days(day: dt.date) -> tuple[int, int]:
    """Working days of the year passed by ``day`` (included), and in the whole year."""
    return _working_days_upto(day), _cumulative_working_days(day.year)[-1]


def _last_year(ids: list[int], day: dt.date) -> dict[int, tuple[int, int]]:
    """Per unit: last year's admissions up to the same day, and in the whole year."""
    start = dt.date(day.year - 1, 1, 1)
    same_day = _same_day_last_year(day)
    upto = _sums(ids, start, same_day)
    whole = _sums(ids, start, dt.date(day.year - 1, 12, 31))
    return {uid: (upto.get(uid, {}).get("admitted", 0), whole[uid]["admitted"]) for uid in whole}


def _same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _forecast(admitted: int, last_year: tuple[int, int] | None, elapsed: int, total: int) -> tuple[int, str]:
    """The year-end forecast and how it was made: last year's pattern when last year had
    admissions by this day, else the pace so far stretched over the year's working days."""
    if last_year and last_year[0] > 0:
        upto, whole = last_year
        return round(admitted * whole / upto), _(
            "Forecast: this year's admissions so far × last year's whole year ÷ last year's admissions by the "
            "same day (last year's rhythm).")
    if elapsed:
        return round(admitted * total / elapsed), _(
            "Forecast: the admissions so far × the year's working days ÷ the working days passed (an even pace).")
    return admitted, ""


def _rank(rows: list[Row]) -> None:
    """Rank the children by admission rate (admissions as a share of their members on 1 January)."""
    ranked = sorted((r for r in rows if r.rate is not None), key=lambda r: (-(r.rate or 0), r.name))
    for place, row in enumerate(ranked, start=1):
        row.rank = place


def _series(unit: Unit, start: dt.date, day: dt.date) -> list[tuple[dt.date, int]]:
    """Cumulative admissions at the end of each week (and on the day itself), for the chart."""
    daily = list(AdmissionTally.objects.filter(unit=unit, day__gte=start, day__lte=day).order_by("day")
                 .values_list("day", "admitted"))
    points, total, i = [], 0, 0
    cut = start + dt.timedelta(days=6 - start.weekday())  # the first Sunday
    while True:
        cut = min(cut, day)
        while i < len(daily) and daily[i][0] <= cut:
            total += daily[i][1]
            i += 1
        points.append((cut, total))
        if cut == day:
            return points
        cut += dt.timedelta(days=7)


@lru_cache(maxsize=8)
def _cumulative_working_days(year: int) -> tuple[int, ...]:
    """Working days of ``year`` up to each day (index: day of the year − 1)."""
    out, n, day = [], 0, dt.date(year, 1, 1)
    while day.year == year:
        n += is_working_day(day)
        out.append(n)
        day += dt.timedelta(days=1)
    return tuple(out)


def _working_days_upto(day: dt.date) -> int:
    return _cumulative_working_days(day.year)[day.timetuple().tm_yday - 1]


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the page's charts draw (JSON for Chart.js)."""
    _elapsed, total = _working_days(board.day)
    target = board.unit.target or 0
    pace = [round(target * _working_days_upto(d) / total) if total else 0 for d, _n in board.series]
    return {
        "weeks": [d.strftime("%d/%m") for d, _n in board.series],
        "cumulative": [n for _d, n in board.series],
        "pace": pace,
        "children": [r.name for r in board.children],
        "children_percent": [float(r.percent) if r.percent is not None else None for r in board.children],
        "categories": [k for k, _n in board.unit.categories],
        "category_counts": [n for _k, n in board.unit.categories],
    }


def empty_residential_cells(unit: Unit, limit: int = 50) -> tuple[int, list[Unit]]:
    """Open cells of villages and residential areas in the subtree with no member now (how many,
    and the first ones by name). The registry has no list of villages, so a village without any
    cell cannot be found here."""
    qs = (Unit.objects.subtree(unit).filter(closed_on__isnull=True, sector=Sector.RESIDENTIAL,
                                            kind__in=UnitKind.member_holding())
          .filter(Q(tally__isnull=True) | Q(tally__total=0)))
    return qs.count(), list(qs.order_by("name_folded")[:limit])
