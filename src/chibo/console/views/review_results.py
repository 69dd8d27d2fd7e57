"""The review's results in the console: a unit's organizations and members by level beside last
year, each subordinate unit's (drill-down), the quality of the year's new members, the grassroots
organizations rated good or better against their target; charts; XLSX and PDF exports.

Read-only pages: whoever sees the unit sees its results (outside the scope: 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.console.views.common import attachment, console_view
from chibo.core.errors import NotFound
from chibo.core.replica import replica_reads
from chibo.core.rulebook import rule
from chibo.org import queries as org_queries
from chibo.org.models import Unit
from chibo.quality import results
from chibo.reports import review_results as exporting
from chibo.targets.models import Indicator
from chibo.targets.progress import targets_of

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _a_year(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and FIRST_YEAR <= int(raw) <= LAST_YEAR else None


def _checked(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound("year")
    return year


@console_view
@replica_reads
def latest(request: HttpRequest, pk: int) -> HttpResponse:
    """The year picker's target: the year asked for, else the latest year with a review."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year = _a_year(request.GET.get("year", ""))
    if year is None:
        years = results.years_with_results(unit)
        year = years[0] if years else timezone.localdate().year
    return redirect("console:review_results", unit.pk, year)


def _targets(board: results.Results) -> dict[int, int]:
    ids = [board.unit.unit_id, *[c.unit_id for c in board.children]]
    return targets_of(ids, board.year, Indicator.GRASSROOTS_GOOD)


def _subtitle(unit: Unit, year: int) -> str:
    return _("%(unit)s and its subordinate units, as decided so far; beside %(last)d") % {
        "unit": unit.name, "last": year - 1}


@console_view
@replica_reads
def page(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    board = results.results(unit, _checked(year))
    targets = _targets(board)
    children = [(c, targets.get(c.unit_id)) for c in board.children]
    return render(request, "console/review_results/results.html", {
        "unit": unit, "year": year, "board": board, "children": children,
        "target": targets.get(unit.pk), "met": _met(board.unit.grassroots_share, targets.get(unit.pk)),
        "years": results.years_with_results(unit), "ancestors": org_queries.ancestors(unit, request.user)[:-1],
        "chart": chart_data(board, targets.get(unit.pk)), "new_members_note": exporting.new_members_note(),
        "quota_percent": rule("quality.excellent_quota", on=dt.date(year, 12, 31))["percent"],
    })


def _met(share: Any, target: int | None) -> bool | None:
    return None if share is None or target is None else share >= target


def _percents(figures: results.SubjectFigures, *, last: bool = False) -> list[float | None]:
    values = [line.last_percent if last else line.percent for line in figures.lines]
    return [float(v) if v is not None else None for v in values]


def chart_data(board: results.Results, target: int | None) -> dict[str, Any]:
    """What the page's charts draw (JSON for Chart.js): each level's share of the classified this
    year and last, for organizations and members; the members by level of each subordinate unit."""
    orgs, members = board.unit.of("org"), board.unit.of("member")
    return {
        "levels": [line.label for line in members.lines],
        "labels": {"now": str(board.year), "before": str(board.year - 1)},
        "orgs_now": _percents(orgs), "orgs_before": _percents(orgs, last=True),
        "members_now": _percents(members), "members_before": _percents(members, last=True),
        "children": [c.name for c in board.children],
        "children_levels": [_percents(c.of("member")) for c in board.children],
        "target": target,
    }


@console_view
@replica_reads
def export(request: HttpRequest, pk: int, year: int, fmt: str) -> HttpResponse:
    """The results as XLSX or PDF (the existing export path: audited, small tables at once)."""
    from chibo.reports.services import render_export

    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    if fmt not in ("xlsx", "pdf"):
        raise NotFound("format")
    board = results.results(unit, _checked(year))
    targets = _targets(board)
    title = _("Review results") + f": {unit.name}, {year}"
    exported = render_export(
        actor=request.user, fmt=fmt, name=f"xep-loai-{unit.code}-{year}", unit_path=unit.path, title=title,
        tables=exporting.tables(board, targets, unit_name=unit.name, subtitle=_subtitle(unit, year)),
        charts=exporting.charts(board, targets.get(unit.pk)) if fmt == "pdf" else (),
        params={"unit": unit.code, "year": year}, as_of=min(dt.date(year, 12, 31), timezone.localdate()))
    return attachment(exported.data, exported.content_type, exported.filename)


urlpatterns = [
    path("units/<int:pk>/review-results/", latest, name="review_results_latest"),
    path("units/<int:pk>/review-results/<int:year>/", page, name="review_results"),
    path("units/<int:pk>/review-results/<int:year>/export.<str:fmt>", export, name="review_results_export"),
]
