"""The point-in-time restore benchmark (issue 14): ``python -m chibo bench pitr --size province|nation``.

Measures on the cluster's primary (``scripts/cluster up``; run with ``eval "$(scripts/cluster env)"``
so that ``DATABASE_DIRECT_URL`` and ``CHIBO_CLUSTER_DIR`` point at it), each beside a baseline in
the same run:

* the base backup (``scripts/backup base``: pg_basebackup, tar, gzip level 1, WAL from the
  archive): time and size, beside ``pg_dump -Fc`` of the same database (``scripts/backup dump``);
* the point-in-time restore of that base backup to a second T taken between two phases of writes
  made after it (``scripts/restore pitr``: extract, replay the archived WAL, promote, accept
  writes), beside ``pg_restore`` of the dump into a new database (``scripts/restore dump``). The
  checks each restore runs (``migrate --check``, ``tallies --verify``) are timed apart.

Budget: the national database restored to a point in time within 30 minutes. The data set is
loaded when the database is empty (the foundation bench's load); results go to
``bench/results/pitr-<size>.json``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.report import Figure, Report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PGBIN = Path("/usr/lib/postgresql/15/bin")
BUDGET_SECONDS = {"nation": 1800.0}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench pitr", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--rounds", type=int, default=50, help="rounds of service writes before and after T")
    p.add_argument("--work-dir", type=Path, default=None,
                   help="backups and the restored server (default build/pitr-bench-<size>; removed afterwards)")
    p.add_argument("--no-dump", action="store_true", help="leave out the pg_dump / pg_restore baseline")
    p.add_argument("--keep", action="store_true", help="keep the backups and the restored data directory")
    p.add_argument("--out", type=Path, default=None, help="results file (default bench/results/pitr-<size>.json)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.core.management import call_command
    from django.db import connection

    args = parse(argv)
    env = _environment(args)
    out = args.out or RESULTS / f"pitr-{args.size}.json"
    report = Report("pitr", args.size, connection.vendor)
    if connection.vendor != "postgresql":
        raise SystemExit("bench pitr needs the cluster's PostgreSQL: eval \"$(scripts/cluster env)\" first")
    if os.environ.get("DATABASE_POOLER"):
        raise SystemExit("run bench pitr against the primary itself, not through PgBouncer: "
                         "DATABASE_URL=$DATABASE_DIRECT_URL DATABASE_POOLER= python -m chibo bench pitr …")
    call_command("migrate", verbosity=0)  # a new database needs the schema first
    work = Path(env["BACKUP_DIR"]).parent
    _load_if_empty(args, work)
    print(f"pitr bench, size {args.size}: database {_database_size()}, work directory {work}", flush=True)
    try:
        _measure(report, args, env, work)
    finally:
        report.write(out)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(report.table())
    print(f"\nwritten to {out}")
    return report


def _measure(report: Report, args: argparse.Namespace, env: dict[str, str], work: Path) -> None:
    base_out, base_s = _timed(env, "scripts/backup", "base")
    base_dir = Path(re.search(r"base backup: (\S+) \(", base_out).group(1))  # type: ignore[union-attr]
    base_bytes = _du(base_dir)
    dump_s = dump_bytes = None
    if not args.no_dump:
        dump_out, dump_s = _timed(env, "scripts/backup", "dump")
        dump_file = Path(re.search(r"dump: (\S+) \(", dump_out).group(1))  # type: ignore[union-attr]
        dump_bytes = dump_file.stat().st_size
    report.add(Figure("base backup (pg_basebackup, tar gzip:1)", base_s, "s", baseline=dump_s,
                      baseline_name="pg_dump -Fc"))
    report.add(Figure("base backup size", round(base_bytes / 1e6, 1), "MB",
                      baseline=round(dump_bytes / 1e6, 1) if dump_bytes else None, baseline_name="the dump",
                      note=f"database {_database_size()}"))
    report.write(args.out or RESULTS / f"pitr-{args.size}.json")
    target, wal = _writes_around_a_second(env, args.rounds)
    port = _free_port()
    into = work / "restored"
    try:
        pitr_out, total_s = _timed(env, "scripts/restore", "pitr", "--base", str(base_dir), "--target", target,
                                   "--into", str(into), "--port", str(port))
    finally:
        _stop(into)
    restore_s = float(re.search(r"accepting writes; ([\d.]+) s", pitr_out).group(1))  # type: ignore[union-attr]
    extract_s = float(re.search(r"\(extract ([\d.]+) s\)", pitr_out).group(1))  # type: ignore[union-attr]
    dump_restore_s = _dump_restore(env, dump_file) if not args.no_dump else None
    report.add(Figure(f"PITR restore to T ({args.rounds} + {args.rounds} rounds of writes around it)", restore_s,
                      "s", baseline=dump_restore_s, baseline_name="pg_restore of the dump",
                      budget=BUDGET_SECONDS.get(args.size),
                      note=f"extract {extract_s:.0f} s, replay and promote {restore_s - extract_s:.0f} s; "
                           f"{wal} of WAL archived after the backup; checks after it "
                           f"(migrate --check, tallies --verify) {total_s - restore_s:.0f} s"))
    report.context.update(target=target, base_output=base_out.strip(), pitr_output=pitr_out.strip())


def _environment(args: argparse.Namespace) -> dict[str, str]:
    work = (args.work_dir or ROOT / "build" / f"pitr-bench-{args.size}").resolve()
    if work.exists():
        shutil.rmtree(work)
    env = {**os.environ, "BACKUP_DIR": str(work / "backups"), "LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    direct = env.get("DATABASE_DIRECT_URL") or env.get("DATABASE_URL", "")
    env.update(DATABASE_URL=direct, DATABASE_DIRECT_URL=direct, DATABASE_POOLER="", DATABASE_REPLICA_URL="")
    return env


def _load_if_empty(args: argparse.Namespace, work: Path) -> None:
    from chibo.demo import dbtools

    if dbtools.is_empty():
        from bench import foundation

        print(f"the database is empty: loading the {args.size} data set (bench foundation's load)…", flush=True)
        # its figures go to the work directory, not over the foundation bench's results
        skip = [arg for part in ("counts", "list", "search", "page", "worker", "import") for arg in ("--skip", part)]
        foundation.main(["--size", args.size, "--out", str(work / "foundation-load.json"), *skip])


def _writes_around_a_second(env: dict[str, str], rounds: int) -> tuple[str, str]:
    """Writes through the services, the second T, more writes; the WAL archived. Returns T and
    the size of the WAL written since the backup."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_wal_lsn()")
        start = cur.fetchone()[0]
    phase = 10 + int(time.time() // 60) % 40 * 2  # two phases a run, new citizen IDs each minute
    _run(env, sys.executable, "-m", "drills.writes", "--phase", str(phase), "--count", str(rounds))
    time.sleep(1.1)
    with connection.cursor() as cur:
        cur.execute("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'")
        target = cur.fetchone()[0]
    time.sleep(1.1)
    _run(env, sys.executable, "-m", "drills.writes", "--phase", str(phase + 1), "--count", str(rounds))
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)), "
                    "pg_walfile_name(pg_switch_wal() - 1)", [start])
        wal, segment = cur.fetchone()
        deadline = time.monotonic() + 600
        while True:
            cur.execute("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
            if cur.fetchone()[0] >= segment or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    print(f"  T = {target}; {wal} of WAL since the base backup", flush=True)
    return target, wal


def _dump_restore(env: dict[str, str], dump_file: Path) -> float:
    url = env["DATABASE_DIRECT_URL"].rsplit("/", 1)[0] + f"/chibo_pitr_bench_{os.getpid()}"
    try:
        out, total = _timed(env, "scripts/restore", "dump", str(dump_file), "--into", url)
        return float(re.search(r"restored into \S+ in ([\d.]+) s", out).group(1))  # type: ignore[union-attr]
    finally:
        subprocess.run([str(PGBIN / "dropdb"), "--if-exists", f"--maintenance-db={url.rsplit('/', 1)[0]}/postgres",
                        url.rsplit("/", 1)[1]], capture_output=True)


def _timed(env: dict[str, str], *cmd: str) -> tuple[str, float]:
    print(f"  {' '.join(cmd)}", flush=True)
    t0 = time.perf_counter()
    out = _run(env, *cmd)
    seconds = round(time.perf_counter() - t0, 1)
    for line in out.strip().splitlines():
        print(f"    {line}", flush=True)
    return out, seconds


def _run(env: dict[str, str], *cmd: str) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def _database_size() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cur.fetchone()[0]


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(data: Path) -> None:
    if not (data / "postmaster.pid").exists():
        return
    cmd = [str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "120", "stop"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, capture_output=True)
