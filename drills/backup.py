"""The backup drill proves that nothing is lost between a backup and its restore: a base backup
with the WAL archive restored to the end and to a chosen second, a pg_dump, an online SQLite copy
taken while a writer writes, and the media files each come back with every table's row count and
content checksum equal to the original at that moment, and with tallies --verify clean.

    python -m drills backup [--size small|province|nation] [--keep]

On a cluster of its own (``scripts/cluster up --db-only``: primary, replica, WAL archive, under
build/ on free ports): load a data set; take a base backup and a dump; fingerprint every table
(F0); write through the services (phase 1); note the time T (WAL switched and archived);
fingerprint (FT); write more (phase 2); fingerprint (F1); then restore the base backup to the end
(= F1) and to T (= FT), and the dump (= F0), each checked by migrate --check and tallies --verify;
copy and restore the media files (= their checksums). SQLite: an online backup while a writer
registers members, restored (= the backup's fingerprint, integrity ok, tallies clean, the writer's
members a prefix of what it committed), and a second one after the writer stopped (= the source).
Exits 1 naming each table that differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from drills import fingerprint
from drills.backup_checks import SqlitePrep, media_checksums, sqlite_drill
from drills.cluster import ROOT, Cluster, free_port_base

PY = os.environ.get("CHIBO_PYTHON") or str(ROOT / ".venv" / "bin" / "python")
PGBIN = Path("/usr/lib/postgresql/15/bin")
# size: (preset, members, rounds of writes per phase)
SIZES = {"small": ("province", 3_000, 8), "province": ("province", None, 40), "nation": ("nation", None, 40)}


class DrillFailure(Exception):
    """A command of the drill failed; the message says which and shows its output."""


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m drills backup", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=tuple(SIZES), default="small",
                   help="small (3,000 members: seconds), province (~150,000) or nation (5.6 million)")
    p.add_argument("--keep", action="store_true", help="keep the directories (the servers are stopped anyway)")
    p.add_argument("--dir", type=Path, default=None, help="working directory (default build/drill-backup-<pid>)")
    return p.parse_args(argv)


def run(argv: list[str]) -> int:
    args = parse(argv)
    drill = BackupDrill(args)
    try:
        return drill.run()
    except DrillFailure as exc:
        print(f"\nFAILED: {exc}", flush=True)
        return 1
    finally:
        drill.clean_up()


def free_base_port() -> int:
    """A base port whose cluster ports (+1…+5) and restore ports (+20, +21) are all free."""
    try:
        return free_port_base((1, 2, 3, 4, 5, 20, 21), low=56_000, high=64_000, step=50)
    except RuntimeError as exc:
        raise DrillFailure("no free ports found between 56000 and 64000") from exc


class BackupDrill:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.dir = (args.dir or ROOT / "build" / f"drill-backup-{os.getpid()}").resolve()
        self.port = free_base_port()
        self.cluster = Cluster(self.dir / "cluster", self.port)
        self.backups = self.dir / "backups"
        self.restored: list[Path] = []  # data directories of the restored servers (to stop)
        self.failures: list[str] = []
        self.env: dict[str, str] = dict(os.environ)
        self.direct = ""
        self.started = time.perf_counter()

    # --- helpers ----------------------------------------------------------------------------------
    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        print(f"- {text}", flush=True)
        t0 = time.perf_counter()
        yield
        print(f"  … {time.perf_counter() - t0:.1f} s", flush=True)

    def sh(self, *cmd: str, env: dict[str, str] | None = None, show: bool = True, timeout: float = 7200) -> str:
        done = subprocess.run(cmd, env=env or self.env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        if done.returncode != 0:
            raise DrillFailure(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stdout}{done.stderr}")
        if show:
            for line in done.stdout.strip().splitlines():
                print(f"  {line}", flush=True)
        return done.stdout

    def chibo(self, *args: str, env: dict[str, str] | None = None, show: bool = False) -> str:
        return self.sh(PY, "-m", "chibo", *args, env=env, show=show)

    def compare(self, what: str, expected: fingerprint.Fingerprint, actual: fingerprint.Fingerprint,
                show: bool = True) -> list[str]:
        diff = fingerprint.differences(expected, actual)
        self.failures += [f"{what}: {line}" for line in diff]
        lines = ([f"{what}: {len(diff)} table(s) DIFFER:", *[f"  {line}" for line in diff]] if diff else
                 [f"{what}: equal — {len(actual)} tables, {fingerprint.rows(actual):,} rows"])
        if show:
            print(*(f"  {line}" for line in lines), sep="\n", flush=True)
        return lines

    # --- the drill --------------------------------------------------------------------------------
    def run(self) -> int:
        preset, members, rounds = SIZES[self.args.size]
        print(f"backup drill, size {self.args.size}: {self.dir}, ports {self.port}+", flush=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sqlite = SqlitePrep(self.dir / "sqlite", PY)  # the SQLite data set loads meanwhile
        with self.step("cluster up --db-only (primary, replica, WAL archive)"):
            self.cluster.up(db_only=True)
            self.env = self._app_env()
            self.direct = self.env["DATABASE_DIRECT_URL"]
        with self.step(f"load: migrate, generate --preset {preset}" + (f" --members {members:,}" if members else "")):
            self.chibo("migrate", "--noinput", "-v", "0")
            self.chibo("generate", "--preset", preset, *(["--members", str(members)] if members else []), show=True)
        with self.step("base backup and dump (scripts/backup base, dump)"):
            base = self._path_after("base backup: ", self.sh("scripts/backup", "base"))
            dump = self._path_after("dump: ", self.sh("scripts/backup", "dump"))
        with self.step("fingerprint F0 (the dump's moment)"):
            f0 = fingerprint.postgres(self.direct)
            print(f"  {len(f0)} tables, {fingerprint.rows(f0):,} rows", flush=True)
        target, ft = self._write_and_mark(rounds)
        with self.step(f"write phase 2 ({rounds} rounds), fingerprint F1, WAL archived"):
            self.sh(PY, "-m", "drills.writes", "--phase", "2", "--count", str(rounds))
            f1 = fingerprint.postgres(self.direct)
            self._archive_wal()
            print(f"  {fingerprint.rows(f1) - fingerprint.rows(ft):+,} rows since T", flush=True)
        with self.step("media backup (scripts/backup media)"):
            self.sh("scripts/backup", "media")
        with self.step("restore, side by side: the base backup to the end and to T (scripts/restore pitr), "
                       "the dump into a new database (scripts/restore dump)"):
            self._restore_all(base, dump, target, {"F0": f0, "FT": ft, "F1": f1})
        with self.step("a restore to a time the archive does not reach yet is refused, nothing left behind"):
            self._restore_beyond_archive(base)
        with self.step("restore the media files (scripts/restore media)"):
            self.sh("scripts/restore", "media", str(self.backups / "media"), "--into", str(self.dir / "media-restored"))
            self._compare_media(Path(self.env["CHIBO_MEDIA_DIR"]), self.dir / "media-restored")
        with self.step("SQLite: online backup while a writer writes, restore (scripts/backup, restore sqlite)"):
            self.failures += sqlite_drill(self)
        return self._verdict()

    def _write_and_mark(self, rounds: int) -> tuple[str, fingerprint.Fingerprint]:
        with self.step(f"write phase 1 ({rounds} rounds: members, admissions with a scan, meetings, transfers)"):
            self.sh(PY, "-m", "drills.writes", "--phase", "1", "--count", str(rounds))
        with self.step("T: the moment between the phases, fingerprint FT, WAL switched and archived"):
            time.sleep(1.1)  # T (whole seconds) falls after the last commit of phase 1 …
            target = self.cluster.psql(
                "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'")
            ft = fingerprint.postgres(self.direct)
            self._archive_wal()
            time.sleep(1.1)  # … and before the first of phase 2
            print(f"  T = {target}; {fingerprint.rows(ft):,} rows", flush=True)
        return target, ft

    def _restore_all(self, base: Path, dump: Path, target: str, prints: dict[str, fingerprint.Fingerprint]) -> None:
        with ThreadPoolExecutor(max_workers=3) as pool:
            jobs = [pool.submit(self._restore_pitr, base, "latest", self.port + 20, prints["F1"],
                                "restored to the end = F1"),
                    pool.submit(self._restore_pitr, base, target, self.port + 21, prints["FT"],
                                f"restored to T {target} = FT"),
                    pool.submit(self._restore_dump, dump, prints["F0"])]
            for job in jobs:
                print(*(f"  {line}" for line in job.result()), sep="\n", flush=True)

    def _restore_pitr(self, base: Path, target: str, port: int, expected: fingerprint.Fingerprint,
                      what: str) -> list[str]:
        into = self.dir / f"restored-{port}"
        self.restored.append(into)
        t0 = time.perf_counter()
        out = self.sh("scripts/restore", "pitr", "--base", str(base), "--target", target, "--into", str(into),
                      "--port", str(port), show=False)
        lines = [f"[pitr to {target}]", *out.strip().splitlines()]
        lines += self.compare(what, expected, fingerprint.postgres(f"postgres://postgres@127.0.0.1:{port}/chibo"),
                              show=False)
        stop = ["scripts/restore", "stop", str(into), *([] if self.args.keep else ["--remove"])]
        lines += self.sh(*stop, show=False).strip().splitlines()
        return [*lines, f"… {time.perf_counter() - t0:.1f} s"]

    def _restore_beyond_archive(self, base: Path) -> None:
        time.sleep(1.1)  # a second after the last archived commit
        target = self.cluster.psql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'")
        into = self.dir / "restored-beyond"
        done = subprocess.run(["scripts/restore", "pitr", "--base", str(base), "--target", target, "--into", str(into),
                               "--port", str(self.port + 22)], env=self.env, capture_output=True, text=True,
                              timeout=600, cwd=ROOT)
        said = done.stderr.strip().splitlines()[-1:] or ["(nothing)"]
        print(f"  to {target}: exit {done.returncode}: {said[0]}", flush=True)
        if done.returncode == 0 or f"the archive does not yet reach {target}" not in done.stderr:
            self.failures.append(f"a restore beyond the archive ({target}) was not refused plainly")
        if into.exists():
            self.failures.append(f"the refused restore left {into} behind")

    def _restore_dump(self, dump: Path, expected: fingerprint.Fingerprint) -> list[str]:
        t0 = time.perf_counter()
        url = self.direct.rsplit("/", 1)[0] + "/chibo_from_dump"
        out = self.sh("scripts/restore", "dump", str(dump), "--into", url, show=False)
        lines = ["[dump]", *out.strip().splitlines()]
        lines += self.compare("dump restored = F0", expected, fingerprint.postgres(url), show=False)
        return [*lines, f"… {time.perf_counter() - t0:.1f} s"]

    def _archive_wal(self, timeout: float = 120) -> None:
        """Close the current WAL segment and wait until the archive has it."""
        segment = self.cluster.psql("SELECT pg_walfile_name(pg_switch_wal() - 1)", db="postgres")
        deadline = time.monotonic() + timeout
        while (self.cluster.psql("SELECT coalesce(last_archived_wal, '')  FROM pg_stat_archiver", db="postgres")
               or "") < segment:
            if time.monotonic() > deadline:
                raise DrillFailure(f"WAL segment {segment} was not archived within {timeout:.0f} s")
            time.sleep(0.2)

    def _compare_media(self, source: Path, restored: Path) -> None:
        want, got = media_checksums(source), media_checksums(restored)
        if not want:
            self.failures.append("media: the writes stored no file (nothing to compare)")
        wrong = sorted(name for name in want if got.get(name) != want[name])
        if wrong:
            self.failures += [f"media: {name} missing or different after the restore" for name in wrong]
            print(f"  media: {len(wrong)} of {len(want)} files DIFFER: {', '.join(wrong[:10])}", flush=True)
        else:
            print(f"  media restored = source: {len(want)} files, equal sha256", flush=True)

    def _verdict(self) -> int:
        total = time.perf_counter() - self.started
        if self.failures:
            print(f"\nbackup drill FAILED in {total:.1f} s:", *self.failures, sep="\n  ", flush=True)
            return 1
        print(f"\nbackup drill passed in {total:.1f} s: every restore equals its original.", flush=True)
        return 0

    # --- set-up and clean-up ----------------------------------------------------------------------
    def _app_env(self) -> dict[str, str]:
        cluster = self.cluster.env()
        env = {**os.environ, **cluster}
        env.update(DATABASE_URL=cluster["DATABASE_DIRECT_URL"], DATABASE_POOLER="", DATABASE_REPLICA_URL="",
                   REDIS_URL="", CHIBO_DATA_DIR=str(self.dir / "app"), BACKUP_DIR=str(self.backups),
                   WAL_ARCHIVE=str(self.cluster.dir / "wal-archive"), LOG_LEVEL="WARNING",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        return env

    @staticmethod
    def _path_after(prefix: str, output: str) -> Path:
        for line in output.splitlines():
            if line.startswith(prefix):
                return Path(line.removeprefix(prefix).split(" (")[0])
        raise DrillFailure(f"no line starting with {prefix!r} in:\n{output}")

    def _stop_restored(self, data: Path) -> None:
        if not (data / "postmaster.pid").exists():
            return
        cmd = [str(PGBIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "60", "stop"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, capture_output=True, timeout=90)

    def clean_up(self) -> None:
        if getattr(self, "sqlite", None):
            self.sqlite.stop()
        for data in self.restored:
            self._stop_restored(data)
        try:
            self.cluster.down(purge=not self.args.keep, purge_archive=not self.args.keep)
        except Exception as exc:  # noqa: BLE001 — clean-up reports and goes on
            print(f"cluster down failed: {exc}", file=sys.stderr)
        if self.args.keep:
            print(f"kept: {self.dir} (servers stopped; 'scripts/cluster up --db-only' with "
                  f"CHIBO_CLUSTER_DIR={self.cluster.dir} CHIBO_CLUSTER_PORT={self.port} starts it again)")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
