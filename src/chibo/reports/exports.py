"""Laying :class:`~chibo.reports.tables.Table` s out as XLSX, PDF and CSV: the one export mechanism.

* :func:`to_xlsx`: openpyxl in write-only mode (rows stream to the file; memory does not grow
  with the row count), one sheet per table, typed cells (numbers, percents with a ``%`` format,
  dates), the title above a bold header frozen in place, column widths.
* :func:`to_pdf`: WeasyPrint from ``reports/export.html``: A4 (landscape when a table has many
  columns), Noto Sans/Noto Serif for the Vietnamese letters, the table header repeated on every
  page, charts embedded as SVG drawn by :mod:`chibo.reports.charts` (no JavaScript).
* :func:`to_csv`: streamed in chunks, UTF-8 with a byte-order mark so that Excel reads the
  Vietnamese letters right; the format for lists longer than a sheet holds.

The writers take an optional ``progress(rows_written)`` callback, called every :data:`CHUNK`
rows. They check nothing about who asks: :mod:`chibo.reports.services` does that and audits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.translation import gettext as _

from chibo.core.errors import DomainError
from chibo.core.spreadsheet import csv_writer, safe_copied_csv
from chibo.reports.tables import Column, Table

XLSX_MAX_ROWS = 1_048_575  # the data rows a sheet holds below a header in its first row (2**20 - 1)
PDF_MAX_ROWS = 5_000  # a PDF is for reading: longer lists go to XLSX or CSV
CHUNK = 2_000  # rows fetched and written at a time; progress is reported after each chunk
SHEET_TITLE_MAX = 31
LANDSCAPE_FROM = 7  # columns: from this many on, the PDF page is turned
PERCENT_FORMAT = "0.00%"  # two decimals, as the reports quote them (104.75%)
DATE_FORMAT = "dd/mm/yyyy"  # the console's own day/month/year order
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters XML (and so XLSX) refuses

Progress = Callable[[int], None] | None
_NONE = frozenset({type(None)})
_PLAIN_TEXT = frozenset({str, type(None)})
Tables = Table | Sequence[Table]


class TooManyRows(DomainError):
    """The table does not fit the format (a spreadsheet's rows, a readable PDF)."""


def _tables(tables: Tables) -> list[Table]:
    return [tables] if isinstance(tables, Table) else list(tables)


def xlsx_refusal(rows: int, limit: int | None = None) -> TooManyRows:
    limit = XLSX_MAX_ROWS if limit is None else limit
    return TooManyRows(_("This list has %(rows)s rows: a spreadsheet holds at most %(limit)s. "
                         "Export it as CSV instead.")
                       % {"rows": formats.number_format(rows, force_grouping=True),
                          "limit": formats.number_format(limit, force_grouping=True)})


def pdf_refusal(rows: int) -> TooManyRows:
    return TooManyRows(_("This list has %(rows)s rows, too many to print: a PDF holds at most %(limit)s. "
                         "Export it as XLSX or CSV instead.")
                       % {"rows": formats.number_format(rows, force_grouping=True),
                          "limit": formats.number_format(PDF_MAX_ROWS, force_grouping=True)})


def _chunks(table: Table) -> Iterator[list[Any]]:
    """The table's rows in chunks of :data:`CHUNK`, each row in column order."""
    rows = iter(table.rows)
    keys = table.keys
    while chunk := list(islice(rows, CHUNK)):
        if isinstance(chunk[0], Mapping):
            yield [[row.get(k) for k in keys] for row in chunk]  # type: ignore[union-attr]
        else:
            yield chunk


# ---- XLSX --------------------------------------------------------------------------------------

def sheet_titles(titles: Iterable[str]) -> list[str]:
    """Sheet names for ``titles``: without the characters Excel refuses, at most 31 characters,
    unique (Excel compares them without case)."""
    out: list[str] = []
    seen: set[str] = set()
    for title in titles:
        base = _SHEET_FORBIDDEN.sub(" ", unicodedata.normalize("NFC", str(title))).strip().strip("'") or _("Sheet")
        name = _cut(base, SHEET_TITLE_MAX)
        n = 1
        while name.lower() in seen:
            n += 1
            suffix = f" ({n})"
            name = _cut(base, SHEET_TITLE_MAX - len(suffix)) + suffix
        seen.add(name.lower())
        out.append(name)
    return out


def _cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut between words when that keeps most of it."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] == " ":
        return cut.rstrip()
    space = cut.rfind(" ")
    return (cut[:space] if space >= limit // 2 else cut).rstrip()


def _clean_text(value: Any) -> Any:
    return _ILLEGAL.sub("", value) if isinstance(value, str) else value


class _SheetWriter:
    """Typed cells of one table in a write-only sheet."""

    def __init__(self, sheet: Any, table: Table):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import Cell
        from openpyxl.styles import Font

        self.sheet, self.table, self.new_cell, self.cell_type = sheet, table, WriteOnlyCell, Cell
        self.bold = Font(bold=True)
        # (column index, converter) for the cells that need more than their raw value
        self.converters: list[tuple[int, Callable[[Any], Any]]] = []
        for i, column in enumerate(table.columns):
            convert = {"text": self._text, "int": self._int, "percent": self._percent,
                       "date": self._date}[column.kind]
            self.converters.append((i, convert))

    def _text(self, value: Any) -> Any:
        if value.__class__ is str and value[:1] == "=":  # text, never a formula
            cell = self.new_cell(self.sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    @staticmethod
    def _int(value: Any) -> Any:
        return int(value) if value.__class__ is bool else value

    def _percent(self, value: Any) -> Any:
        if isinstance(value, str):
            return value
        cell = self.new_cell(self.sheet, value=float(value))
        cell.number_format = PERCENT_FORMAT
        return cell

    def _date(self, value: Any) -> Any:
        if not isinstance(value, dt.date):
            return value
        cell = self.new_cell(self.sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell

    def row(self, values: Sequence[Any], *, bold: bool = False) -> list[Any]:
        out = _converted(values, self.converters)
        if bold:
            out = [self._bolden(v) for v in out]
        return out

    def chunk(self, rows: list[Any]) -> list[Any]:
        """The rows of a chunk ready to append. Each column is looked at as a whole (in C: its
        values' types, its text joined) and its cells converted only if some need it; text with
        a control character XML refuses is cleaned."""
        columns = list(zip(*rows, strict=False))
        needed: list[tuple[int, Callable[[Any], Any]]] = []
        dirty = False
        for i, convert in self.converters:
            if i >= len(columns):
                continue
            values = columns[i]
            types = set(map(type, values))
            if types <= _PLAIN_TEXT:
                text = "\n".join(filter(None, values))
                dirty = dirty or _ILLEGAL.search(text) is not None
                if convert == self._text and (text[:1] == "=" or "\n=" in text):
                    needed.append((i, convert))
            elif str in types:  # text among other values
                dirty = dirty or any(_ILLEGAL.search(v) for v in values if v.__class__ is str)
                needed.append((i, convert))
            elif (convert != self._int or bool in types) and types - _NONE:
                needed.append((i, convert))
        if dirty:
            rows = [[_clean_text(v) for v in row] for row in rows]
        return [_converted(values, needed) for values in rows] if needed else rows

    def _bolden(self, value: Any) -> Any:
        cell = value if isinstance(value, self.cell_type) else self.new_cell(self.sheet, value=value)
        cell.font = self.bold
        return cell

    def append(self, row: list[Any]) -> None:
        # a control character would stop openpyxl's writer for good: look for one first
        if _ILLEGAL.search("".join([v for v in row if v.__class__ is str])):
            row = [self._cleaned(v) for v in row]
        self.sheet.append(row)

    def _cleaned(self, value: Any) -> Any:
        if isinstance(value, self.cell_type):
            value.value = _clean_text(value.value)
            return value
        return _clean_text(value)

    def styled(self, text: str, **font: Any) -> Any:
        from openpyxl.styles import Font

        cell = self.new_cell(self.sheet, value=_clean_text(text))
        cell.font = Font(**font)
        return cell


def _capacity(table: Table, header_row: int) -> int:
    """The data rows the sheet holds for ``table`` (its title lines, total and notes count too)."""
    extra = header_row - 1 + (1 if table.total is not None else 0) + (len(table.notes) + 1 if table.notes else 0)
    return XLSX_MAX_ROWS - extra


def _write_sheet(book: Any, name: str, table: Table, progress: Progress, done: int) -> int:
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(name)
    writer = _SheetWriter(sheet, table)
    header_row = 1
    lines: list[list[Any]] = []
    if table.title_rows:
        lines.append([writer.styled(table.title, bold=True, size=14)])
        if table.subtitle:
            lines.append([writer.styled(table.subtitle, italic=True)])
        lines.append([])
        header_row = len(lines) + 1
    capacity = _capacity(table, header_row)
    if table.row_count is not None and table.row_count > capacity:
        raise xlsx_refusal(table.row_count, capacity)
    sheet.freeze_panes = f"A{header_row + 1}"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.char_width
    for line in lines:
        sheet.append(line)
    sheet.append([writer.styled(str(c.label), bold=True) for c in table.columns])
    count = 0
    for chunk in _chunks(table):
        count += len(chunk)
        if count > capacity:
            raise xlsx_refusal(count, capacity)
        for values in writer.chunk(chunk):
            sheet.append(values)
        if progress:
            progress(done + count)
    if table.total is not None:
        writer.append(writer.row(table.values(table.total), bold=True))
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([writer.styled(note, italic=True)])
    return count


def to_xlsx(tables: Tables, out: Path | str | IO[bytes], *, progress: Progress = None) -> int:
    """Write ``tables`` to ``out`` as an XLSX workbook, one sheet per table; returns the data
    rows written. Raises :class:`TooManyRows` (before writing when the tables' ``row_count`` are
    known) when a table does not fit a sheet: export it as CSV."""
    from openpyxl import Workbook

    tables = _tables(tables)
    book = Workbook(write_only=True)
    done = 0
    try:
        for name, table in zip(sheet_titles(t.title for t in tables), tables, strict=True):
            done += _write_sheet(book, name, table, progress, done)
    except BaseException:
        _discard(book)
        raise
    book.save(out)
    return done


def _discard(book: Any) -> None:
    """End a workbook abandoned half-way: its sheets' writers are open generators that would
    complain when collected, so they are finished into a throw-away file."""
    import tempfile

    with tempfile.TemporaryFile() as scrap, contextlib.suppress(Exception):
        book.save(scrap)


# ---- CSV ---------------------------------------------------------------------------------------

def _csv_percent(value: Any) -> Any:
    if isinstance(value, str):
        return value
    return f"{round(float(value) * 100, 2):g}%"


def _csv_int(value: Any) -> Any:
    return int(value) if value.__class__ is bool else value


def _csv_date(value: Any) -> Any:
    return value.date().isoformat() if isinstance(value, dt.datetime) else value


@contextmanager
def _binary_stream(out: Path | str | IO[Any]) -> Iterator[tuple[Callable[[bytes], Any], IO[str]]]:
    """``out`` as (write bytes, text stream), the text stream starting with a byte-order mark.

    The CSV writer writes text; the server-side copy writes the bytes PostgreSQL sends as they
    are (UTF-8). Both go to the same place, in order (the text stream is flushed first)."""
    if isinstance(out, str | Path):
        with Path(out).open("wb", buffering=1 << 20) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=True)
            text.write("\ufeff")
            try:
                yield raw.write, text
            finally:
                text.flush()
                text.detach()
        return
    if isinstance(out, io.TextIOBase) or hasattr(out, "encoding"):
        out.write("\ufeff")
        yield (lambda data: out.write(data.decode("utf-8"))), out
        return
    text = io.TextIOWrapper(cast(BinaryIO, out), encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")
    try:
        yield out.write, text
    finally:
        text.flush()
        text.detach()


def _copy_source(table: Table) -> Any:
    """The table's queryset when PostgreSQL can write its CSV itself (see ``Table.query``)."""
    from django.db import connections

    query = table.query
    if query is None or connections[query.db].vendor != "postgresql":
        return None
    return query


def _copy_csv(query: Any, columns: Sequence[Column], write: Callable[[bytes], Any], progress: Progress) -> int:
    """``query``'s rows as CSV written by the server (``COPY (…) TO STDOUT``), streamed to ``write``;
    the text columns' cells made safe for spreadsheets as :func:`csv_writer` makes them."""
    from django.db import connections, transaction

    connection = connections[query.db]
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    texts = [i for i, c in enumerate(columns) if c.kind == "text"]
    with transaction.atomic(using=query.db), connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'ISO'")  # dates as YYYY-MM-DD whatever the server's setting
        pending: list[bytes] = []
        size = lines = 0
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            for block in copy:  # a row each: gathered into big writes of whole rows
                pending.append(bytes(block))
                size += len(block)
                if size >= 1 << 20:
                    data = safe_copied_csv(b"".join(pending), texts)
                    write(data)
                    pending, size = [], 0
                    if progress:
                        lines += data.count(b"\n")  # a value may hold a line break: progress only
                        progress(lines)
        write(safe_copied_csv(b"".join(pending), texts))
        return max(cursor.cursor.rowcount, 0)


def to_csv(table: Table, out: Path | str | IO[Any], *, progress: Progress = None) -> int:
    """Stream ``table`` to ``out`` (a path, a binary or a text stream) as CSV in UTF-8 with a BOM:
    the header, the rows, then the total row if any. Percents are written ``25.5%``, dates
    ``YYYY-MM-DD``, booleans 1/0, lines end in LF; text a spreadsheet would run as a formula gets an
    apostrophe (``core.spreadsheet``). Returns the data rows written.

    On PostgreSQL a table with a ``query`` is written by the server itself (``COPY``)."""
    by_kind: dict[str, Callable[[Any], Any]] = {"int": _csv_int, "percent": _csv_percent, "date": _csv_date}
    converters = [(i, by_kind[c.kind]) for i, c in enumerate(table.columns) if c.kind != "text"]
    query = _copy_source(table)
    with _binary_stream(out) as (write, stream):
        writer = csv_writer(stream, lineterminator="\n")
        writer.writerow([str(c.label) for c in table.columns])
        if query is not None:
            stream.flush()
            count = _copy_csv(query, table.columns, write, progress)
            if progress:
                progress(count)
        else:
            count = 0
            for chunk in _chunks(table):
                chunk = _plain(chunk, converters)
                writer.writerows(chunk)
                count += len(chunk)
                if progress:
                    progress(count)
        if table.total is not None:
            writer.writerow(_converted(table.values(table.total), converters))
    return count


def _plain(chunk: list[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    """The chunk's rows with the values CSV cannot write as they are converted: a column is
    looked at as a whole (its values' types, in C) and converted only if it needs to be."""
    if not converters:
        return chunk
    columns = list(zip(*chunk, strict=False))
    needed = [(i, convert) for i, convert in converters if i < len(columns) and _needs(convert, columns[i])]
    return [_converted(values, needed) for values in chunk] if needed else chunk


def _needs(convert: Callable[[Any], Any], values: tuple[Any, ...]) -> bool:
    types = set(map(type, values))
    if convert is _csv_int:
        return bool in types
    if convert is _csv_date:
        return dt.datetime in types
    return bool(types - {type(None), str})


def _converted(values: Sequence[Any], converters: Sequence[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(values)
    for i, convert in converters:
        value = out[i]
        if value is not None:
            out[i] = convert(value)
    return out


# ---- PDF ---------------------------------------------------------------------------------------

def _pdf_cell(column: Column, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if column.kind == "percent":
        # number_format cuts the decimals off: round first
        return formats.number_format(round(float(value) * 100, 2), decimal_pos=2, use_l10n=True) + " %"
    if column.kind == "date" and isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}".replace(",", str(formats.get_format("THOUSAND_SEPARATOR")))
    if isinstance(value, float):
        return formats.number_format(round(value, 2), decimal_pos=2, use_l10n=True)
    return str(value)


def _pdf_table(table: Table, progress: Progress, done: int) -> dict[str, Any]:
    if table.row_count is not None and table.row_count > PDF_MAX_ROWS:
        raise pdf_refusal(table.row_count)
    columns = table.columns
    rows: list[list[str]] = []
    for chunk in _chunks(table):
        if len(rows) + len(chunk) > PDF_MAX_ROWS:
            raise pdf_refusal(len(rows) + len(chunk))
        rows.extend([_pdf_cell(c, v) for c, v in zip(columns, values, strict=False)] for values in chunk)
        if progress:
            progress(done + len(rows))
    total_width = sum(c.char_width for c in columns) or 1
    return {
        "title": table.title, "subtitle": table.subtitle, "notes": table.notes,
        "columns": [{"label": str(c.label), "kind": c.kind, "width": round(100 * c.char_width / total_width, 2)}
                    for c in columns],
        "rows": rows,
        "total": ([_pdf_cell(c, v) for c, v in zip(columns, table.values(table.total), strict=False)]
                  if table.total is not None else None),
    }


def _chart_markup(chart: Any) -> Any:
    """Chart markup from :mod:`chibo.reports.charts` (safe) goes in as is; anything else is escaped."""
    return chart if isinstance(chart, SafeData) else conditional_escape(chart)


def render_html(tables: Tables, charts: Sequence[Any] = (), *, title: str = "", subtitle: str = "",
                progress: Progress = None) -> str:
    """The HTML page :func:`to_pdf` prints: the title, the charts, then each table."""
    tables = _tables(tables)
    sections, done = [], 0
    for table in tables:
        section = _pdf_table(table, progress, done)
        done += len(section["rows"])
        sections.append(section)
    widest = max((len(t.columns) for t in tables), default=0)
    first = tables[0] if tables else None
    return render_to_string("reports/export.html", {
        "title": title or (first.title if first else ""),
        "subtitle": subtitle or (first.subtitle if first and len(tables) == 1 else ""),
        "single": len(tables) == 1 and not title,
        "charts": [_chart_markup(c) for c in charts],
        "tables": sections,
        "landscape": widest >= LANDSCAPE_FROM,
        "made_at": timezone.localtime(),
    })


def to_pdf(tables: Tables, charts: Sequence[Any] = (), *, title: str = "", subtitle: str = "",
           progress: Progress = None) -> bytes:
    """``tables`` (and ``charts``, SVG from :mod:`chibo.reports.charts`) as an A4 PDF. ``title``
    heads the document (default: the first table's title). Raises :class:`TooManyRows` beyond
    :data:`PDF_MAX_ROWS` rows in a table."""
    from weasyprint import HTML  # loads Pango: only when a PDF is asked for

    html = render_html(tables, charts, title=title, subtitle=subtitle, progress=progress)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return pdf
