"""What the unit and member imports share: the header, the row loop, locks, the id blocks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.core.errors import PermissionDenied
from chibo.core.text import text_problem
from chibo.imports.columns import MISSING, Column, parser_for
from chibo.imports.readers import Table
from chibo.imports.report import ErrorLog
from chibo.imports.spool import Spool
from chibo.org import paths

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2_000
MEMO_SIZE = 20_000
# columns whose values (almost) never repeat: not worth remembering
UNIQUE_COLUMNS = frozenset({"full_name", "citizen_id", "phone", "email", "card_number", "background_sheet_no",
                            "code", "name"})


class Conflict(Exception):
    """The database changed between the check and the write; ``message`` is translated."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def clash_message() -> str:
    return _("Some rows clash with records saved while the file was being checked. "
             "Nothing was written: import the file again.")


def common_path(unit_paths: Sequence[str] | set[str]) -> str:
    """The path of the deepest unit above (or equal to) all of ``unit_paths``."""
    items = list(unit_paths)
    if not items:
        return ""
    low, high = min(items), max(items)
    n = 0
    while n < min(len(low), len(high)) and low[n] == high[n]:
        n += 1
    return low[: n - n % paths.STEP]


def lock_tables(*exclusive: str, shared: Sequence[str] = ()) -> None:
    """On PostgreSQL, keep other writers out of the tables an import fills (readers go on).

    SQLite needs nothing: its write transaction already excludes every other writer.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:  # the unit tree first, as the services lock it first
        if shared:
            cur.execute(f"LOCK TABLE {', '.join(shared)} IN SHARE MODE")
        if exclusive:
            cur.execute(f"LOCK TABLE {', '.join(exclusive)} IN SHARE ROW EXCLUSIVE MODE")


class Importer:
    """Pass 1 (``validate``) checks every row into a spool; pass 2 (``write``) applies it."""

    kind = ""
    columns: tuple[Column, ...] = ()
    permission = ""

    def __init__(self, actor: Any):
        self.actor = actor
        self.scope = policy.scope_for(actor, self.permission)
        if self.scope.empty:
            raise PermissionDenied(_("You may not import into any unit."))
        self.log = ErrorLog()
        self.spool = Spool()
        self.rows = 0
        self.bound: list[tuple[int, str, Callable[[Any], Any], dict[Any, Any] | None]] = []
        self.defaults = {c.name: (None if c.kind == "date" else c.default) for c in self.columns}
        self.width = 0
        self.strict_width = False
        self._memoized: list[tuple[int, str, Callable[[Any], Any], dict[Any, Any]]] = []
        self._unique: list[tuple[int, str, Callable[[Any], Any]]] = []

    # -- the header ---------------------------------------------------------------------------

    def bind_header(self, header: list[str]) -> bool:
        """Map the file's columns to ours; log unknown, repeated, unnamed and missing columns."""
        known = {c.name: c for c in self.columns}
        seen: set[str] = set()
        for index, raw in enumerate(header):
            name = raw.strip().lower()
            problem = text_problem(raw)
            if problem:  # not repeated in the report: the name itself is the problem
                self.log.add(1, "", _("Column %(n)d: %(problem)s") % {"n": index + 1, "problem": problem})
            elif not name:
                self.log.add(1, "", _("Column %(n)d has no name in the first row.") % {"n": index + 1})
            elif name in seen:
                self.log.add(1, name, _("This column appears twice."))
            elif name not in known:
                self.log.add(1, raw, _("Unknown column: see the template for the column names."))
            else:
                seen.add(name)
                memo: dict[Any, Any] | None = None if name in UNIQUE_COLUMNS else {}
                self.bound.append((index, name, parser_for(known[name]), memo))
        self._memoized = [(i, n, p, m) for i, n, p, m in self.bound if m is not None]
        self._unique = [(i, n, p) for i, n, p, m in self.bound if m is None]
        for column in self.columns:
            if column.required and column.name not in seen:
                self.log.add(1, column.name, _("This required column is missing."))
        self.width = len(header)
        return not self.log

    # -- pass 1 -------------------------------------------------------------------------------

    def validate(self, table: Table, progress: Progress | None = None) -> int:
        self.strict_width = table.strict_width
        if not self.bind_header(table.header):
            return 0
        for number, data, failed in self.parsed(table):
            self.rows += 1
            if data is not None:
                self.check(number, data, failed)
            if progress and self.rows % PROGRESS_EVERY == 0:
                progress(self.rows, max(table.estimated_rows, self.rows))
        self.finish()
        if progress:
            progress(self.rows, self.rows)
        return self.rows

    def parsed(self, table: Table) -> Iterator[tuple[int, dict[str, Any] | None, set[str]]]:
        """Every data row as (row number, its values by column, the columns that did not parse);
        the values are None for a row of the wrong shape (logged). Blank rows are skipped."""
        for number, cells in table.rows:
            row = self._shaped(number, cells)
            if row is None:
                continue
            if not row:
                yield number, None, set()
                continue
            data, failed = self.parse(number, row)
            yield number, data, failed

    def _shaped(self, number: int, cells: Sequence[Any]) -> Sequence[Any] | None:
        """The row's cells padded to the header's width; None for a blank row (skipped) and
        an empty tuple for a row of the wrong shape (logged)."""
        if self.strict_width:  # CSV: every row has exactly the header's number of fields
            if not "".join(cells).strip():
                return None
            if len(cells) != self.width:
                self.log.add(number, "", _("This row has %(found)d values but the header has %(width)d "
                                           "columns.") % {"found": len(cells), "width": self.width})
                return ()
            return cells
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            return None
        if any(c not in (None, "") for c in cells[self.width:]):
            self.log.add(number, "", _("This row has values to the right of the last named column."))
            return ()
        return (*cells, *(None,) * (self.width - len(cells)))

    def parse(self, number: int, cells: Sequence[Any]) -> tuple[dict[str, Any], set[str]]:
        """The row's values by column name, and the columns whose cells did not parse (logged).

        Most columns repeat a few values (codes, dates, places): each keeps the values it has
        already parsed, up to ``MEMO_SIZE``, so a repeated cell costs one dictionary lookup.
        The common row (every cell parses) takes a loop without logging; a row with a wrong
        cell is parsed again by :meth:`_parse_logged`, which logs in column order.
        """
        data = self.defaults.copy()
        try:
            for index, name, parse, memo in self._memoized:
                raw = cells[index]
                value = memo.get(raw, MISSING)
                if value is MISSING:
                    value = parse(raw)
                    if len(memo) < MEMO_SIZE:
                        memo[raw] = value
                data[name] = value
            for index, name, parse in self._unique:
                data[name] = parse(cells[index])
        except ValueError:
            return self._parse_logged(number, cells)
        return data, set()

    def _parse_logged(self, number: int, cells: Sequence[Any]) -> tuple[dict[str, Any], set[str]]:
        data = self.defaults.copy()
        failed: set[str] = set()
        for index, name, parse, memo in self.bound:
            raw = cells[index]
            value = memo.get(raw, MISSING) if memo is not None else MISSING
            if value is MISSING:
                try:
                    value = parse(raw)
                except ValueError as exc:
                    self.log.add(number, name, getattr(exc, "message", str(exc)))
                    failed.add(name)
                    continue
                if memo is not None and len(memo) < MEMO_SIZE:
                    memo[raw] = value
            data[name] = value
        return data, failed

    def check(self, number: int, data: dict[str, Any], failed: set[str]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last row: checks that need the whole file (duplicates)."""

    # -- pass 2 -------------------------------------------------------------------------------

    def run(self, table: Table, progress: Progress | None = None, on_phase=None) -> str | None:
        """Check every row, then write them all if none is wrong: returns the unit path the
        import touched, or None when it was rejected (see ``log``)."""
        self.validate(table, progress)
        if self.log or not self.rows:
            return None
        if on_phase:
            on_phase("writing")
        return self.write(progress)

    def write(self, progress: Progress | None = None) -> str:
        """Apply the spooled rows in one transaction; returns the unit path the import touched."""
        raise NotImplementedError

    def close(self) -> None:
        self.spool.close()
