"""Targets and progress in the console: the dashboard of a unit as of a day, and the targets page
(the assistant's proposal, editing, approval and locking)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.labels import TALLY_LABELS
from chibo.console.views.common import attachment, console_view
from chibo.console.widgets import parse_day
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import check_posted_text
from chibo.core.replica import replica_reads
from chibo.org import queries as org_queries
from chibo.targets import assistant, progress, reports, services
from chibo.targets.models import Cadence, Indicator, Method, ProgressReport, ReportSchedule, Revision, Target

INDICATORS = (Indicator.ADMISSIONS, Indicator.COURSE, Indicator.NEW_ORGS, Indicator.GRASSROOTS_GOOD)


FIRST_DAY = dt.date(2000, 1, 1)  # no figure is kept before the registry's first year


def _a_day(raw: str) -> dt.date:
    """A posted or asked-for day between 2000 and today; today for anything else."""
    today = timezone.localdate()
    day = parse_day(raw)
    return today if day is None else min(max(day, FIRST_DAY), today)


def _day(request: HttpRequest) -> dt.date:
    return _a_day(request.GET.get("day", ""))


@console_view
@replica_reads
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    day = _day(request)
    board = progress.dashboard(unit, day)
    chart = progress.chart_data(board)
    chart["category_labels"] = [str(TALLY_LABELS[k]) for k in chart["categories"]]
    chart["labels"] = {"admitted": _("Admitted"), "pace": _("Target, even pace")}
    return render(request, "console/targets/dashboard.html", {
        "unit": unit, "board": board, "chart": chart, "today": timezone.localdate(),
        "ancestors": org_queries.ancestors(unit, request.user)[:-1],
        "may_set": policy.can(request.user, Perm.TARGETS_SET, unit.path),
    })


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isdecimal() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


@console_view
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year = _year(request)
    indicator = request.GET.get("indicator") or request.POST.get("indicator") or Indicator.ADMISSIONS
    indicator = indicator if indicator in Indicator.values else Indicator.ADMISSIONS
    rows = [unit, *org_queries.children(unit)]
    errors: dict[str, list] = {}
    if request.method == "POST":
        try:
            _post(request, unit, year, indicator, rows)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            errors = error.field_errors
            messages.error(request, str(error.message))
        else:
            return redirect(f"{request.path}?year={year}&indicator={indicator}")
    return render(request, "console/targets/targets.html", _targets_context(request, unit, year, indicator, rows,
                                                                          errors))


def _post(request: HttpRequest, unit: Any, year: int, indicator: str, rows: list[Any]) -> None:
    check_posted_text(request.POST)
    action = request.POST.get("action")
    if action in ("approve", "lock"):
        n = services.approve(actor=request.user, unit=unit, year=year, lock=action == "lock")
        messages.success(request, _("%(n)d targets approved.") % {"n": n} if action == "approve"
                         else _("%(n)d targets locked.") % {"n": n})
        return
    values: dict[int, int] = {}
    for row in rows:
        raw = (request.POST.get(f"value_{row.pk}") or "").strip()
        if raw:
            if not raw.isdecimal():
                raise DomainError(_("The targets were not saved: correct the values marked below."),
                                  {str(row.pk): [_("A target is a whole number, 0 or more.")]})
            values[row.pk] = int(raw)
    services.set_targets(actor=request.user, parent=unit, year=year, indicator=indicator, values=values,
                         method=request.POST.get("method") or Method.HAND, reason=request.POST.get("reason", ""))
    messages.success(request, _("The targets were saved."))


def _targets_context(request: HttpRequest, unit: Any, year: int, indicator: str, rows: list[Any],
                     errors: dict[str, list]) -> dict[str, Any]:
    current = {t.unit_id: t for t in Target.objects.filter(unit__in=rows, year=year, indicator=indicator)}
    proposal = _proposal(request, unit, year) if indicator == Indicator.ADMISSIONS else None
    lines = []
    for row in rows:
        suggested = None
        if proposal is not None:
            suggested = proposal.parent if row.pk == unit.pk else proposal.children.get(row.pk)
        posted = request.POST.get(f"value_{row.pk}") if request.method == "POST" else None
        lines.append({"unit": row, "target": current.get(row.pk), "suggested": suggested,
                      "value": posted if posted is not None else (current[row.pk].value if row.pk in current
                                                                  else suggested),
                      "errors": errors.get(str(row.pk), [])})
    children_sum = sum(c.value for uid, c in current.items() if uid != unit.pk)
    return {
        "unit": unit, "year": year, "indicator": indicator, "indicators": [(i, Indicator(i).label) for i in INDICATORS],
        "is_percent": indicator in Indicator.percentages(),
        "lines": lines, "proposal": proposal, "children_sum": children_sum, "own": current.get(unit.pk),
        "revisions": Revision.objects.filter(target__in=current.values()).select_related("target__unit", "actor"),
        "methods": Method.choices, "reason_errors": errors.get("reason", []),
        "may_set": policy.can(request.user, Perm.TARGETS_SET, unit.path),
        "may_approve": policy.can(request.user, Perm.TARGETS_APPROVE, unit.path),
        "course_target": assistant.course_target(current[unit.pk].value, year) if unit.pk in current
        and indicator == Indicator.ADMISSIONS else None,
    }


def _proposal(request: HttpRequest, unit: Any, year: int) -> assistant.Proposal | None:
    method = request.GET.get("propose")
    if method not in (Method.RATE, Method.LAST_YEAR):
        return None
    try:
        rate = float(request.GET.get("rate") or 0) or None
        extra = int(request.GET.get("extra") or 0)
    except ValueError:
        rate, extra = None, 0
    if rate is not None and not 0 < rate <= 20:
        rate = None
    return assistant.propose(unit, year, method, rate_percent=rate, extra=extra)


@console_view
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's progress reports, its schedule, and taking one now."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "schedule":
                reports.set_schedule(unit, request.POST.get("cadence", ""), actor=request.user)
                messages.success(request, _("The schedule was saved."))
            else:
                report = reports.take(unit, _posted_day(request), actor=request.user)
                return redirect("console:progress_report", report.pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("console:progress_reports", unit.pk)
    schedule = ReportSchedule.objects.filter(unit=unit).first()
    return render(request, "console/targets/reports.html", {
        "unit": unit, "reports": ProgressReport.objects.filter(unit=unit).only("id", "cutoff", "created_at")[:100],
        "schedule": schedule, "cadences": Cadence.choices, "today": timezone.localdate(),
        "may_schedule": policy.can(request.user, Perm.TARGETS_SET, unit.path)
        or policy.can(request.user, Perm.TARGETS_APPROVE, unit.path)})


def _posted_day(request: HttpRequest) -> dt.date:
    return _a_day(request.POST.get("cutoff", ""))


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row with its percentages as numbers again, for the page's local formatting."""
    from decimal import Decimal

    return {**row, **{k: Decimal(row[k]) for k in ("percent", "rate") if row.get(k) is not None}}


@console_view
@replica_reads
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored report: the figures of its cut-off day, unchanged."""
    report = ProgressReport.objects.select_related("unit").filter(pk=pk).first()
    if report is None or not policy.can(request.user, Perm.UNITS_VIEW, report.unit.path):
        raise NotFound("report")
    rows = [_shown(r) for r in report.data["rows"]]
    return render(request, "console/targets/report.html", {
        "report": report, "unit": report.unit, "own": rows[0], "children": rows[1:],
        "category_labels": [(k, TALLY_LABELS[k]) for k in progress.CATEGORIES]})


def _export(request: HttpRequest, unit: Any, data: dict[str, Any], fmt: str, stem: str,
            as_of: dt.date) -> HttpResponse:
    from chibo.reports.services import render_export
    from chibo.targets import exporting

    if fmt not in ("xlsx", "pdf"):
        raise NotFound("format")
    exported = render_export(
        actor=request.user, tables=exporting.tables(data, TALLY_LABELS, unit_name=unit.name), fmt=fmt, name=stem,
        unit_path=unit.path, charts=exporting.charts(data) if fmt == "pdf" else (),
        title=_("Member development progress") + f": {unit.name}", params={"unit": unit.code, "cutoff": data["cutoff"]},
        as_of=as_of)
    return attachment(exported.data, exported.content_type, exported.filename)


@console_view
@replica_reads
def dashboard_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The progress of a unit on a day, as XLSX or PDF."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    day = _day(request)
    return _export(request, unit, reports.snapshot(unit, day), fmt, f"tien-do-{unit.code}", day)


@console_view
@replica_reads
def report_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A stored progress report, as XLSX or PDF: the figures of its cut-off day."""
    report = ProgressReport.objects.select_related("unit").filter(pk=pk).first()
    if report is None or not policy.can(request.user, Perm.UNITS_VIEW, report.unit.path):
        raise NotFound("report")
    return _export(request, report.unit, report.data, fmt, f"bao-cao-{report.unit.code}", report.cutoff)


@console_view
@replica_reads
def members_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress page's member panel (loaded after the page): members on the day and the
    year's changes by cause, and the residential cells with no member."""
    from chibo.reports import statistics
    from chibo.reports.statistics.tables import CAUSE_LABELS

    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    day = _day(request)
    balance = statistics.balance(unit, dt.date(day.year, 1, 1), day)
    # the registry's new members, however entered: not the admission decisions the target counts
    labels = {**CAUSE_LABELS, "admitted": _("New members on the register (admission date in the year)")}
    return render(request, "console/targets/_members_panel.html", {
        "unit": unit, "day": day, "balance": balance, "decisions": progress.decisions_to_date(unit, day),
        "increases": [(labels[c], balance.changes.get(c, 0)) for c in statistics.INCREASES],
        "decreases": [(CAUSE_LABELS[c], balance.changes.get(c, 0)) for c in statistics.DECREASES],
        "empty_cells": progress.empty_residential_cells(unit)})


def _year_end_year(request: HttpRequest) -> int:
    last = timezone.localdate().year - 1
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdecimal() and 2000 <= int(raw) <= last + 1 else last


@console_view
@replica_reads
def year_end(request: HttpRequest, pk: int) -> HttpResponse:
    """The standard year-end statistical tables of a unit, as at 31 December."""
    from chibo.reports import statistics

    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year = _year_end_year(request)
    tables = [{"title": t.title, "columns": t.columns, "rows": [_cells(t.columns, r) for r in t.rows]}
              for t in statistics.year_end_tables(unit, year)]
    return render(request, "console/targets/year_end.html", {"unit": unit, "year": year, "tables": tables})


def _cells(columns: list[tuple[str, Any]], row: dict[str, Any]) -> dict[str, Any]:
    """A statistics row as display cells: shares (ratios) as percentages with two decimals."""
    from django.utils.formats import number_format

    def shown(value: Any) -> Any:
        if isinstance(value, float):
            return number_format(round(value * 100, 2), decimal_pos=2, use_l10n=True) + " %"
        return "" if value is None else value

    return {"level": row.get("level", 0), "cells": [shown(row.get(key)) for key, _label in columns]}


@console_view
@replica_reads
def year_end_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    from chibo.reports import statistics
    from chibo.reports.services import render_export
    from chibo.reports.tables import Table

    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year = _year_end_year(request)
    if fmt not in ("xlsx", "pdf"):
        raise NotFound("format")
    tables = [Table.from_simple(t.title, t.columns, t.rows, t.total,
                                subtitle=_("%(unit)s, as at 31/12/%(year)d") % {"unit": unit.name, "year": year})
              for t in statistics.year_end_tables(unit, year)]
    exported = render_export(actor=request.user, tables=tables, fmt=fmt, name=f"thong-ke-{unit.code}",
                             unit_path=unit.path, title=_("Year-end statistics") + f": {unit.name}, {year}",
                             params={"unit": unit.code, "year": year}, as_of=dt.date(year, 12, 31))
    return attachment(exported.data, exported.content_type, exported.filename)
