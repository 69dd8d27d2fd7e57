"""Periodic progress reports: the cut-off days of a cadence, and the report as a stored snapshot."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.policy import SYSTEM
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.org.models import Unit
from chibo.targets import progress
from chibo.targets.models import Cadence, ProgressReport, ReportSchedule


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def is_cutoff(cadence: str, day: dt.date) -> bool:
    """Whether ``day`` is a cut-off day of ``cadence``."""
    month_end = day == _month_end(day)
    if cadence == Cadence.MID_AND_END:
        return day.day == 15 or month_end
    if cadence == Cadence.MONTHLY:
        return month_end
    if cadence == Cadence.QUARTERLY:
        return month_end and day.month % 3 == 0
    return day.month == 12 and day.day == 31


def snapshot(unit: Unit, cutoff: dt.date) -> dict[str, Any]:
    """The dashboard of ``unit`` on ``cutoff``, as plain data that is stored unchanged."""
    board = progress.dashboard(unit, cutoff)
    rows = [board.unit, *board.children]
    return {
        "cutoff": cutoff.isoformat(), "method": board.forecast_method,
        "members_on": board.members_on.isoformat() if board.members_on else None,
        "new_orgs": board.new_orgs, "new_orgs_target": board.unit.new_orgs_target,
        "rows": [_row(r) for r in rows],
    }


def _row(row: progress.Row) -> dict[str, Any]:
    return {
        "unit_id": row.unit_id, "name": row.name, "admitted": row.admitted, "target": row.target,
        "percent": str(row.percent) if row.percent is not None else None, "course": row.counts.get("course", 0),
        "course_target": row.course_target, "members": row.members, "base": row.base,
        "rate": str(row.rate) if row.rate is not None else None, "rank": row.rank, "expected": row.expected,
        "forecast": row.forecast, "behind": row.behind, "categories": dict(row.categories),
        "grassroots_good": str(row.grassroots_good) if row.grassroots_good is not None else None,
        "grassroots_good_target": row.grassroots_good_target,
    }


@transaction.atomic
def take(unit: Unit, cutoff: dt.date, *, actor: Any) -> ProgressReport:
    """Take the report of ``unit`` on ``cutoff`` (by those who set or approve targets, or the
    evening job). A report once taken keeps its figures: taking it again returns it unchanged."""
    if actor is not SYSTEM:
        _require_targets(actor, unit)
    report, created = ProgressReport.objects.get_or_create(
        unit=unit, cutoff=cutoff,
        defaults={"data": snapshot(unit, cutoff),
                  "created_by": actor if getattr(actor, "is_authenticated", False) else None})
    if created:
        audit.record("targets.report_taken", actor=actor, obj=unit, unit_path=unit.path,
                     payload={"cutoff": cutoff.isoformat()})
    return report


def _require_targets(actor: Any, unit: Unit) -> None:
    if not policy.can(actor, Perm.UNITS_VIEW, unit.path):
        raise NotFound("unit")
    if not (policy.can(actor, Perm.TARGETS_SET, unit.path) or policy.can(actor, Perm.TARGETS_APPROVE, unit.path)):
        raise PermissionDenied(_("You may view the reports but not take them or change their schedule."))


def set_schedule(unit: Unit, cadence: str, *, actor: Any) -> ReportSchedule:
    _require_targets(actor, unit)
    if cadence not in Cadence.values:
        raise DomainError(_("Choose a cadence from the list."), {"cadence": [_("Choose a cadence from the list.")]})
    schedule, _created = ReportSchedule.objects.update_or_create(unit=unit, defaults={"cadence": cadence})
    audit.record("targets.report_schedule_set", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"cadence": cadence})
    return schedule


def run(day: dt.date) -> int:
    """Take the reports whose cut-off is ``day`` (the daily job, late in the evening)."""
    due = [s for s in ReportSchedule.objects.select_related("unit") if is_cutoff(s.cadence, day)]
    for schedule in due:
        take(schedule.unit, day, actor=SYSTEM)
    return len(due)
