"""The parts of the backup drill that need no PostgreSQL: the media checksums and the SQLite case."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from drills import fingerprint


def media_checksums(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


class _Writer:
    """``python -m drills.writes --until STOP``: registers members until told to stop; collects the
    ids it reports as committed."""

    def __init__(self, env: dict[str, str], stop: Path, python: str) -> None:
        self.stop = stop
        self.committed: list[int] = []
        self.proc = subprocess.Popen([python, "-m", "drills.writes", "--phase", "3", "--until", str(stop)],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("committed "):
                self.committed.append(int(line.split()[1]))

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise RuntimeError(f"the SQLite writer stopped after {len(self.committed)} members: {err[-2000:]}")
            time.sleep(0.05)

    def finish(self) -> list[int]:
        self.stop.touch()
        try:
            self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        self.reader.join(timeout=10)
        return self.committed


class SqlitePrep:
    """The SQLite database of the drill (migrate, a small data set), loaded in the background while
    the PostgreSQL part runs."""

    def __init__(self, root: Path, python: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "CHIBO_DATA_DIR": str(root / "data"), "CHIBO_MEDIA_DIR": str(root / "data" / "media"),
                    "BACKUP_DIR": str(root / "backups"), "LOG_LEVEL": "WARNING", "REDIS_URL": "",
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                                os.environ.get("PYTHONPATH")]))}
        for name in ("DATABASE_URL", "DATABASE_DIRECT_URL", "DATABASE_REPLICA_URL", "DATABASE_POOLER"):
            self.env.pop(name, None)
        script = (f"{python} -m chibo migrate --noinput -v 0 && "
                  f"{python} -m chibo generate --preset province --members 1000")
        self.log = root / "load.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(["sh", "-c", script], env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait(self) -> None:
        if self.proc.wait(timeout=1800) != 0:
            raise RuntimeError(f"loading the SQLite data set failed:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def sqlite_drill(drill: Any) -> list[str]:
    """Online backup of a SQLite database while a writer writes; returns the failures."""
    prep: SqlitePrep = drill.sqlite
    prep.wait()
    root, env = prep.root, prep.env
    print(f"  {prep.log.read_text().strip().splitlines()[-1]}", flush=True)
    source = root / "data" / "chibo.sqlite3"
    writer = _Writer(env, root / "stop", drill_python(drill))
    try:
        writer.wait_for(3)
        backup = drill._path_after("sqlite: ", drill.sh("scripts/backup", "sqlite", env=env))
        at_backup = len(writer.committed)
        writer.wait_for(at_backup + 3)
    finally:
        committed = writer.finish()
    print(f"  the writer committed {len(committed)} members, {at_backup} of them before the backup command returned",
          flush=True)
    restored = root / "restored" / "chibo.sqlite3"
    drill.sh("scripts/restore", "sqlite", str(backup), "--into", str(restored), env=env)
    failures = _check_restored(drill, backup, restored, committed)
    second = drill._path_after("sqlite: ", drill.sh("scripts/backup", "sqlite", env=env))
    drill.compare("SQLite backup after the writer stopped = source", fingerprint.sqlite(source),
                  fingerprint.sqlite(second))
    return failures


def _check_restored(drill: Any, backup: Path, restored: Path, committed: list[int]) -> list[str]:
    failures = []
    drill.compare("SQLite restored = backup", fingerprint.sqlite(backup), fingerprint.sqlite(restored))
    conn = sqlite3.connect(restored)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        wanted = set(committed)
        held = sorted(pk for (pk,) in conn.execute("SELECT id FROM members_member") if pk in wanted)
    finally:
        conn.close()
    if integrity != [("ok",)]:
        failures.append(f"SQLite: integrity_check of the restored copy: {integrity[:5]}")
    print(f"  SQLite restored: integrity_check {integrity[0][0]}; holds {len(held)} of the writer's "
          f"{len(committed)} members", flush=True)
    if held != committed[:len(held)]:
        failures.append("SQLite: the backup holds the writer's members out of order (not one snapshot)")
    if not 3 <= len(held) < len(committed):
        failures.append(f"SQLite: the backup holds {len(held)} of {len(committed)} members: it was not taken "
                        "while the writer wrote")
    return failures


def drill_python(drill: Any) -> str:
    return os.environ.get("CHIBO_PYTHON") or sys.executable
