"""Streaming a long ordered query in bounded memory, with or without server-side cursors.

Where the connection has them, ``.iterator()`` streams one statement: through a server-side
cursor on PostgreSQL, lazily on SQLite. A transaction pooler (PgBouncer in transaction mode,
``DATABASE_POOLER=transaction``) breaks server-side cursors, so they are turned off there
(``DISABLE_SERVER_SIDE_CURSORS``), and ``.iterator()`` would then receive the whole result at
once. The rows are read in **keyset batches** instead: each batch is its own short query that
starts after the last row of the batch before, never an OFFSET. Inside one ``REPEATABLE READ``
transaction the batches read one snapshot, as the single statement would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet


def after(keys: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows after ``values`` in the ascending order of ``keys`` (columns without NULLs):
    ``k1 >= v1 AND (k1 > v1 OR k2 > v2 OR (k2 = v2 AND …))``, so that an index on the first key
    is read as a range from ``v1``."""
    *leading, last = zip(keys, values, strict=True)
    q = Q(**{f"{last[0]}__gt": last[1]})
    if not leading:
        return q
    for key, value in reversed(leading[1:]):
        q = Q(**{f"{key}__gt": value}) | (Q(**{key: value}) & q)
    first, value = leading[0]
    return Q(**{f"{first}__gte": value}) & (Q(**{f"{first}__gt": value}) | q)


def batches(qs: QuerySet, keys: Sequence[str], size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``qs``, a ``values_list`` whose last columns are ``keys`` (unique together,
    ascending, no NULLs), ordered by them, in lists of at most ``size`` rows."""
    ordered = qs.order_by(*keys)
    width = len(keys)
    batch = list(ordered[:size])
    while batch:
        yield batch
        if len(batch) < size:
            return
        batch = list(ordered.filter(after(keys, batch[-1][-width:]))[:size])


def rows(qs: QuerySet, keys: Sequence[str], size: int) -> Iterator[tuple[Any, ...]]:
    """The rows of ``qs`` (as for :func:`batches`) in ``keys`` order, without the key columns:
    ``.iterator(chunk_size=size)`` where the connection has server-side cursors, else keyset
    batches of ``size`` rows."""
    width = len(keys)
    if not connections[qs.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        yield from (row[:-width] for row in qs.order_by(*keys).iterator(chunk_size=size))
        return
    for batch in batches(qs, keys, size):
        yield from (row[:-width] for row in batch)
