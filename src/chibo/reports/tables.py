"""The shape every report and list takes before it is exported: a :class:`Table` of typed columns.

Report code produces tables; :mod:`chibo.reports.exports` lays them out as XLSX, PDF or CSV, so
every report exports the same way. A column's ``kind`` says how its cells are typed:

* ``text``: written as text (a value beginning with ``=`` stays text, never a formula);
* ``int``: a whole number (``True``/``False`` become 1/0);
* ``percent``: a **ratio** (``0.255`` is 25.5 %): a number with a percent format in XLSX,
  ``25.5%`` in CSV, ``25,5 %`` (the active language's format) in PDF;
* ``date``: a ``datetime.date``.

Rows are mappings keyed by the column keys, or sequences in column order (the fast path of the
big lists); a list or any iterable (streamed once: an iterator cannot be exported twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise

ColumnKind = Literal["text", "int", "percent", "date"]
KINDS: tuple[str, ...] = ("text", "int", "percent", "date")
DEFAULT_WIDTHS = {"text": 24.0, "int": 10.0, "percent": 10.0, "date": 12.0}

Row = Mapping[str, Any] | Sequence[Any]


@dataclass(frozen=True)
class Column:
    """One column: ``key`` in the rows, ``label`` in the header, ``width`` in characters (XLSX
    column width; the PDF shares the page width in proportion)."""

    key: str
    label: str
    kind: ColumnKind = "text"
    width: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r} (one of {', '.join(KINDS)})")

    @property
    def char_width(self) -> float:
        """The width to use: the given one, else one fitting the label and the kind."""
        if self.width:
            return float(self.width)
        return max(DEFAULT_WIDTHS[self.kind], min(len(str(self.label)) + 2, 40.0))


@dataclass
class Table:
    """A titled table: the unit of export (one XLSX sheet, one PDF section, one CSV file).

    ``total`` is an optional last row (a mapping or a sequence, like the rows), set apart in bold.
    ``notes`` are printed below the table (XLSX, PDF; not CSV, which holds data only).
    ``row_count``, when known beforehand, lets a writer report progress as a fraction and refuse
    an XLSX too big for a sheet before writing it. ``title_rows=False`` writes the XLSX header in
    the first row (a list meant to be read back by a program, e.g. re-imported) instead of below
    the title and subtitle.

    ``query``, optionally, is a ``values_list`` queryset giving exactly ``rows`` (same order, no
    work on them in Python: nothing masked, yes/no as 1/0, plain dates): on PostgreSQL
    :func:`~chibo.reports.exports.to_csv` then has the server write the CSV (``COPY … TO
    STDOUT``), twice as fast as Python's csv module for the national member list.
    """

    title: str
    columns: list[Column]
    rows: Iterable[Row] = field(default_factory=list)
    subtitle: str = ""
    total: Row | None = None
    notes: list[str] = field(default_factory=list)
    row_count: int | None = None
    title_rows: bool = True
    query: Any = None


    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"table {self.title!r}: duplicate column keys")
        if self.row_count is None and isinstance(self.rows, Sequence):
            self.row_count = len(self.rows)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def values(self, row: Row) -> Sequence[Any]:
        """``row``'s cells in column order."""
        if isinstance(row, Mapping):
            return [row.get(k) for k in self.keys]
        return row

    @classmethod
    def from_simple(cls, title: Any, columns: Sequence[tuple[str, Any] | Column], rows: Iterable[Row],
                    total: Row | None = None, *, subtitle: str = "", notes: Sequence[str] = (),
                    percent: Iterable[str] = ()) -> Table:
        """A table from plain ``(key, label)`` column pairs (the shape of the statistics tables,
        ``reports.statistics.tables.Table``: ``Table.from_simple(t.title, t.columns, t.rows,
        t.total)``). Each column's kind is guessed from its values: ints are ``int``, dates
        ``date``, floats that are all ratios between 0 and 1 ``percent`` (the statistics' shares),
        the rest ``text``; ``percent`` names more percent columns. Lazy labels are made text; a
        row with a ``level`` above 0 (an "of which" row) has its first cell set in with dashes."""
        rows = [_indented(r, columns) for r in rows]
        total = _indented(total, columns) if total is not None else None
        forced = set(percent)
        cols = []
        for index, spec in enumerate(columns):
            if isinstance(spec, Column):
                cols.append(spec)
                continue
            key, label = spec
            values = [v for v in (_cell(r, key, index) for r in [*rows, *([total] if total else [])])
                      if v not in (None, "")]
            cols.append(Column(key, str(label), "percent" if key in forced else _kind_of(values)))
        return cls(title=str(title), columns=cols, rows=rows, subtitle=subtitle, total=total, notes=list(notes))


def _indented(row: Row, columns: Sequence[tuple[str, Any] | Column]) -> Row:
    if isinstance(row, Mapping):  # lazy labels become text: a spreadsheet cell takes no Promise
        row = {k: str(v) if isinstance(v, Promise) else v for k, v in row.items()}
    if not isinstance(row, Mapping) or not columns or not row.get("level"):
        return row
    first = columns[0].key if isinstance(columns[0], Column) else columns[0][0]
    value = row.get(first)
    if value is None:
        return row
    return {**row, first: "– " * int(row["level"]) + str(value)}


def _cell(row: Row, key: str, index: int) -> Any:
    if isinstance(row, Mapping):
        return row.get(key)
    return row[index] if index < len(row) else None


def _kind_of(values: list[Any]) -> ColumnKind:
    if not values:
        return "text"
    if all(isinstance(v, bool | int) for v in values):
        return "int"
    if all(isinstance(v, dt.date) for v in values):
        return "date"
    if all(isinstance(v, float | int) and not isinstance(v, bool) for v in values) \
            and any(isinstance(v, float) for v in values) and all(0 <= v <= 1 for v in values):
        return "percent"
    return "text"
