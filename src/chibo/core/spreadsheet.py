"""Cells that a spreadsheet program cannot run: the one way Chibo writes CSV.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula (``=HYPERLINK(…)``, ``+cmd|…``: formula injection). Every
CSV file Chibo writes goes through :func:`csv_writer`, which puts an apostrophe before such a
text (OWASP's rule), or, written by PostgreSQL itself (``COPY … TO STDOUT``), through
:func:`safe_copy_sql`, the same rule in SQL. Numbers stay numbers: the rule looks at text only,
and a text that is only a number (``-5``, ``+84912345678``, ``-3.5%``) is not a formula either.
XLSX files type such text as text (:func:`xlsx_value`). The import takes the apostrophe off
again (:func:`undo_safe_cell`), so that an exported file imports as it was.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = r"[+-]?([0-9]+([.,][0-9]+)*|[.,][0-9]+)%?"
_IS_NUMBER = re.compile(_NUMBER + r"\Z")
# in a column's texts joined by line breaks: one of them may start like a formula
_MAY_START_A_FORMULA = re.compile(r"(?:\A|\n)[=+\-@\t\r]")
_NONE_OR_TEXT = frozenset({str, type(None)})


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
    risky = []
    for index, values in enumerate(zip(*rows, strict=True)):
        types = set(map(type, values))
        if str not in types:
            continue
        texts = filter(None, values) if types <= _NONE_OR_TEXT else (v for v in values if v.__class__ is str)
        if _MAY_START_A_FORMULA.search("\n".join(texts)):
            risky.append(index)
    return risky


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
    out = []
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


def safe_copy_sql(sql: str, text_columns: Sequence[bool]) -> str:
    """``sql`` (a SELECT with %s parameters) with :func:`safe_cell` applied by PostgreSQL to the
    columns flagged in ``text_columns``, for ``COPY (…) TO STDOUT (FORMAT csv)``."""
    names = [f"c{i}" for i in range(len(text_columns))]
    starts = "'=', '+', '-', '@', E'\\t', E'\\r'"  # FORMULA_START
    number = "^" + _NUMBER.replace("%", "%%") + "$"
    cells = [(f"CASE WHEN left(q.{n}::text, 1) IN ({starts}) AND q.{n}::text !~ '{number}' "
              f"THEN '''' || q.{n}::text ELSE q.{n}::text END") if text else f"q.{n}"
             for n, text in zip(names, text_columns, strict=True)]
    return f"SELECT {', '.join(cells)} FROM ({sql}) AS q({', '.join(names)})"


def xlsx_value(sheet: Any, value: Any) -> Any:
    """``value`` for a write-only openpyxl sheet: text starting with ``=`` typed as text (openpyxl
    would otherwise write it as a formula); other values as they are."""
    if value.__class__ is str and value[:1] == "=":
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
