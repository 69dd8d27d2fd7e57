"""Replica reads while an import writes to the primary (issue 14).

A province's committee leader (a bench account with a confirmed TOTP device, so the console's
two-factor check passes) opens the pages ``chibo.core.replica`` sends to the replica: the
province's page, its progress dashboard, its attendance statistics, its dues arrears and its
review results of last year. ``bench/loadgen.py`` sends them through nginx at a fixed open-loop rate,
(a) with nothing else running, the baseline, and (b) while another process imports a members
file of ``rows`` generated members into a bench province (``bench/importing.py``) on the
primary, over and over, each import in a transaction that is rolled back, so the registry is
left as it was (the primary writes and streams the WAL all the same).

**The machines model.** This machine has two cores. The two sides of the topology are pinned
to a core each with cgroup v1 cpuset groups (``/sys/fs/cgroup/cpuset/chibo-bench-writers`` and
``…-readers``), as if they were separate machines: the writers' side, the primary (the
postmaster and its processes: the backends it forks later join them) and the importing process
(the worker's machine), on ``writer_core``; the readers' side, the replica, nginx, the two app
servers, PgBouncer and the bench itself with its load generator, on the other core(s). Within
the writers' core, as in ``bench/cluster_capacity.py``, the primary and the import are also each
held to ``cpus`` of a core by a CPU quota (0: none). The same model holds in both runs; Redis,
the idle huey workers and whatever else runs on the machine keep every core. The groups are
removed and every process goes back to the root groups afterwards, failure or not.

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
def importing(rows: int, work: Path, cpus: float, pin: Path | None = None) -> Iterator[subprocess.Popen]:
    """Another process, held to ``cpus`` of a core (0: no quota) and pinned to the cpuset group
    ``pin`` (the writers' side) when given, importing ``rows`` members into the bench province,
    again and again (each rolled back), until the block ends; yields once it has begun writing."""
    from bench.cluster_capacity import _join, cpu_quota

    ready = work / "import-started"
    ready.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")])}
    log = (work / "import.log").open("wb")
    child = subprocess.Popen([sys.executable, "-m", "bench.cluster_replica", str(rows), str(work)], env=env,
                             cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT)
    quota = contextlib.ExitStack()
    try:
        if pin is not None:
            _join(pin, child.pid)
        if cpus > 0:
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


def sides(cluster: Any) -> dict[str, dict[str, list[int]]]:
    """The processes of each side of the machines model: pieces and their pids."""
    from bench.cluster_capacity import server_processes

    readers = {name: server_processes(cluster, name) for name in ("replica", "nginx", "app-1", "app-2", "pgbouncer")}
    return {"writers": {"primary": server_processes(cluster, "primary")},
            "readers": {**readers, "bench and load generator": [os.getpid()]}}


@contextlib.contextmanager
def machines(cluster: Any, writer_core: int | None) -> Iterator[dict[str, Any]]:
    """Pin the writers' side to ``writer_core`` and the readers' side to the other cores (see the
    module's text); yields the model (cores, pieces, the writers' group). None: no pinning."""
    from bench.cluster_capacity import CGROUP_CPUSET, allowed_cores, cpu_list, cpuset

    if writer_core is None:
        yield {"pinned": False, "writers_group": None}
        return
    cores = cpu_list((CGROUP_CPUSET / "cpuset.cpus").read_text())
    others = [core for core in cores if core != writer_core]
    if writer_core not in cores or not others:
        raise SystemExit(f"Cannot pin the writers to core {writer_core} and the readers to the others: the "
                         f"machine has cores {cores}. Choose another --writer-core, or --no-pin.")
    pieces = sides(cluster)
    with cpuset("writers", [writer_core], [p for pids in pieces["writers"].values() for p in pids]) as writers, \
            cpuset("readers", others, [p for pids in pieces["readers"].values() for p in pids]):
        model = {"pinned": True, "writers_group": writers,
                 "cores": {"writers": [writer_core], "readers": others},
                 "pieces": {side: {name: len(pids) for name, pids in group.items()} for side, group in pieces.items()},
                 "allowed_cores": {name: allowed_cores(pids[0]) for group in pieces.values()
                                   for name, pids in group.items()}}
        yield model


def _quota(group: Path | None) -> tuple[dict[str, float], float]:
    """The quota group's throttling and CPU seconds so far (nothing without a group)."""
    from bench.cluster_capacity import throttling, usage_s

    return (throttling(group), usage_s(group)) if group is not None else ({}, 0.0)


def core_times(stat: str | None = None) -> dict[str, tuple[int, int, int]]:
    """Per core, the clock ticks so far (``/proc/stat``): busy (user, nice, system, irq, softirq,
    steal), waiting for I/O, and all."""
    out = {}
    for line in (stat if stat is not None else Path("/proc/stat").read_text()).splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            user, nice, system, idle, iowait, irq, softirq, steal = map(int, values[:8])
            out[name] = (user + nice + system + irq + softirq + steal, iowait,
                         user + nice + system + idle + iowait + irq + softirq + steal)
    return out


def core_shares(before: dict[str, tuple[int, int, int]],
                after: dict[str, tuple[int, int, int]]) -> dict[str, dict[str, float]]:
    """Each core's share of the time between two ``core_times``: busy and waiting for I/O."""
    shares = {}
    for core, (busy, iowait, total) in after.items():
        span = max(total - before[core][2], 1)
        shares[core] = {"busy": round((busy - before[core][0]) / span, 2),
                        "iowait": round((iowait - before[core][1]) / span, 2)}
    return shares


def replay_cpu_s(cluster: Any) -> float:
    """CPU seconds the replica's WAL replay (its ``startup`` process) has used so far."""
    from drills.app_server_kill import _children

    for pid in _children(cluster.pid("replica") or 0):
        try:
            if b"startup" in Path(f"/proc/{pid}/cmdline").read_bytes():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return 0.0


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def measure(report: Report, cluster: Any, province: Any, work: Path, *, rate: float, duration: float,
            rows: int, cpus: float, writer_core: int | None = 0) -> None:
    from bench.cluster_capacity import cpu_quota, server_processes
    from bench.handbook_load import drive

    user, table = officer(province), actions()
    mix = [(name, 1) for name, _ in PAGES]
    log = cluster.dir / "log" / "nginx-access.log"
    paths = sorted({spec[1].format(unit=province.pk) for spec in table.values()})
    runs: dict[str, Any] = {}
    with machines(cluster, writer_core) as model, \
            (cpu_quota("primary", cpus, server_processes(cluster, "primary")) if cpus > 0  # its new backends join
             else contextlib.nullcontext()) as primary:
        drive(cluster.port_of("nginx"), [user], mix, rate, 10, work, seed=0, actions=table)  # warm-up
        for label in ("alone", "during import"):
            loads, quota, cores, replay = [_load()], _quota(primary), core_times(), replay_cpu_s(cluster)
            with importing(rows, work, cpus, model["writers_group"]) if label == "during import" \
                    else contextlib.nullcontext():
                before, offset = counters(cluster), log.stat().st_size
                result = drive(cluster.port_of("nginx"), [user], mix, rate, duration, work, seed=1, actions=table)
                result["database_counters"] = _delta(before, counters(cluster))
                result["served_by"] = served_by(log, offset, paths)
            result["load_average"] = [*loads, _load()]
            result["cores"] = core_shares(cores, core_times())
            result["wal_replay_cpu_s"] = round(replay_cpu_s(cluster) - replay, 1)
            if primary is not None:
                now = _quota(primary)
                result["primary_quota"] = {**{k: round(v - quota[0][k], 2) for k, v in now[0].items()},
                                           "cpu_s": round(now[1] - quota[1], 1)}
            runs[label] = result
            print(f"    reads {label}: p95 {result['overall']['p95_ms']} ms, {result['overall']['errors']} errors, "
                  f"database counters {result['database_counters']}, load average {result['load_average']}, "
                  f"primary's quota {result.get('primary_quota')}, cores {result['cores']}, "
                  f"the replica's WAL replay {result['wal_replay_cpu_s']} CPU-s", flush=True)
    imports = (work / "import.log").read_text().splitlines()
    report.context["replica_reads"] = {"rate": rate, "duration_s": duration, "pages": table, "import_rows": rows,
                                       "cpus_of_the_primary_and_of_the_import": cpus,
                                       "machines": {k: v for k, v in model.items() if k != "writers_group"},
                                       "imports": imports, **runs}
    _figures(report, runs["alone"], runs["during import"], rate=rate, duration=duration, imports=imports)


def model_text(context: dict[str, Any]) -> str:
    """The machines model of the run, in a few words, for the figure's note."""
    cpus, machines_ = context["cpus_of_the_primary_and_of_the_import"], context["machines"]
    quota = f"the primary and the import each held to {cpus:g} CPU" if cpus > 0 else "no CPU quota"
    if not machines_.get("pinned"):
        return quota
    cores = machines_["cores"]
    return (f"writers (primary, import) pinned to core {','.join(map(str, cores['writers']))}, readers (replica, "
            f"nginx, app servers, PgBouncer, load generator) to core {','.join(map(str, cores['readers']))} "
            f"(cpuset); {quota}")


def _figures(report: Report, alone: dict, busy: dict, *, rate: float, duration: float, imports: list[str]) -> None:
    p95, base = busy["overall"]["p95_ms"], alone["overall"]["p95_ms"]
    report.add(Figure("replica reads: p95 during a members import", p95, "ms", baseline=base,
                      baseline_name="the same reads alone", budget=round(1.2 * base, 1) if base else None,
                      note=f"{rate:g} req/s for {duration:g} s through nginx; "
                           f"{model_text(report.context['replica_reads'])}; budget 1.2 × baseline; "
                           f"p50 {busy['overall']['p50_ms']} vs {alone['overall']['p50_ms']} ms; "
                           f"{len(imports)} imports ran (rolled back); load average {alone['load_average']} alone, "
                           f"{busy['load_average']} during"))
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
