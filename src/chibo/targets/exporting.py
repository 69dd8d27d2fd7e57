"""The progress report (live or stored) as tables and charts for the XLSX and PDF exports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from chibo.reports.charts import bar_chart_svg
from chibo.reports.tables import Column, Table
from chibo.targets.progress import CATEGORIES


def _ratio(percent: str | None) -> Decimal | None:
    return None if percent is None else Decimal(percent) / 100


def _target_ratio(target: int | None) -> Decimal | None:
    return None if target is None else Decimal(target) / 100


def tables(data: dict[str, Any], labels: dict[str, Any], *, unit_name: str) -> list[Table]:
    """The progress table (the unit, then each subordinate unit) and the category table, from
    the report data of ``targets.reports.snapshot``."""
    import datetime as dt

    cutoff = dt.date.fromisoformat(data["cutoff"])
    subtitle = _("As at %(day)s, with the organization of that day") % {"day": date_format(cutoff, "SHORT_DATE_FORMAT")}
    columns = [
        Column("name", _("Unit"), "text", 40), Column("admitted", _("Admitted"), "int"),
        Column("target", _("Target"), "int"), Column("percent", "%", "percent"),
        Column("course", _("Course"), "int"), Column("course_target", _("Course target"), "int"),
        Column("base", _("Members on 1 Jan"), "int"), Column("rate", _("Rate"), "percent"),
        Column("rank", _("Rank"), "int"), Column("forecast", _("Forecast"), "int"),
        Column("grassroots_good", _("Grassroots rated good or better"), "percent"),
        Column("grassroots_good_target", _("Target (good or better)"), "percent"),
    ]
    rows = [{**row, "percent": _ratio(row["percent"]), "rate": _ratio(row["rate"]),
             "grassroots_good": _ratio(row.get("grassroots_good")),  # reports taken before it have none
             "grassroots_good_target": _target_ratio(row.get("grassroots_good_target"))} for row in data["rows"]]
    progress = Table(title=_("Member development progress") + f": {unit_name}", subtitle=subtitle,
                     columns=columns, rows=rows, notes=[data.get("method", "")], row_count=len(rows))
    own = data["rows"][0]["categories"]
    categories = Table(title=_("Admitted, by category"), subtitle=subtitle,
                       columns=[Column("category", _("Category"), "text", 40), Column("count", _("Admitted"), "int")],
                       rows=[{"category": str(labels[k]), "count": own.get(k, 0)} for k in CATEGORIES],
                       row_count=len(CATEGORIES))
    return [progress, categories]


def charts(data: dict[str, Any]) -> list[SafeString]:
    """The subordinate units' percentage of their target, against 100%."""
    children = [r for r in data["rows"][1:] if r["percent"] is not None]
    if not children:
        return []
    return [bar_chart_svg([r["name"] for r in children], [float(r["percent"]) for r in children], target=100,
                          title=_("Admitted as a percentage of the target"))]
