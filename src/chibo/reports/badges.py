"""The badge list of an award day (``members.cards.badges``) as a table for the XLSX and PDF
exports: one row per member due, by cell, with the tier, the day the age reaches it and how the
badge is awarded (on time, early for the seriously ill, posthumously)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from chibo.members.cards.badges import Due
from chibo.members.cards.enums import BadgeKind
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
                 % {"unit": unit_name}, columns=columns, rows=data,
                 notes=[_("Early: seriously ill, the tier reached within the early window after the award day. "
                          "Posthumous: died having reached the tier (or within the early window, seriously ill).")])
