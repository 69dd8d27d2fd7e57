"""What an import reports: the rows read and the errors found (row, column, message)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from chibo.core.spreadsheet import csv_writer

MAX_STORED_ERRORS = 1000


class ErrorLog:
    """Errors as {row, column, message}; the first ``limit`` are kept, all are counted."""

    def __init__(self, limit: int = MAX_STORED_ERRORS):
        self.limit = limit
        self.items: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int, column: str, message: Any) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append({"row": row, "column": column, "message": str(message)})

    def merge(self, other: ErrorLog) -> None:
        """Add the errors of ``other`` (kept up to the limit, all counted)."""
        room = self.limit - len(self.items)
        self.items.extend(other.items[:max(room, 0)])
        self.count += other.count

    def __bool__(self) -> bool:
        return self.count > 0

    def sorted(self) -> list[dict[str, Any]]:
        return sorted(self.items, key=lambda e: e["row"])


@dataclass
class ImportResult:
    """``rows``: data rows read (and written when ``ok``). Nothing is written unless ``ok``."""

    kind: str
    rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    scope_path: str = ""

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @classmethod
    def rejected(cls, kind: str, rows: int, log: ErrorLog) -> ImportResult:
        return cls(kind, rows=rows, errors=log.sorted(), error_count=log.count)


def write_errors_csv(errors: list[dict[str, Any]], out: IO[str] | Any, *, total: int | None = None) -> None:
    """The error report as CSV (row, column, message), for a spreadsheet program."""
    writer = csv_writer(out)
    writer.writerow([_("row"), _("column"), _("message")])
    for error in errors:
        writer.writerow([error["row"], error["column"], error["message"]])
    if total is not None and total > len(errors):
        writer.writerow(["", "", _("… and %(n)d more errors.") % {"n": total - len(errors)}])
