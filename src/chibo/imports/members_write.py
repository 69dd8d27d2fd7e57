"""Writing checked member rows: ``members_member`` and ``members_placement`` with explicit ids.

Everything happens in the import's one transaction, with the tables locked. The checker prepares
each row as inserted (ids included); the rows go to a :class:`DirectSink`, which writes them in
batches while the next rows are being checked: on PostgreSQL from a helper thread (the server
inserts one batch while Python takes the next), on SQLite in the calling thread while the checking
process prepares the next rows (``imports.process``). At the first wrong row the sink rolls back
to its savepoint and stops writing, the check goes on to the end to report every error, and the
transaction is rolled back: a rejected file writes nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from chibo.imports import bulk

SPOOL_COLUMNS = (
    "full_name", "name_folded", "birth_name", "sex", "birth_date", "citizen_id", "phone", "email",
    "ethnicity", "religion", "home_town", "birth_place", "residence", "education_grade",
    "qualification", "political_theory", "foreign_language", "occupation_before", "occupation",
    "youth_union", "is_army", "is_police", "is_retired", "admission_date", "ceremony_date",
    "ceremony_place", "official_date", "card_number", "background_sheet_no", "status",
    "status_since", "unit_id", "unit_path",
)  # the member columns a checked row fills
MEMBER_TABLE_COLUMNS = ("id", *SPOOL_COLUMNS, "temp_unit_id", "created_at", "updated_at")
PLACEMENT_TABLE_COLUMNS = ("id", "member_id", "unit_id", "kind", "valid_from", "valid_to", "decision")
BATCH = 5_000
Batch = tuple[Sequence[Sequence[Any]], Sequence[Sequence[Any]]]  # members, their placements
THREADED = {"sqlite": False, "postgresql": True}


class MemberWriter:
    """Inserts batches of ready rows: members and their placements, ids from the first free ones.

    ``first_member``, ``first_placement`` and ``now`` are what the checker prepares the rows
    from (``members_check.RowIds``).
    """

    def __init__(self, using: BaseDatabaseWrapper | None = None) -> None:
        # the wrapper itself, not the thread-local ``connection`` proxy: the helper thread
        # must write on this thread's connection, inside its transaction
        self.using = using or connections[DEFAULT_DB_ALIAS]
        self.first_member = bulk.next_id("members_member")
        self.first_placement = bulk.next_id("members_placement")
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.done = 0

    def write_batch(self, members: Sequence[Sequence[Any]], placements: Sequence[Sequence[Any]]) -> None:
        bulk.insert_rows("members_member", MEMBER_TABLE_COLUMNS, members, using=self.using)
        bulk.insert_rows("members_placement", PLACEMENT_TABLE_COLUMNS, placements, using=self.using)
        self.done += len(members)

    def finish(self) -> None:
        bulk.reset_sequence("members_member")
        bulk.reset_sequence("members_placement")


class InlineWriter:
    """The same interface as :class:`BackgroundWriter`, writing in the caller's thread."""

    def __init__(self, writer: MemberWriter):
        self.writer = writer
        self.error: BaseException | None = None

    def submit(self, batch: Batch) -> None:
        if self.error is None:
            try:
                self.writer.write_batch(*batch)
            except Exception as exc:  # handed to the caller by drain()
                self.error = exc

    def drain(self) -> None:
        pass

    def close(self) -> None:
        pass


class BackgroundWriter:
    """Runs :meth:`MemberWriter.write_batch` in a helper thread, one batch after another.

    The thread writes on the caller's connection (inside its transaction) while the caller
    checks the next rows: SQLite and PostgreSQL both release Python's GIL while they insert.
    The caller must :meth:`drain` before it uses the connection itself.
    """

    def __init__(self, writer: MemberWriter, depth: int = 2):
        self.writer = writer
        self.error: BaseException | None = None
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=depth)
        # started with the first batch: a child process forked before then has no thread to inherit
        self._thread = threading.Thread(target=self._run, name="chibo-import-writer", daemon=True)

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                if self.error is None:
                    self.writer.write_batch(*batch)
            except BaseException as exc:  # handed to the caller by drain()/close()
                self.error = exc
            finally:
                self._queue.task_done()

    def submit(self, batch: Batch) -> None:
        if self._thread.ident is None:  # not started yet
            self._thread.start()
        self._queue.put(batch)

    def drain(self) -> None:
        self._queue.join()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


def is_clash(exc: BaseException) -> bool:
    """A unique constraint said no (Django's or the driver's own IntegrityError)."""
    return isinstance(exc, IntegrityError | cast(Any, connection).Database.IntegrityError)


class DirectSink:
    """Takes checked rows and writes them at once, in batches, behind a savepoint.

    ``stop()`` (the first wrong row) discards what was written and ignores later rows; a clash
    with the database's unique constraints does the same and sets ``clashed``. Call
    ``drain()`` before using the connection and ``finish()`` at the end.
    """

    def __init__(self, writer: MemberWriter, batch: int | None = None, threaded: bool | None = None):
        self.batch = batch or BATCH
        self.members: list[Sequence[Any]] = []
        self.placements: list[Sequence[Any]] = []
        self.stopped = self.clashed = False
        self._savepoint = transaction.savepoint()
        threaded = THREADED.get(connection.vendor, False) if threaded is None else threaded
        self._background = BackgroundWriter(writer) if threaded else InlineWriter(writer)

    def extend(self, members: Sequence[Sequence[Any]], placements: Sequence[Sequence[Any]]) -> None:
        if self.stopped:
            return
        self.members.extend(members)
        self.placements.extend(placements)
        if len(self.members) >= self.batch:
            self._submit()

    def _submit(self) -> None:
        self._background.submit((self.members, self.placements))
        self.members, self.placements = [], []

    def drain(self) -> None:
        """Wait until every submitted batch is written; a failure stops the sink."""
        self._background.drain()
        error = self._background.error
        if error is not None and not self.stopped:
            if not is_clash(error):
                raise error
            self.clashed = True
            self.stop()

    def stop(self) -> None:
        if not self.stopped:
            self._background.drain()
            self.stopped, self.members, self.placements = True, [], []
            transaction.savepoint_rollback(self._savepoint)

    def finish(self) -> None:
        """Write what is pending and wait for it."""
        if not self.stopped and self.members:
            self._submit()
        self.drain()
        self.close()

    def close(self) -> None:
        self._background.close()
