"""The badge list of an award day (``members.cards.badges``) as a table for the XLSX and PDF
exports: one row per member due, by cell, with the tier, the day the age reaches it and how the
badge is awarded (on time, early for the seriously ill, posthumously).

The list of a whole province or the nation is long (100,000 rows at the root): it is exported in
the background, as the export source ``badges`` (params ``unit``, ``day``), registered when the
reports app starts (``ReportsConfig.ready``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from chibo.core.errors import NotFound
from chibo.members.cards import badges
from chibo.members.cards.badges import Due
from chibo.members.cards.enums import BadgeKind
from chibo.reports.models import ExportFormat, ExportKind
from chibo.reports.services import Prepared, Source, register_source
from chibo.reports.tables import Column, Table


def table(rows: Iterable[Due], *, unit_name: str, day: dt.date) -> Table:
    kinds = dict(BadgeKind.choices)
    columns = [Column("unit", _("Cell"), "text", 30), Column("name", _("Full name"), "text", 26),
               Column("birth", _("Date of birth"), "date"), Column("admitted", _("Admission decision"), "date"),
               Column("since", _("Party age counted from"), "date"), Column("tier", _("Badge (years)"), "int"),
               Column("reached", _("Reaches it on"), "date"), Column("kind", _("Award"), "text", 18)]
    data = [{"unit": r.unit_name, "name": r.full_name, "birth": r.birth_date, "admitted": r.admission_date,
             "since": r.since, "tier": r.tier, "reached": r.reached, "kind": str(kinds.get(r.kind, r.kind))}
            for r in rows]
    return Table(title=_("Party badges due on %(day)s") % {"day": day.strftime("%d/%m/%Y")},
                 subtitle=_("%(unit)s and its subordinate units; members already awarded the tier are left out")
                 % {"unit": unit_name}, columns=columns, rows=data, row_count=len(data),
                 notes=[_("Early: seriously ill, the tier reached within the early window after the award day. "
                          "Posthumous: died having reached the tier (or within the early window, seriously ill).")])


# ---- the background export (``reports.services.start_export``, kind ``badges``) -----------------

def _unit_and_day(actor: Any, params: dict[str, Any]) -> tuple[Any, dt.date]:
    """The unit (within the actor's scope, as the list page) and the award day asked for."""
    from chibo.org.queries import get_unit_for_user

    try:
        unit_id, day = int(params["unit"]), dt.date.fromisoformat(str(params["day"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise NotFound("badges") from exc
    return get_unit_for_user(actor, pk=unit_id), day


def _prepare(actor: Any, params: dict[str, Any]) -> Prepared:
    unit, day = _unit_and_day(actor, params)
    rows = badges.count_due(unit, day)  # a refused day (not an award day) is a DomainError
    return Prepared(title=_("Party badges due on %(day)s: %(unit)s") % {"day": day.strftime("%d/%m/%Y"),
                                                                         "unit": unit.name},
                    file_stem=f"huy-hieu-dang-{unit.code}-{day.isoformat()}", unit_path=unit.path, rows=rows,
                    masked=False)


def _tables(actor: Any, params: dict[str, Any], prepared: Prepared) -> list[Table]:
    unit, day = _unit_and_day(actor, params)
    return [table(badges.due_all(unit, day), unit_name=unit.name, day=day)]


register_source(ExportKind.BADGES, Source(_prepare, _tables, formats=(ExportFormat.XLSX, ExportFormat.PDF)))
