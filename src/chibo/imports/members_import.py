"""Importing members: every row checked by the registry's own rules, written in bulk.

The rows are checked by :class:`~chibo.imports.members_check.MemberChecker` (no database: the
units in the actor's import scope are held in memory; duplicates within the file are found
there too), in a child process for a large file, and come back in chunks, prepared as inserted.
This process keeps what needs the database: citizen IDs and card numbers already in the registry
(looked up in batches), the rows' writing (see ``members_write``: while the next chunks are being
checked) and the per-cell tally counts. Everything happens in one transaction, rolled back
if any row is wrong; then the counts are added to the tallies and one audit line is written.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.imports import tallying
from chibo.imports.columns import MEMBER_COLUMNS
from chibo.imports.importer import Importer, Progress, clash_message, common_path, lock_tables
from chibo.imports.members_check import Chunk, MemberChecker, RowIds, UnitInfo
from chibo.imports.members_write import DirectSink, MemberWriter
from chibo.imports.process import can_fork, in_child_process
from chibo.imports.readers import Table
from chibo.members import tallies
from chibo.members.models import Member
from chibo.org.models import Unit

DB_BATCH = 20_000  # rows whose citizen IDs and cards are looked up in the database at once


class MemberImporter(Importer):
    kind = "members"
    columns = MEMBER_COLUMNS
    permission = Perm.MEMBERS_IMPORT

    def __init__(self, actor: Any):
        super().__init__(actor)
        self.today = timezone.localdate()
        self.units: dict[str, UnitInfo] = {
            code: (pk, path, sector, kind, closed is None, opened)
            for code, pk, path, sector, kind, closed, opened in Unit.objects.filter(self.scope.q("path"))
            .values_list("code", "id", "path", "sector", "kind", "closed_on", "opened_on").iterator(chunk_size=5000)
        }
        self.check_db = Member.objects.exists()
        self.existing_below: int | None = None  # while writing as we go: our own rows are not "taken"
        self.pending: list[tuple[int, str | None, str | None]] = []
        self.counts: dict[str, list[int]] = {}  # cell path → tally counts of the rows taken
        self._vectors: dict[tuple, list[tuple[int, int]]] = {}

    # -- pass 1 -------------------------------------------------------------------------------

    def check_file(self, table: Table, sink: Any, ids: RowIds, progress: Progress | None = None, *,
                 child: bool = False) -> int:
        """Check every row (in a child process when ``child`` and the file is large enough) and
        hand the rows, prepared as inserted from ``ids`` on, to ``sink`` (``extend(members,
        placements)``; ``stop()`` at the first wrong row; ``drain()`` before a database lookup)."""
        self.strict_width = table.strict_width
        if not self.bind_header(table.header):
            return 0
        for chunk in self._chunks(table, ids, child):
            self._take(chunk, sink)
            if progress:
                progress(self.rows, max(table.estimated_rows, self.rows))
        self._check_database(sink)
        return self.rows

    def _chunks(self, table: Table, ids: RowIds, child: bool) -> Iterator[Chunk]:
        parser = copy.copy(self)  # the checker takes over its ``log``, chunk by chunk
        checker = MemberChecker(parser, self.units, self.today, ids)
        if child and can_fork() and table.estimated_rows >= settings.CHIBO_IMPORT_CHILD_ROWS:
            return in_child_process(lambda: checker.chunks(table))
        return checker.chunks(table)

    def _take(self, chunk: Chunk, sink: Any) -> None:
        self.rows += chunk.rows
        self.log.merge(chunk.errors)
        if self.check_db:
            self.pending.extend(chunk.keys)
            if len(self.pending) >= DB_BATCH:
                self._check_database(sink)
        if self.log:
            sink.stop()  # the file is rejected: keep checking, stop writing
            return
        sink.extend(chunk.members, chunk.placements)
        self._count(chunk.kinds)

    def _count(self, kinds: dict[tuple, int]) -> None:
        """Add rows of these kinds to the per-cell tally counts (memory per cell, not per row)."""
        counts = self.counts
        for (path, *inputs), rows in kinds.items():
            acc = counts.get(path)
            if acc is None:
                acc = counts[path] = tallying.empty()
            for i, n in self._vector(tuple(inputs)):
                acc[i] += n * rows

    def _check_database(self, sink: Any) -> None:
        if not self.pending:
            return
        sink.drain()  # the writer thread shares the connection: wait until it is idle
        ids = {cid: number for number, cid, _card in self.pending if cid}
        for cid in self._existing("citizen_id", list(ids), living=True):
            self.log.add(ids[cid], "citizen_id", _("Another living member already has this citizen ID."))
        cards = {card: number for number, _cid, card in self.pending if card}
        for card in self._existing("card_number", list(cards), living=False):
            self.log.add(cards[card], "card_number", _("Another member already has this party card number."))
        self.pending = []

    def _existing(self, column: str, values: list[str], *, living: bool) -> list[str]:
        """The ``values`` of ``column`` that members saved before this import already hold.

        One parameter for all values (an array on PostgreSQL, a JSON list on SQLite), looked up
        in the column's index; ``+id`` keeps SQLite from walking the ids instead.
        """
        if not values:
            return []
        params: list[Any]
        if connection.vendor == "postgresql":
            sql, params = f"SELECT {column} FROM members_member WHERE {column} = ANY(%s)", [values]
        else:
            sql = f"SELECT {column} FROM members_member WHERE {column} IN (SELECT value FROM json_each(%s))"
            params = [json.dumps(values)]
        if living:
            sql += ' AND NOT ("status" = \'deceased\')'  # the partial index's own condition, as written
        if self.existing_below is not None:
            sql += " AND +id < %s"
            params.append(self.existing_below)
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [value for (value,) in cur.fetchall()]

    def _vector(self, key: tuple) -> list[tuple[int, int]]:
        """``tallies.vector`` of a kind of row as (tally index, count) pairs, cached by its inputs."""
        pairs = self._vectors.get(key)
        if pairs is None:
            vector = tallies.vector(status=key[0], sex=key[1], ethnicity=key[2], religion=key[3],
                                    youth_union=key[4], occupation=key[5], sector=key[6])
            pairs = self._vectors[key] = [(tallying.INDEX[k], n) for k, n in vector.items()]
        return pairs

    # -- pass 2 -------------------------------------------------------------------------------

    def _apply(self, writer: MemberWriter) -> str:
        writer.finish()
        tallying.apply_direct(self.counts)
        scope = common_path(list(self.counts))
        audit.record("imports.members", actor=self.actor, unit_path=scope,
                     payload={"rows": writer.done, "units": len(self.counts)})
        return scope

    def run(self, table: Table, progress: Progress | None = None, on_phase=None) -> str | None:
        """Check and write in one go, in one transaction, rolled back if any row is wrong."""
        with transaction.atomic():
            lock_tables("members_member", "members_placement", shared=["org_unit"])
            writer = MemberWriter()
            self.existing_below = writer.first_member
            sink = DirectSink(writer)
            try:
                ids = RowIds(writer.first_member, writer.first_placement, writer.now)
                self.check_file(table, sink, ids, progress, child=True)
                sink.finish()
            finally:
                sink.close()
            if sink.clashed and not self.log:
                self.log.add(1, "", clash_message())
            if self.log or not self.rows:
                transaction.set_rollback(True)
                return None
            return self._apply(writer)
