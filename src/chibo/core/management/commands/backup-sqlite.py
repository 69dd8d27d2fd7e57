"""``python -m chibo backup-sqlite DEST``: a consistent copy of the SQLite database while the service runs."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Copy the SQLite database (DATABASE_URL or $CHIBO_DATA_DIR/chibo.sqlite3) to DEST with SQLite's online "
            "backup API: safe while the service writes, the copy is one consistent snapshot.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path, help="the backup file to write (must not exist)")
        parser.add_argument("--source", type=Path, default=None,
                            help="the database to copy (default: the configured one)")

    def handle(self, *args, dest: Path, source: Path | None, **options):
        source = source or _configured_sqlite()
        if not source.is_file():
            raise CommandError(f"No SQLite database at {source}: check CHIBO_DATA_DIR or DATABASE_URL.")
        if dest.exists():
            raise CommandError(f"{dest} exists: choose a new file name (a backup is never overwritten).")
        dest.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        pages = backup_sqlite(source=source, dest=dest)
        seconds = time.perf_counter() - started
        self.stdout.write(f"Backed up {source} to {dest}: {dest.stat().st_size / 1e6:,.1f} MB ({pages:,} pages) "
                          f"in {seconds:.1f}s; integrity check ok.")


def _configured_sqlite() -> Path:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        raise CommandError("The configured database is PostgreSQL: back it up with 'scripts/backup dump' or "
                           "'scripts/backup base' (docs/operations.md, “Backups and restoring”).")
    return Path(db["NAME"])


def backup_sqlite(*, source: Path, dest: Path) -> int:
    """Copy ``source`` into a new ``dest`` in one read transaction, check it, then put it in place.

    The copy is written to a temporary file beside ``dest`` and renamed only once it passed
    ``PRAGMA integrity_check``: a failed backup leaves nothing behind. In WAL mode the service
    keeps writing while the copy is read (readers do not block the writer).
    """
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    partial.touch(mode=0o600, exist_ok=False)  # private from the start: the copy holds personal data
    src = sqlite3.connect(source, timeout=30)
    try:
        out = sqlite3.connect(partial)
        try:
            src.backup(out, pages=-1)  # one step: a single snapshot, never restarted by a write
            out.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
            result = out.execute("PRAGMA integrity_check").fetchall()
            pages = out.execute("PRAGMA page_count").fetchone()[0]
        finally:
            out.close()
        if result != [("ok",)]:
            raise CommandError(f"The copy of {source} failed its integrity check: {result[:5]}; nothing was kept.")
        partial.replace(dest)
        return pages
    finally:
        src.close()
        partial.unlink(missing_ok=True)
