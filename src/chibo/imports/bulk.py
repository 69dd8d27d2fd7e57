"""The fast write path for imports and generators (CONVENTIONS.md §12).

Rows are already validated; this only moves them into the database: ``COPY`` on PostgreSQL,
``executemany`` on SQLite, in batches, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

BATCH = 20_000


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                progress: Callable[[int], None] | None = None, batch: int = BATCH,
                using: BaseDatabaseWrapper | None = None) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; returns the count.

    ``using`` is the connection (default: this thread's). It is driven through its DB-API
    connection, so a helper thread may write on the connection of the thread that owns the
    transaction (the imports do, one thread at a time).
    """
    conn = using or connection
    conn.ensure_connection()
    quote = conn.ops.quote_name
    cols = ", ".join(quote(c) for c in columns)  # quoted: a column may be named "on"
    table = quote(table)
    it = iter(rows)
    total = 0
    raw = conn.connection
    if conn.vendor == "postgresql":
        with raw.cursor() as cur:
            while chunk := list(islice(it, batch)):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
                total += len(chunk)
                if progress:
                    progress(total)
    else:
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
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
