"""Exporting the members of a unit's subtree to CSV or XLSX, streaming, audited.

The columns are those of the member import template (without ``placed_on``), so an exported
file can be edited and imported elsewhere. Rows stream from the database in chunks, or in keyset
batches behind a transaction pooler (:mod:`chibo.core.keyset`): CSV through
``core.spreadsheet.csv_writer``, XLSX through openpyxl's write-only mode with typed date cells,
a frozen header row and column widths; text a spreadsheet would run as a formula is written as
text in both. Sensitive fields are masked for an actor who may not see them.

:func:`export_table` gives the same rows as a :class:`chibo.reports.tables.Table`, for the
console's background export jobs (``chibo.reports``), which count them and report progress.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.db.models import BooleanField, DateField, IntegerField, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit, keyset
from chibo.core.errors import PermissionDenied
from chibo.core.spreadsheet import csv_writer, xlsx_value
from chibo.members.models import SENSITIVE_FIELDS, Member
from chibo.members.queries import mask, members_for_user
from chibo.members.services import PROFILE_FIELDS
from chibo.org.models import Unit

if TYPE_CHECKING:
    from chibo.reports.tables import ColumnKind, Table

COLUMNS = (*PROFILE_FIELDS, "unit_code")
FORMATS = ("csv", "xlsx")
CHUNK = 2_000
ORDER = ("unit_path", "name_folded", "pk")  # unique: the keyset of the batches
WIDTHS = {"full_name": 28, "birth_name": 20, "home_town": 28, "birth_place": 28, "residence": 32,
          "ceremony_place": 28, "email": 26, "citizen_id": 15, "unit_code": 16}


def _subtree(actor: Any, unit: Unit) -> QuerySet[Member]:
    return (members_for_user(actor, Perm.MEMBERS_EXPORT)
            .filter(unit_path__gte=unit.path, unit_path__lt=unit.path_upper))


def _kind(name: str) -> ColumnKind:
    """The column's kind for a typed export (see chibo.reports.tables.Column)."""
    if name not in PROFILE_FIELDS:
        return "text"
    field = Member._meta.get_field(name)
    if isinstance(field, DateField):
        return "date"
    return "int" if isinstance(field, BooleanField | IntegerField) else "text"


KINDS = {name: _kind(name) for name in COLUMNS}


def _query(actor: Any, unit: Unit, *extra: str) -> QuerySet:
    # yes/no fields come as 1/0 from the database: the files write them so, with no work per row
    fields = [Cast(f, IntegerField()) if KINDS[f] == "int" and isinstance(Member._meta.get_field(f), BooleanField)
              else f for f in PROFILE_FIELDS]
    return (_subtree(actor, unit)
            .order_by(*ORDER)
            .values_list(*fields, "unit__code", *extra))


def _rows(actor: Any, unit: Unit) -> Iterator[tuple[Any, ...]]:
    """The rows, streamed (in keyset batches behind a transaction pooler: ``chibo.core.keyset``)."""
    return keyset.rows(_query(actor, unit, *ORDER), ORDER, CHUNK)


def count_rows(*, actor: Any, unit: Unit) -> int:
    """How many rows :func:`export_rows` gives (one COUNT over the subtree's path range)."""
    return _subtree(actor, unit).count()


def _masker(actor: Any, unit: Unit):
    """A row transform hiding the sensitive fields, or None when the actor may see them."""
    if policy.can(actor, Perm.MEMBERS_VIEW_SENSITIVE, unit.path):
        return None
    positions = [(COLUMNS.index(f), f) for f in SENSITIVE_FIELDS]

    def hide(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for i, field in positions:
            values[i] = mask(str(values[i] or ""), field)
        return tuple(values)

    return hide


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_csv(rows: Iterator[tuple[Any, ...]], out: IO[str]) -> int:
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count, chunk = 0, []
    for row in rows:
        chunk.append([_csv_value(v) for v in row])
        if len(chunk) >= CHUNK:
            writer.writerows(chunk)
            count, chunk = count + len(chunk), []
    writer.writerows(chunk)
    return count + len(chunk)


def write_xlsx(rows: Iterator[tuple[Any, ...]], out: Path | IO[bytes]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("members")
    sheet.freeze_panes = "A2"
    for index, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, max(12, len(name) + 2))
    bold = Font(bold=True)
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([int(v) if isinstance(v, bool) else xlsx_value(sheet, v) for v in row])
        count += 1
    book.save(out)
    return count


def export_rows(*, actor: Any, unit: Unit) -> Iterator[tuple[Any, ...]]:
    """The rows (in :data:`COLUMNS` order) ``actor`` may export from ``unit``'s subtree.

    ``unit`` must already be resolved through ``org.queries.get_unit_for_user`` (404 outside the
    actor's scope); an actor who sees it but may not export from it gets PermissionDenied.
    """
    if not policy.can(actor, Perm.MEMBERS_EXPORT, unit.path):
        raise PermissionDenied(_("You may not export the members of this unit."))
    rows = _rows(actor, unit)
    hide = _masker(actor, unit)
    return rows if hide is None else map(hide, rows)


def export_table(*, actor: Any, unit: Unit, row_count: int | None = None) -> Table:
    """The rows of :func:`export_rows` as a table for ``chibo.reports.exports`` (the same columns,
    typed, header in the first row so that the file can be imported again). Not audited here: the
    caller records the export."""
    from chibo.reports.tables import Column, Table

    rows = export_rows(actor=actor, unit=unit)  # lazy: not read if the query is used instead
    plain = _masker(actor, unit) is None
    columns = [Column(name, name, KINDS[name], WIDTHS.get(name, max(12, len(name) + 2))) for name in COLUMNS]
    return Table(title=_("Members of %(unit)s") % {"unit": unit.name}, columns=columns, rows=rows,
                 row_count=row_count, title_rows=False, query=_query(actor, unit) if plain else None)


def record_export(*, actor: Any, unit: Unit, count: int, fmt: str) -> None:
    audit.record("members.exported", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"count": count, "format": fmt,
                          "masked": not policy.can(actor, Perm.MEMBERS_VIEW_SENSITIVE, unit.path)})


def export_members(*, actor: Any, unit: Unit, out: Path, fmt: str = "csv") -> int:
    """Write the members of ``unit``'s subtree that ``actor`` may export to ``out``; audited.

    Returns the number of members written.
    """
    if fmt not in FORMATS:
        raise ValueError(fmt)
    rows = export_rows(actor=actor, unit=unit)
    if fmt == "csv":
        with Path(out).open("w", encoding="utf-8-sig", newline="") as f:
            count = write_csv(rows, f)
    else:
        count = write_xlsx(rows, Path(out))
    record_export(actor=actor, unit=unit, count=count, fmt=fmt)
    return count
