"""Writing a synthetic data set: the unit tree, its history, the members and their placements.

Everything goes through the fast bulk path (:func:`chibo.imports.bulk.insert_rows`: ``COPY`` on
PostgreSQL, ``executemany`` on SQLite) with explicit ids, in one transaction; then the tallies
are rebuilt, the id sequences moved past the new rows and the planner statistics refreshed.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from chibo.demo import dbtools
from chibo.demo.people import MEMBER_COLUMNS, PLACEMENT_COLUMNS, People
from chibo.demo.pipeline import peak_rss_mb
from chibo.demo.presets import PRESETS, plan_for
from chibo.demo.streams import apportion, member_rows
from chibo.demo.tree import Node, Plan, TreeBuilder
from chibo.imports import bulk
from chibo.members import tallies
from chibo.org.enums import UnitEventKind

UNIT_COLUMNS = ("id", "code", "name", "name_folded", "kind", "sector", "parent_id", "path", "depth",
                "opened_on", "closed_on", "successor_id")
PERIOD_COLUMNS = ("id", "unit_id", "parent_id", "path", "name", "valid_from", "valid_to")
EVENT_COLUMNS = ("id", "unit_id", "kind", '"on"', "decision", "details", "recorded_at", "actor_id")
FLUSH = 20_000
PARALLEL_FROM = 100_000  # members: below this, generating in-process is simpler and as fast
GENERATORS = 2  # processes generating members for the large presets (the machine has 2 cores)

Progress = Callable[[str, int, int], None]


class DatasetExists(Exception):
    """The database already holds units or members (use ``replace``)."""


@dataclass
class LoadResult:
    preset: str
    seed: int
    as_of: dt.date
    units: int = 0
    cells: int = 0
    members: int = 0  # member rows, former members included
    active: int = 0
    placements: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    slowest_indexes: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0  # this process
    generator_peak_rss_mb: float = 0.0  # each generating process


def generate(preset: str, *, members: int | None = None, seed: int = 1, as_of: dt.date | None = None,
             replace: bool = False, progress: Progress | None = None) -> LoadResult:
    """Generate the ``preset`` data set (scaled to ``members`` active members) into the database."""
    spec = PRESETS[preset]
    plan, active = plan_for(spec, members=members, as_of=as_of)
    result = LoadResult(preset, seed, plan.as_of, active=active)
    started = time.perf_counter()
    with transaction.atomic():
        if not dbtools.is_empty():
            if not replace:
                raise DatasetExists(_("The database already holds units or members; "
                                      "use --replace to delete them first."))
            _timed(result, "wipe", dbtools.wipe)
        tables = [m._meta.db_table for m in dbtools.LOADED]
        with dbtools.deferred_indexes(tables) as timing:
            _write(plan, seed, active, result, progress or _quiet)
        result.slowest_indexes = timing.pop("slowest_indexes", {})
        result.phases.update(timing)
        _timed(result, "tallies", tallies.rebuild)
        for table in tables:
            bulk.reset_sequence(table)
        if not spec.bulk_history:
            from chibo.demo.history import apply_demo_history

            _timed(result, "history", lambda: apply_demo_history(plan.as_of))
    _timed(result, "analyze", lambda: dbtools.analyze([*tables, "members_unitmembertally"]))
    result.seconds = time.perf_counter() - started
    result.peak_rss_mb = peak_rss_mb()
    return result


def _quiet(_phase: str, _done: int, _total: int) -> None:
    pass


def _timed(result: LoadResult, phase: str, fn: Callable[[], object]) -> None:
    start = time.perf_counter()
    fn()
    result.phases[phase] = round(time.perf_counter() - start, 3)


def _write(plan: Plan, seed: int, active: int, result: LoadResult, progress: Progress) -> None:
    start = time.perf_counter()
    builder = TreeBuilder(plan, seed, first_id=bulk.next_id("org_unit"))
    stamp = dbtools.timestamp(plan.as_of)
    periods = _Numbered(bulk.next_id("org_unitpathperiod"))
    events = _Numbered(bulk.next_id("org_unitevent"))
    result.units = bulk.insert_rows("org_unit", UNIT_COLUMNS, _unit_rows(builder, periods, events, stamp))
    bulk.insert_rows("org_unitpathperiod", PERIOD_COLUMNS, periods.rows)
    bulk.insert_rows("org_unitevent", EVENT_COLUMNS, events.rows)
    del periods, events
    progress("units", result.units, result.units)
    result.phases["units"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    cells = builder.cells
    result.cells = len(cells)
    counts = apportion([c.capacity for c in cells], active)
    people = People(seed=seed, as_of=plan.as_of, villages=builder.villages,
                    province_places=builder.province_places, timestamp=stamp)
    stats: dict = {}
    rows = member_rows(people, cells, counts, first_member_id=bulk.next_id("members_member"),
                       first_placement_id=bulk.next_id("members_placement"),
                       workers=GENERATORS if active >= PARALLEL_FROM else 0, stats=stats)
    expected = int(active * 1.025)
    for members, placements in _batched(rows):
        _flush(members, placements, result)
        progress("members", result.members, max(expected, result.members))
    progress("members", result.members, result.members)
    result.phases["members"] = round(time.perf_counter() - start, 3)
    result.generator_peak_rss_mb = stats.get("child_peak_rss_mb", 0.0)


def _batched(rows: Iterator[tuple[list[list], list[list]]]) -> Iterator[tuple[list[list], list[list]]]:
    """Partitions' rows gathered into batches of about :data:`FLUSH` members."""
    member_buf: list[list] = []
    place_buf: list[list] = []
    for members, placements in rows:
        member_buf += members
        place_buf += placements
        if len(member_buf) >= FLUSH:
            yield member_buf, place_buf
            member_buf, place_buf = [], []
    if member_buf:
        yield member_buf, place_buf


def _flush(members: list[list], placements: list[list], result: LoadResult) -> None:
    result.members += bulk.insert_rows("members_member", MEMBER_COLUMNS, members)
    result.placements += bulk.insert_rows("members_placement", PLACEMENT_COLUMNS, placements)


def _iso(ordinal: int | None) -> str | None:
    return dt.date.fromordinal(ordinal).isoformat() if ordinal is not None else None


class _Numbered:
    """Rows collected during the walk of the tree, numbered from ``next_id``."""

    def __init__(self, next_id: int):
        self.next_id = next_id
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append((self.next_id, *values))
        self.next_id += 1


def _unit_rows(builder: TreeBuilder, periods: _Numbered, events: _Numbered, stamp: str) -> Iterator[tuple]:
    """The unit rows, one walk of the tree; their positions and events are collected on the way."""
    for u in builder.units(collect=True):
        for parent_id, path, name, valid_from, valid_to in _periods_of(u):
            periods.add(u.id, parent_id, path, name, _iso(valid_from), _iso(valid_to))
        for unit_id, kind, on, decision, details in _events_of(u):
            events.add(unit_id, kind, _iso(on), decision, json.dumps(details, ensure_ascii=False), stamp, None)
        yield (u.id, u.code, u.name, u.folded, u.kind, u.sector, u.parent_id, u.path, u.depth,
               _iso(u.opened), _iso(u.closed), u.successor.id if u.successor else None)


def _periods_of(u: Node) -> list[tuple]:
    """(parent id, path, name, from, until) of the unit's positions in the tree."""
    if u.merged_into is not None:  # kept under its successor since the merger
        return [(u.merged_into.parent_id, u.old_path, u.name, u.opened, u.closed),
                (u.merged_into.id, u.path, u.name, u.closed, u.closed)]
    if u.old_name is not None:
        return [(u.parent_id, u.path, u.old_name, u.opened, u.renamed_on),
                (u.parent_id, u.path, u.name, u.renamed_on, None)]
    return [(u.parent_id, u.path, u.name, u.opened, None)]


def _events_of(u: Node) -> list[tuple[int, str, int | None, str, dict]]:
    """The events of ``u``; a merged cell also gives its successor's "absorbed" event."""
    events: list[tuple[int, str, int | None, str, dict]] = [
        (u.id, UnitEventKind.CREATED, u.opened, "", {"code": u.code, "name": u.old_name or u.name})]
    if u.old_name is not None:
        decision = f"Nghị quyết số {1650 + u.province}/NQ-UBTVQH15"
        events.append((u.id, UnitEventKind.RENAMED, u.renamed_on, decision,
                       {"old_name": u.old_name, "new_name": u.name}))
    if u.merged_into is not None:
        target = u.merged_into
        decision = f"Quyết định số {100 + u.id % 900}-QĐ/ĐU"
        events.append((u.id, UnitEventKind.MERGED, u.closed, decision, {"into": target.code}))
        events.append((target.id, UnitEventKind.ABSORBED, u.closed, decision, {"sources": [u.code]}))
    return events
