"""A member's reads and exports from the audit log ("who can see my data", issue 13).

Two index reads, merged newest first, keyset-paged on (time, id):

* the views of the member's full profile (``members.viewed`` on object ``member``/id): index
  ``audit_subject`` (object type, object id, time);
* the exports of a scope that contained the member's cell at the time (``members.exported``,
  ``reports.exported`` whose ``unit_path`` is an ancestor-or-self of the path of the member's
  official cell on the day): partial index ``audit_export_path_at`` (path, time) of the export
  lines only. The cells come from the member's dated official placements, their paths on each day
  from the units' dated positions (``org.UnitPathPeriod``), so a transfer or a restructuring in
  the year counts each export against where the member was that day. An export of one other
  member's paper (a review form) at the cell is not counted; an export of a scope is, even when
  the list was filtered (the audit line keeps the scope, not the rows: decision 0012).

Each line carries who read: the reader's roles valid that day on a unit above what they read
(from their dated grants), "you" for the member's own reads, "the system" for jobs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from chibo.core.models import EXPORT_ACTIONS, AuditEntry
from chibo.org import paths

VIEWED = "members.viewed"
WINDOW_DAYS = 365
PAGE_SIZE = 20
# audit object types that are one member's paper: an export of one is about that member only
PERSONAL_OBJECTS = {"memberreview": ("quality", "MemberReview"),
                    "partycard": ("members", "PartyCard"),  # a card's loss report, reissue request
                    "transfer": ("members", "Transfer")}  # a transfer's introduction letter


@dataclass(frozen=True)
class Span:
    """The member's official cell had ``path`` from ``start`` until ``end`` (exclusive)."""

    path: str
    start: dt.date
    end: dt.date

    def covers(self, scope_path: str, day: dt.date) -> bool:
        return self.start <= day < self.end and self.path.startswith(scope_path)


@dataclass
class Read:
    entry: AuditEntry
    by_self: bool = False
    by_system: bool = False
    roles: list[tuple[str, Any]] = field(default_factory=list)  # (role, unit) valid that day
    scope: Any = None  # the exported unit (exports)

    @property
    def is_export(self) -> bool:
        return self.entry.action != VIEWED


@dataclass
class ReadsPage:
    rows: list[Read]
    next_cursor: str | None
    since: dt.datetime


def encode_cursor(entry: AuditEntry) -> str:
    return f"{int(entry.at.timestamp() * 1_000_000)}-{entry.pk}"


def decode_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    try:
        micros, pk = (text or "").split("-", 1)
        at = dt.datetime.fromtimestamp(int(micros) / 1_000_000, tz=dt.UTC)
        number = int(pk)
    except (ValueError, OverflowError, OSError):
        return None
    return (at, number) if 0 < number < 2**63 else None


def _before(qs: QuerySet[AuditEntry], cursor: tuple[dt.datetime, int] | None) -> QuerySet[AuditEntry]:
    if cursor is None:
        return qs
    at, pk = cursor
    return qs.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))


def spans(member: Any, since: dt.date, today: dt.date) -> list[Span]:
    """Where the member's official cell stood, day by day, from ``since`` to ``today``."""
    from chibo.members.models import Placement
    from chibo.org.models import UnitPathPeriod

    end = today + dt.timedelta(days=1)
    placements = list(Placement.objects.filter(member=member, kind="official", valid_from__lt=end)
                      .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=since))
                      .values_list("unit_id", "valid_from", "valid_to"))
    if not placements:  # a record without placements: its present cell, the whole year
        return [Span(member.unit_path, since, end)]
    periods: dict[int, list[tuple[str, dt.date, dt.date | None]]] = {}
    for unit_id, path, start, stop in (UnitPathPeriod.objects.filter(unit_id__in={p[0] for p in placements})
                                       .values_list("unit_id", "path", "valid_from", "valid_to")):
        periods.setdefault(unit_id, []).append((path, start, stop))
    found: list[Span] = []
    for unit_id, p_from, p_to in placements:
        p_end = min(p_to or end, end)
        for path, start, stop in periods.get(unit_id) or [(_path_of(member, unit_id), since, None)]:
            lo, hi = max(p_from, start, since), min(p_end, stop or end)
            if lo < hi:
                found.append(Span(path, lo, hi))
    return found or [Span(member.unit_path, since, end)]


def _path_of(member: Any, unit_id: int) -> str:
    if unit_id == member.unit_id:
        return member.unit_path
    from chibo.org.models import Unit

    return Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or ""


def _views(member: Any, since: dt.datetime, cursor, size: int) -> list[AuditEntry]:
    qs = AuditEntry.objects.filter(object_type="member", object_id=str(member.pk), action=VIEWED, at__gte=since)
    return list(_before(qs, cursor).select_related("actor").order_by("-at", "-pk")[: size + 1])


def _exports(member: Any, found: list[Span], since: dt.datetime, cursor, size: int) -> list[AuditEntry]:
    """The exports of the scopes above the member's cell that day, up to ``size + 1`` of them."""
    scopes = sorted({a for s in found for a in paths.ancestors(s.path)})
    qs = AuditEntry.objects.filter(action__in=EXPORT_ACTIONS, unit_path__in=scopes, at__gte=since)
    kept: list[AuditEntry] = []
    for _ in range(10):  # more rounds only when rows were left out (the member moved; others' papers)
        rows = list(_before(qs, cursor).select_related("actor").order_by("-at", "-pk")[: size + 1])
        day = timezone.localdate
        kept += _not_others_papers(member, [r for r in rows if any(s.covers(r.unit_path, day(r.at)) for s in found)])
        if len(rows) <= size or len(kept) > size:
            break
        cursor = (rows[-1].at, rows[-1].pk)
    return kept


def _not_others_papers(member: Any, rows: list[AuditEntry]) -> list[AuditEntry]:
    """Drop the exports of one other member's paper (a review form exported at the cell)."""
    from django.apps import apps

    personal = [r for r in rows if r.object_type in PERSONAL_OBJECTS]
    if not personal:
        return rows
    mine: set[tuple[str, str]] = set()
    for kind in {r.object_type for r in personal}:
        model = apps.get_model(*PERSONAL_OBJECTS[kind])
        ids = [r.object_id for r in personal if r.object_type == kind]
        mine |= {(kind, str(pk)) for pk in model.objects.filter(pk__in=ids, member=member).values_list("pk", flat=True)}
    return [r for r in rows if r.object_type not in PERSONAL_OBJECTS or (r.object_type, r.object_id) in mine]


def _who(member: Any, rows: list[Read]) -> None:
    """Fill each read's reader: self, system, or their roles that day on a unit above the line's."""
    from chibo.accounts.models import RoleGrant

    actors = {r.entry.actor_id for r in rows if r.entry.actor_id}
    grants = list(RoleGrant.objects.filter(user_id__in=actors).select_related("unit")) if actors else []
    for read in rows:
        entry = read.entry
        if entry.actor_id is None:
            read.by_system = True
            continue
        read.by_self = getattr(entry.actor, "member_id", None) == member.pk
        day = timezone.localdate(entry.at)
        valid = [g for g in grants if g.user_id == entry.actor_id and g.valid_from <= day
                 and (g.valid_to is None or g.valid_to > day)]
        covering = [g for g in valid if entry.unit_path.startswith(g.unit.path)]
        read.roles = [(g.role, g.unit) for g in (covering or valid)]


def _scopes(rows: list[Read]) -> None:
    from chibo.org.models import Unit

    wanted = {r.entry.unit_path for r in rows if r.is_export}
    if not wanted:
        return
    units = {u.path: u for u in Unit.objects.filter(path__in=wanted).only("id", "name", "path", "kind")}
    for r in rows:
        if r.is_export:
            r.scope = units.get(r.entry.unit_path)


def reads_of(member: Any, *, after: str | None = None, size: int = PAGE_SIZE,
             now: dt.datetime | None = None) -> ReadsPage:
    """One page of the reads and exports of ``member``'s record in the last 12 months, newest first.

    ``after`` is the ``next_cursor`` of the previous page.
    """
    now = now or timezone.now()
    since = now - dt.timedelta(days=WINDOW_DAYS)
    cursor = decode_cursor(after)
    found = spans(member, timezone.localdate(since), timezone.localdate(now))
    entries = _views(member, since, cursor, size) + _exports(member, found, since, cursor, size)
    entries.sort(key=lambda e: (e.at, e.pk), reverse=True)
    more = len(entries) > size
    rows = [Read(e) for e in entries[:size]]
    _who(member, rows)
    _scopes(rows)
    return ReadsPage(rows, encode_cursor(rows[-1].entry) if more and rows else None, since)
