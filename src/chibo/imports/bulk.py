"""The fast write path for imports and generators (CONVENTIONS.md §12).

Rows are already validated; this only moves them into the database: ``COPY`` on PostgreSQL,
``executemany`` on SQLite, in batches, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection

BATCH = 20_000


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                progress: Callable[[int], None] | None = None, batch: int = BATCH) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; returns the count."""
    it = iter(rows)
    total = 0
    cols = ", ".join(columns)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            raw = cur.cursor if hasattr(cur, "cursor") else cur
            while chunk := list(islice(it, batch)):
                with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
                total += len(chunk)
                if progress:
                    progress(total)
        else:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
            raw = connection.connection
            while chunk := list(islice(it, batch)):
                raw.executemany(sql, chunk)
                total += len(chunk)
                if progress:
                    progress(total)
    return total


def next_id(table: str) -> int:
    """The first free primary key of ``table`` (rows are inserted with explicit ids)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return int(cur.fetchone()[0])


def reset_sequence(table: str) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
