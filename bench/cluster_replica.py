"""Replica reads while an import writes to the primary (issue 14).

A province's committee leader (a bench account with a confirmed TOTP device, so the console's
two-factor check passes) opens the pages ``chibo.core.replica`` sends to the replica: the
province's page, its progress dashboard, its attendance statistics, its dues arrears and its
review results of last year. ``bench/loadgen.py`` sends them through nginx at a fixed open-loop rate,
(a) with nothing else running, the baseline, and (b) while another process imports a members
file of ``rows`` generated members into a bench province (``bench/importing.py``) on the
primary, over and over, each import in a transaction that is rolled back, so the registry is
left as it was (the primary writes and streams the WAL all the same).

As in ``bench/cluster_capacity.py``, machines are modelled by CPU quotas (cgroup v1): the
primary (the postmaster and its processes: the backends it forks later join them) and the
importing process (the worker's machine) are each held to ``cpus`` of a core, in both runs, so
that the import cannot take the CPUs that the replica and the app servers, on machines of their
own in production, would keep.

The counters that show where the reads went: each PostgreSQL server's own (``pg_stat_database``:
transactions and rows returned in the ``chibo`` database) before and after each run, and how many
of the reads each app server answered (nginx's access log, ``upstream=``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.report import Figure, Report

USERNAME = "bench-cluster-leader"
PAGES = [("unit", "console:unit"), ("progress", "console:progress"), ("attendance", "console:attendance"),
         ("arrears", "console:dues_arrears"), ("review", "console:review_results")]  # last year's review
COUNTERS = "SELECT xact_commit, tup_returned, tup_fetched FROM pg_stat_database WHERE datname = 'chibo'"
REPOSITORY = Path(__file__).resolve().parents[1]


def officer(province: Any) -> dict[str, Any]:
    """A session of the province's committee leader, two-factor checked: the load generator's user."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chibo.accounts.models import RoleGrant, User
    from chibo.accounts.roles import Role

    user, _ = User.objects.get_or_create(username=USERNAME)
    RoleGrant.objects.filter(user=user).exclude(unit=province).delete()
    RoleGrant.objects.get_or_create(user=user, unit=province, role=Role.COMMITTEE_LEADER,
                                    defaults={"valid_from": dt.date(2020, 1, 1)})
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash(), DEVICE_ID_SESSION_KEY: device.persistent_id})
    session.create()
    return {"session": session.session_key, "csrf": "x" * 32, "unit": province.pk}


def actions() -> dict[str, tuple[str, str, int]]:
    from django.urls import reverse
    from django.utils import timezone

    mark = 987654321  # a placeholder id: the load generator puts the user's unit in its place
    extra = {"console:review_results": [timezone.localdate().year - 1]}
    return {name: ("GET", reverse(url, args=[mark, *extra.get(url, [])]).replace(str(mark), "{unit}"), 200)
            for name, url in PAGES}


def counters(cluster: Any) -> dict[str, dict[str, int]]:
    out = {}
    for name in ("primary", "replica"):
        values = cluster.psql(COUNTERS, port=cluster.port_of(name)).split("|")
        out[name] = dict(zip(("transactions", "rows_returned", "rows_fetched"), map(int, values), strict=True))
    return out


def _delta(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {server: {k: after[server][k] - v for k, v in row.items()} for server, row in before.items()}


def served_by(log: Path, offset: int, paths: list[str]) -> dict[str, int]:
    """How many requests for ``paths`` each upstream answered in nginx's log after ``offset`` bytes."""
    counts: dict[str, int] = {}
    with log.open("rb") as f:
        f.seek(offset)
        for raw in f:
            line = raw.decode("utf-8", "replace")
            if any(f" {p}" in line for p in paths) and "upstream=" in line:
                upstream = line.split("upstream=", 1)[1].split()[0]
                counts[upstream] = counts.get(upstream, 0) + 1
    return counts


@contextlib.contextmanager
def importing(rows: int, work: Path, cpus: float) -> Iterator[subprocess.Popen]:
    """Another process, held to ``cpus`` of a core, importing ``rows`` members into the bench
    province, again and again (each rolled back), until the block ends; yields once it has begun
    writing."""
    from bench.cluster_capacity import cpu_quota

    ready = work / "import-started"
    ready.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")])}
    log = (work / "import.log").open("wb")
    child = subprocess.Popen([sys.executable, "-m", "bench.cluster_replica", str(rows), str(work)], env=env,
                             cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT)
    quota = contextlib.ExitStack()
    try:
        quota.enter_context(cpu_quota("import", cpus, [child.pid]))
        deadline = time.monotonic() + 600
        while not ready.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the import process stopped before writing: {(work / 'import.log').read_text()}")
            time.sleep(0.2)
        yield child
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        quota.close()
        log.close()


def _import_loop(rows: int, work: Path) -> None:
    """The import process's body (``python -m bench.cluster_replica ROWS WORK``)."""
    import django

    django.setup()
    from django.db import transaction

    from bench.importing import bench_cells, write_members_csv
    from chibo.accounts.policy import SYSTEM
    from chibo.imports.services import import_path

    path = work / "members.csv"
    written = write_members_csv(path, rows, bench_cells(rows, work))
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    (work / "import-started").touch()
    runs = 0
    while not stopping:
        started = time.perf_counter()
        with transaction.atomic():
            result = import_path(path, "members", actor=SYSTEM)
            transaction.set_rollback(True)
        runs += 1
        print(f"import {runs}: {written} rows, ok={result.ok}, {time.perf_counter() - started:.1f} s", flush=True)


def measure(report: Report, cluster: Any, province: Any, work: Path, *, rate: float, duration: float,
            rows: int, cpus: float) -> None:
    from bench.cluster_capacity import cpu_quota, server_processes
    from bench.handbook_load import drive

    user, table = officer(province), actions()
    mix = [(name, 1) for name, _ in PAGES]
    log = cluster.dir / "log" / "nginx-access.log"
    paths = sorted({spec[1].format(unit=province.pk) for spec in table.values()})
    runs: dict[str, Any] = {}
    drive(cluster.port_of("nginx"), [user], mix, rate, 10, work, seed=0, actions=table)  # warm-up
    with cpu_quota("primary", cpus, server_processes(cluster, "primary")):  # its new backends join the group
        for label in ("alone", "during import"):
            with importing(rows, work, cpus) if label == "during import" else contextlib.nullcontext():
                before, offset = counters(cluster), log.stat().st_size
                result = drive(cluster.port_of("nginx"), [user], mix, rate, duration, work, seed=1, actions=table)
                result["database_counters"] = _delta(before, counters(cluster))
                result["served_by"] = served_by(log, offset, paths)
            runs[label] = result
            print(f"    reads {label}: p95 {result['overall']['p95_ms']} ms, {result['overall']['errors']} errors, "
                  f"database counters {result['database_counters']}", flush=True)
    imports = (work / "import.log").read_text().splitlines()
    report.context["replica_reads"] = {"rate": rate, "duration_s": duration, "pages": table, "import_rows": rows,
                                       "cpus_of_the_primary_and_of_the_import": cpus,
                                       "imports": imports, **runs}
    _figures(report, runs["alone"], runs["during import"], rate=rate, duration=duration, imports=imports)


def _figures(report: Report, alone: dict, busy: dict, *, rate: float, duration: float, imports: list[str]) -> None:
    p95, base = busy["overall"]["p95_ms"], alone["overall"]["p95_ms"]
    report.add(Figure("replica reads: p95 during a members import", p95, "ms", baseline=base,
                      baseline_name="the same reads alone", budget=round(1.2 * base, 1) if base else None,
                      note=f"{rate:g} req/s for {duration:g} s through nginx; the primary and the import each "
                           f"held to {report.context['replica_reads']['cpus_of_the_primary_and_of_the_import']:g} "
                           "CPU; budget 1.2 × baseline; "
                           f"p50 {busy['overall']['p50_ms']} vs {alone['overall']['p50_ms']} ms; "
                           f"{len(imports)} imports ran (rolled back)"))
    report.add(Figure("replica reads: errors", busy["overall"]["errors"], "", baseline=alone["overall"]["errors"],
                      baseline_name="alone", budget=0,
                      note=f"of {busy['overall']['requests']} and {alone['overall']['requests']} requests"))
    for label, run in (("during import", busy), ("alone", alone)):
        counts = run["database_counters"]
        report.add(Figure(f"  replica transactions, {label}", counts["replica"]["transactions"], "",
                          baseline=counts["primary"]["transactions"], baseline_name="primary's",
                          note=f"rows returned: replica {counts['replica']['rows_returned']:,}, primary "
                               f"{counts['primary']['rows_returned']:,}; app servers: {run['served_by']}"))
    for action, row in busy["by_action"].items():
        report.add(Figure(f"  {action}: p95 during import", row["p95_ms"], "ms",
                          baseline=alone["by_action"][action]["p95_ms"], baseline_name="alone",
                          note=f"{row['requests']} requests, {row['errors']} errors"))


if __name__ == "__main__":
    _import_loop(int(sys.argv[1]), Path(sys.argv[2]))
