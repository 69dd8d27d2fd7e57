"""The backup drill (``python -m drills backup --size small``) as an operator runs it: a cluster of
its own (``scripts/cluster up --db-only``, under build/ on free ports), a base backup restored to
the end and to a second, a dump, an online SQLite copy and the media files, each equal to its
original table by table. The PostgreSQL stage only, as root (PostgreSQL runs as the postgres user).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN_SETTINGS = ("DATABASE_URL", "DATABASE_POOLER", "DATABASE_REPLICA_URL", "DATABASE_DIRECT_URL", "REDIS_URL",
                "CHIBO_QUEUE_NAME", "CHIBO_MEDIA_DIR", "CHIBO_DATA_DIR", "CHIBO_JOBS_IMMEDIATE",
                "DJANGO_SETTINGS_MODULE", "BACKUP_DIR", "WAL_ARCHIVE")


@pytest.fixture
def drill_output() -> str:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the backup drill runs in the PostgreSQL stage (DATABASE_URL=postgres://…)")
    if os.geteuid() != 0:
        pytest.skip("the drill's cluster runs PostgreSQL as the postgres user: run the tests as root")
    if not Path("/usr/lib/postgresql/15/bin/pg_basebackup").exists():
        pytest.skip("PostgreSQL 15 is missing: scripts/ensure-postgres")
    env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}
    workdir = ROOT / "build" / f"drill-backup-test-{os.getpid()}"
    done = subprocess.run([sys.executable, "-m", "drills", "backup", "--size", "small", "--dir", str(workdir)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert not workdir.exists(), "the drill left its directory behind"
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_backup_drill_restores_every_backup_equal_to_its_original(drill_output):
    out = drill_output
    tables = int(re.search(r"fingerprint F0.*\n  (\d+) tables", out).group(1))
    assert tables > 50
    for what in ("restored to the end = F1", "restored to T ", "dump restored = F0", "SQLite restored = backup",
                 "SQLite backup after the writer stopped = source"):
        assert re.search(rf"{re.escape(what)}.*: equal — {tables} tables, [\d,]+ rows", out), what
    assert out.count("check: migrate --check: the schema matches the code") == 4
    assert out.count("check: tallies --verify: All tallies agree with a recount.") == 4
    assert re.search(r"media restored = source: \d+ files, equal sha256", out)
    assert re.search(r"SQLite restored: integrity_check ok; holds \d+ of the writer's \d+ members", out)
    assert re.search(r"base backup: \S+ \([\d.]+[KMG]?B in [\d.]+ s; WAL from", out)
    assert re.search(r"pitr: .* accepting writes; [\d.]+ s", out)
    assert re.search(r"to [\d-]+ [\d:]+\+00: exit 1: restore: the archive does not yet reach .*pg_switch_wal", out)
    assert out.count("stop: removed ") == 2  # the restored servers, stopped and removed by scripts/restore stop
    assert "backup drill passed" in out
    # the writes between the fingerprints show: the dump's moment < T < the end
    rows = {name: int(n.replace(",", "")) for name, n in
            re.findall(r"(restored to the end = F1|restored to T [^=]+= FT|dump restored = F0): equal — \d+ tables, "
                       r"([\d,]+) rows", out)}
    at_dump = next(v for k, v in rows.items() if k.startswith("dump"))
    at_t = next(v for k, v in rows.items() if k.startswith("restored to T"))
    at_end = rows["restored to the end = F1"]
    assert at_dump < at_t < at_end


# --- the commands' refusals: no cluster needed, both stages ------------------------------------------
def _run(*cmd: str, **settings: str) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}, "LOG_LEVEL": "WARNING", **settings}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _sqlite_database(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.executemany("INSERT INTO t (v) VALUES (?)", [(f"row {i}",) for i in range(100)])
    conn.commit()
    conn.close()


def test_backup_without_backup_dir_says_what_to_set():
    done = _run("scripts/backup", "dump")
    assert done.returncode == 1
    assert done.stderr == ("backup: BACKUP_DIR is not set: export BACKUP_DIR=/path/to/backups "
                           "(on another disk or machine)\n")


def test_backup_sqlite_copies_a_database_in_use_and_never_overwrites(tmp_path):
    source, dest = tmp_path / "chibo.sqlite3", tmp_path / "backup.sqlite3"
    _sqlite_database(source)
    writer = sqlite3.connect(source)  # an open connection with a write not yet checkpointed
    writer.execute("INSERT INTO t (v) VALUES ('in the WAL')")
    writer.commit()
    done = _run(sys.executable, "-m", "chibo", "backup-sqlite", str(dest), "--source", str(source),
                CHIBO_DATA_DIR=str(tmp_path))
    writer.close()
    assert done.returncode == 0, done.stderr
    assert "integrity check ok" in done.stdout
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT count(*), max(v) FROM t").fetchone() == (101, "row 99")
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    again = _run(sys.executable, "-m", "chibo", "backup-sqlite", str(dest), "--source", str(source),
                 CHIBO_DATA_DIR=str(tmp_path))
    assert again.returncode == 1
    assert "exists: choose a new file name" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []


def test_restore_sqlite_refuses_a_database_a_process_has_open(tmp_path):
    backup, live = tmp_path / "backup.sqlite3", tmp_path / "live" / "chibo.sqlite3"
    _sqlite_database(backup)
    live.parent.mkdir()
    _sqlite_database(live)
    service = sqlite3.connect(live)
    service.execute("SELECT count(*) FROM t").fetchone()
    try:
        done = _run("scripts/restore", "sqlite", str(backup), "--into", str(live))
    finally:
        service.close()
    assert done.returncode == 1
    assert f"{live} is open in process(es) {os.getpid()}: stop the service first (or add --force)" in done.stderr
    assert sorted(p.name for p in live.parent.iterdir()) == ["chibo.sqlite3"]  # nothing moved or removed


def test_restore_pitr_refuses_a_directory_that_is_not_a_base_backup(tmp_path):
    done = _run("scripts/restore", "pitr", "--base", str(tmp_path), "--target", "latest", "--into",
                str(tmp_path / "new"), "--port", "5999")
    assert done.returncode == 1
    assert "is not a base backup of scripts/backup base" in done.stderr
    assert not (tmp_path / "new").exists()


def test_restore_stop_refuses_a_directory_that_is_not_a_restored_copy(tmp_path):
    (tmp_path / "postgresql.auto.conf").write_text("port = 5432\n")  # e.g. the primary's own
    done = _run("scripts/restore", "stop", str(tmp_path), "--remove")
    assert done.returncode == 1
    assert "is not a server restored by scripts/restore pitr" in done.stderr
    assert (tmp_path / "postgresql.auto.conf").exists()


def test_backup_dump_is_private_and_keeps_the_url_off_the_command_line(tmp_path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    backups = tmp_path / "backups"
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"  # a database that exists
    done = _run("bash", "-x", "scripts/backup", "dump", BACKUP_DIR=str(backups), DATABASE_DIRECT_URL=url)
    assert done.returncode == 0, done.stderr
    dump = next((backups / "dump").iterdir())
    assert dump.stat().st_mode & 0o777 == 0o600
    assert (backups / "dump").stat().st_mode & 0o777 == 0o700
    # bash -x shows every command as run: pg_dump and psql get no URL (libpq variables instead)
    runs = [line for line in done.stderr.splitlines() if "/pg_dump " in line or "/psql " in line]
    assert runs and not any("postgres://" in line for line in runs)
