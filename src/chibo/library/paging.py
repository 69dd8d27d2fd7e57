"""Keyset paging over a search's phases: each phase read in (key, id) order, no OFFSET.

A cursor is the phase, the key value and the id of the last row shown, base64 in the URL. A
cursor that is not one of ours (any garbage a client sends) starts the list over.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q, QuerySet

T = TypeVar("T", bound=Model)
DATE_KEYS = frozenset({"issued_on"})


@dataclass(frozen=True)
class Phase(Generic[T]):
    """One step of a search: the rows it adds, in ``key`` order (newest first when ``descending``)."""

    rows: QuerySet[T]
    key: str
    descending: bool = False

    def ordered(self) -> QuerySet[T]:
        if self.descending:
            return self.rows.order_by(f"-{self.key}", "-pk")
        return self.rows.order_by(self.key, "pk")

    def after(self, value: str, pk: int) -> QuerySet[T]:
        """Rows after (value, pk), written as ``key >= x AND (key > x OR id > y)`` so the index range
        is seekable (mirrored when descending)."""
        k = self.key
        if self.descending:
            return self.rows.filter(**{f"{k}__lte": value}).filter(Q(**{f"{k}__lt": value}) | Q(pk__lt=pk))
        return self.rows.filter(**{f"{k}__gte": value}).filter(Q(**{f"{k}__gt": value}) | Q(pk__gt=pk))


@dataclass
class Page(Generic[T]):
    rows: list[T]
    next_cursor: str | None


Cursor = tuple[int, str, int]  # phase, the phase's key of the last row, its id


def encode(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")


def decode(token: str | None, phases: list[Phase[Any]]) -> Cursor | None:
    if not token:
        return None
    try:
        number, value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        number, value, pk = int(number), str(value), int(pk)
        value.encode("utf-8")  # no lone surrogates
        if phases[number].key in DATE_KEYS:
            dt.date.fromisoformat(value)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    if "\x00" in value or not 0 <= pk < 2**63 or number < 0:
        return None
    return number, value, pk


def page(phases: list[Phase[T]], *, after: str | None, size: int) -> Page[T]:
    """The next ``size`` rows across ``phases`` after the cursor ``after``."""
    cursor = decode(after, phases)
    found: list[tuple[int, T]] = []
    for number in range(cursor[0] if cursor else 0, len(phases)):
        phase = phases[number]
        part = Phase(phase.after(cursor[1], cursor[2]), phase.key, phase.descending) \
            if cursor and number == cursor[0] else phase
        found += [(number, row) for row in part.ordered()[: size + 1 - len(found)]]
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    rows = [row for _number, row in found]
    if not (more and found):
        return Page(rows, None)
    number, last = found[-1]
    value = getattr(last, phases[number].key)
    return Page(rows, encode((number, value.isoformat() if isinstance(value, dt.date) else str(value), last.pk)))
