"""Reading a long ordered query in batches: each batch is its own short query that starts after
the last row of the batch before (keyset), never an OFFSET.

Memory stays bounded by the batch, and no cursor outlives a statement: Django's server-side
cursors (``.iterator()`` on PostgreSQL) do not survive a transaction pooler (PgBouncer in
transaction mode, ``DATABASE_POOLER=transaction``), and without them ``.iterator()`` receives the
whole result at once. Inside one ``REPEATABLE READ`` transaction the batches read one snapshot,
as a single statement would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

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
