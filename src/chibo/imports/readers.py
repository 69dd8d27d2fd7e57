"""Reading an import file as a stream of rows: CSV (UTF-8, with or without BOM) or XLSX.

A :class:`Table` gives the header (row 1) and then ``(row number, cells)`` one row at a time, so
a file of millions of rows is never held in memory. Problems with the file as a whole (wrong
encoding, a damaged or truncated file) raise :class:`FileProblem` with the row where they were
found.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
# The longest value the CSV reader takes (the csv module's own limit is 131,072): far above every
# column's length, so that a long value is reported on its cell with its length and limit
# (``columns.parse_cell``); a longer one is most likely a quote left open.
FIELD_LIMIT = 1 << 20
Row = tuple[int, Sequence[Any]]


class FileProblem(Exception):
    """The file as a whole cannot be read; ``message`` is translated, ``row`` is 1-based."""

    def __init__(self, message: str, row: int = 1):
        self.message, self.row = message, row
        super().__init__(message)

    def __reduce__(self):  # pickled with its row: raised in the checking process, reported here
        return (FileProblem, (self.message, self.row))


@dataclass
class Table:
    header: list[str]
    rows: Iterator[Row]
    estimated_rows: int  # data rows, for progress display only
    strict_width: bool  # CSV: every row must have exactly the header's number of fields


def format_of(path: Path, fmt: str | None = None) -> str:
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise FileProblem(_("Unknown file type: use a .csv or .xlsx file."))
    return fmt


@contextmanager
def open_table(path: Path, fmt: str | None = None) -> Iterator[Table]:
    """The file at ``path`` as a :class:`Table` (format by ``fmt`` or the file extension)."""
    if format_of(path, fmt) == "csv":
        with path.open("rb") as raw:
            yield _csv_table(raw, _count_lines(path))
    else:
        with _xlsx_table(path) as table:
            yield table


# ---- CSV ------------------------------------------------------------------------------------

def not_utf8_message() -> str:
    return _("The file is not UTF-8 text: it was probably saved in another encoding (such as "
             "Windows-1258 or Latin-1). Save it again as “CSV UTF-8” and import that file.")


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1, 0)


def _check_start(raw) -> None:
    head = raw.read(1 << 16)
    raw.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(not_utf8_message())
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise FileProblem(not_utf8_message(), row=head[: exc.start].count(b"\n") + 1) from exc


def _decoded_lines(raw) -> Iterator[str]:
    """The file's lines as text, failing with the line number at the first non-UTF-8 byte."""
    for number, line in enumerate(raw, start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileProblem(not_utf8_message(), row=number) from exc
        yield text[1:] if number == 1 and text.startswith("\ufeff") else text


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _csv_table(raw, line_count: int) -> Table:
    _check_start(raw)
    lines = _decoded_lines(raw)
    first = next(lines, "")
    if not first.strip():
        raise FileProblem(_("The file is empty: the first row must name the columns."))
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    header = next(csv.reader([first], delimiter=_delimiter(first)))
    reader = csv.reader(lines, delimiter=_delimiter(first), strict=True)
    return Table([h.strip() for h in header], _csv_rows(reader, len(header)), line_count, True)


def _csv_rows(reader, width: int) -> Iterator[Row]:
    """Rows from 2 on; the last one is held back to check that the file is not truncated."""
    pending: Row | None = None
    number = 1
    try:
        for cells in reader:
            number += 1
            if pending is not None:
                yield pending
            pending = (number, cells)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileProblem(_("A value in this row is longer than %(limit)s characters, more than any column "
                                "holds: a quote is probably left open. Check the quotes of this row.")
                              % {"limit": formats.number_format(FIELD_LIMIT, force_grouping=True)},
                              row=number + 1) from exc
        raise FileProblem(_("The file ends in the middle of a quoted value, or a quote is misplaced: "
                            "it may be truncated."), row=number + 1) from exc
    if pending is not None and pending[1] and len(pending[1]) != width:
        raise FileProblem(_("The last row has %(found)d values but the header has %(width)d columns: "
                            "the file seems truncated.") % {"found": len(pending[1]), "width": width},
                          row=pending[0])
    if pending is not None:
        yield pending


# ---- XLSX -----------------------------------------------------------------------------------

def damaged_message() -> str:
    return _("The file is damaged or incomplete (it is not a valid XLSX workbook): "
             "it may be truncated. Save it again from the spreadsheet program.")


@contextmanager
def _xlsx_table(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise FileProblem(damaged_message())
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        estimated = max((sheet.max_row or 1) - 1, 0)
        sheet.reset_dimensions()  # a stale <dimension> would silently cut rows off
        rows = _xlsx_rows(sheet.iter_rows(values_only=True))
        header = next(rows, (1, ()))[1]
    except FileProblem:
        raise
    except Exception as exc:  # zipfile, XML and KeyError failures all mean a damaged file
        raise FileProblem(damaged_message()) from exc
    try:
        names = [("" if h is None else str(h)).strip() for h in header]
        while names and not names[-1]:
            names.pop()
        yield Table(names, rows, estimated, False)
    finally:
        book.close()


def _xlsx_rows(source) -> Iterator[Row]:
    number = 0
    try:
        for cells in source:
            number += 1
            yield number, cells
    except Exception as exc:
        raise FileProblem(damaged_message(), row=number + 1) from exc
