"""Cells that a spreadsheet program cannot run: the one way Chibo writes CSV.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (``=HYPERLINK(…)``, ``+cmd|…``: formula injection). Every
CSV file Chibo writes goes through :func:`csv_writer`, which puts an apostrophe before such a
text (OWASP's rule); a file PostgreSQL writes itself (``COPY … TO STDOUT``) passes through
:func:`safe_copied_csv`, which applies the same rule to the rows that need it. Numbers stay
numbers: the rule looks at text only, and a text that is only a number (``-5``,
``+84912345678``, ``-3.5%``) is not a formula either. XLSX files type such text as text
(:func:`xlsx_value`). The import takes the apostrophe off again (:func:`undo_safe_cell`), so
that an exported file imports as it was.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?([0-9]+([.,][0-9]+)*|[.,][0-9]+)%?"
_IS_NUMBER = re.compile(_NUMBER + r"\Z")
# in a column's texts joined by line breaks, one that is not the first may start like a formula
# (a pattern starting with a plain character: searched for at C speed)
_LATER_ONE_MAY_START_A_FORMULA = re.compile(r"\n[=+\-@\t\r]")
# CSV bytes mapped for one quick search: cell separators to ",", the signs that start a formula to
# "=", quotes kept, the rest "x"; a cell that may start like a formula is then ",=" or ',"='
_CELL_STARTS = bytes(ord(",") if c in b",\n" else ord("=") if c in b"=+-@\t\r" else c if c == ord('"')
                     else ord("x") for c in range(256))


def safe_cell(value: Any) -> Any:
    """``value``, with an apostrophe before it if it is text a spreadsheet would run."""
    if value.__class__ is str and value.startswith(FORMULA_START) and not _IS_NUMBER.match(value):
        return "'" + value
    return value


def undo_safe_cell(value: str) -> str:
    """A cell written by :func:`safe_cell` as it was (read back by the import)."""
    if value[:1] == "'" and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def _risky_columns(rows: Sequence[Sequence[Any]]) -> list[int] | None:
    """The columns where some text may start like a formula (each column looked at as a whole,
    in C); None when the rows are not all the same width (then every cell is looked at)."""
    if len({len(row) for row in rows}) > 1:
        return None
    return [index for index, values in enumerate(zip(*rows, strict=True)) if _may_start_a_formula(values)]


def _may_start_a_formula(values: tuple[Any, ...]) -> bool:
    try:
        joined = "\n".join(filter(None, values))  # the common column: text (and blanks) only
    except TypeError:
        if str not in set(map(type, values)):
            return False
        joined = "\n".join([v for v in values if v.__class__ is str])
    return joined.startswith(FORMULA_START) or _LATER_ONE_MAY_START_A_FORMULA.search(joined) is not None


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """``rows`` with :func:`safe_cell` applied where needed (most chunks need nothing)."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return rows
    risky = _risky_columns(rows)
    if risky is None:
        return [[safe_cell(v) for v in row] for row in rows]
    if not risky:
        return rows
    out: list[Sequence[Any]] = []
    for row in rows:
        cells = list(row)
        for index in risky:
            cells[index] = safe_cell(cells[index])
        out.append(cells)
    return out


class SafeWriter:
    """``csv.writer`` whose rows pass through :func:`safe_rows`."""

    def __init__(self, stream: IO[str] | Any, **options: Any):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows(safe_rows(rows))


def csv_writer(stream: IO[str] | Any, **options: Any) -> SafeWriter:
    """The CSV writer for every file Chibo writes (options as for ``csv.writer``)."""
    return SafeWriter(stream, **options)


def safe_copied_csv(data: bytes, text_columns: Sequence[int]) -> bytes:
    """Whole rows of CSV as PostgreSQL's ``COPY … TO STDOUT (FORMAT csv)`` writes them, with
    :func:`safe_cell` applied to the cells of ``text_columns`` (indexes). Two passes in C find
    whether a cell of the rows may start like a formula (most chunks: none, and they pass as they
    are); only then are the rows read and written again."""
    starts = data.translate(_CELL_STARTS)
    if b",=" not in starts and b',"=' not in starts and starts[:1] != b"=" and starts[:2] != b'"=':
        return data
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
        for index in text_columns:
            row[index] = safe_cell(row[index])
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def xlsx_value(sheet: Any, value: Any) -> Any:
    """``value`` for a write-only openpyxl sheet: text starting with ``=`` typed as text (openpyxl
    would otherwise write it as a formula); other values as they are."""
    if value.__class__ is str and value[:1] == "=":
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
