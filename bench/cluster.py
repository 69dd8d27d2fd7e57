"""The cluster's performance budgets (issue 14): ``python -m chibo bench cluster --size province``.

Measured on a running cluster (``scripts/cluster up``), the one of ``CHIBO_CLUSTER_DIR`` and
``CHIBO_CLUSTER_PORT``, loaded with a data set (``generate --preset province|nation`` against its
primary). The bench runs with the cluster's environment (``scripts/cluster env``), on the primary
directly; started with another database, it starts itself again with that environment. Parts
(``--skip`` leaves one out):

- ``scaleout`` (``bench/cluster_capacity.py``): the meeting evening's capacity on one app server
  directly and on nginx in front of two, each server held to ``--cpus`` of a core (cgroup quota);
  two servers ≥ 1.7× one, p95 ≤ 300 ms at that rate;
- ``replica`` (``bench/cluster_replica.py``): a province officer's report pages through nginx at a
  fixed rate, alone and while a members import writes to the primary, the writers' side and the
  readers' side pinned to a core each (cpuset groups, ``--no-pin`` to leave that out);
  p95 ≤ 1.2× alone;
- ``appkill`` and ``deadjob`` (``bench/cluster_recovery.py``): a killed app server out of rotation
  within 10 s, beside the same load's errors without a kill; a dead job re-run within 2 minutes,
  beside the job's normal run time.

Results in ``bench/results/cluster-<size>.json``; bench/README.md, "The cluster (issue 14)".
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.report import Report

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("scaleout", "replica", "appkill", "deadjob")
AGAIN = "CHIBO_BENCH_CLUSTER_ENV"  # set when the bench started itself again with the cluster's environment


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench cluster", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--members", type=int, default=150_000, help="pick the province nearest this many members")
    p.add_argument("--skip", action="append", default=[], choices=PARTS)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--users", type=int, default=6000, help="members with a session in the meeting evening")
    p.add_argument("--cpus", type=float, default=0.5, help="CPU quota of each app server (cores)")
    p.add_argument("--start", type=float, default=20, help="first rate tried on one server (req/s)")
    p.add_argument("--step", type=float, default=30, help="seconds of load per rate tried")
    p.add_argument("--precision", type=float, default=0.08, help="stop when the rates kept and missed are this close")
    p.add_argument("--read-rate", type=float, default=4, help="report pages per second")
    p.add_argument("--read-duration", type=float, default=60, help="seconds of reads, alone and during the import")
    p.add_argument("--import-rows", type=int, default=20_000, help="rows of the members file imported again and again")
    p.add_argument("--writer-cpus", type=float, default=None,
                   help="CPU quota of the primary and of the importing process each (cores; 0: none; default: "
                        "none when pinned, else 0.5)")
    p.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                   help="replica reads: pin the writers (primary, import) to --writer-core and the readers' side "
                        "(replica, nginx, app servers, PgBouncer, load generator) to the other cores (cpuset)")
    p.add_argument("--writer-core", type=int, default=0, help="the writers' core when pinned")
    p.add_argument("--kill-rate", type=float, default=None,
                   help="meeting-evening rate while app-1 is killed (req/s; default: 60%% of the two servers' "
                        "capacity when measured in the run, else 20)")
    p.add_argument("--kill-duration", type=float, default=45, help="seconds of that load (the kill at a third)")
    return p.parse_args(argv)


def cluster_handle() -> Any:
    from drills.cluster import DEFAULT_DIR, DEFAULT_PORT, Cluster

    return Cluster(os.environ.get("CHIBO_CLUSTER_DIR", DEFAULT_DIR),
                   int(os.environ.get("CHIBO_CLUSTER_PORT", DEFAULT_PORT)))


def bench_environment(cluster_env: dict[str, str]) -> dict[str, str]:
    """The cluster's application environment for the bench itself: the primary directly (as for
    every maintenance command), no pooler, no replica (its setup reads what it just wrote)."""
    env = {**cluster_env, "DATABASE_URL": cluster_env["DATABASE_DIRECT_URL"], AGAIN: "1"}
    for name in ("DATABASE_POOLER", "DATABASE_REPLICA_URL"):
        env.pop(name, None)
    return env


def _on_the_cluster(cluster: Any) -> bool:
    from django.db import connection

    settings = connection.settings_dict
    return connection.vendor == "postgresql" and str(settings["PORT"]) == str(cluster.port_of("primary")) \
        and settings["NAME"] == "chibo"


def _again(argv: list[str], env: dict[str, str]) -> None:
    """Start the bench again with ``env`` (the process is replaced)."""
    merged = {k: v for k, v in os.environ.items() if k not in ("DATABASE_POOLER", "DATABASE_REPLICA_URL")}
    merged.update(env)
    merged.setdefault("CHIBO_DATA_DIR", str(Path(env["CHIBO_MEDIA_DIR"]).parent / "bench"))
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "chibo", "bench", "cluster", *argv], merged)


def _stop(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # the finally blocks give the cgroups back and clean the data up


def main(argv: list[str] | None = None) -> Report:
    argv = list(sys.argv[3:] if argv is None else argv)
    args = parse(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    cluster = cluster_handle()
    ready, lines = cluster.status()
    if not ready:
        raise SystemExit(f"The cluster in {cluster.dir} (port base {cluster.port}) is not up:\n{lines}\n"
                         "Start it with 'scripts/cluster up --no-demo' and load a data set into its primary "
                         "(see bench/README.md, 'The cluster').")
    if not _on_the_cluster(cluster):
        if os.environ.get(AGAIN):
            raise SystemExit(f"The bench's database is not the cluster's primary (port {cluster.port_of('primary')}).")
        _again(argv, bench_environment(cluster.env()))
    return run(args, cluster, lines)


def _province(members: int) -> Any:
    from bench.handbook import _province as nearest
    from chibo.members.models import Member

    if not Member.objects.exists():
        raise SystemExit("The cluster's database holds no members: load a data set first, e.g. "
                         "'eval \"$(scripts/cluster env)\"; DATABASE_URL=$DATABASE_DIRECT_URL DATABASE_POOLER= "
                         "python -m chibo generate --preset province'.")
    return nearest(members)


def run(args: argparse.Namespace, cluster: Any, status: str) -> Report:
    from django.db import connection

    from bench.cluster_capacity import release_stale

    out = args.out or RESULTS / f"cluster-{args.size}.json"
    report = Report("cluster", args.size, connection.vendor)
    province = _province(args.members)
    report.context["cluster"] = {"dir": str(cluster.dir), "port": cluster.port, "status": status.splitlines(),
                                 "province": province.name, "options": {k: str(v) for k, v in vars(args).items()},
                                 "load_average_at_start": list(os.getloadavg()),
                                 "groups_left_by_an_earlier_run": release_stale()}
    print(f"cluster bench, size {args.size}, cluster {cluster.dir}, province {province.name}", flush=True)
    with tempfile.TemporaryDirectory(prefix="chibo-cluster-bench-") as tmp:
        work = Path(tmp)
        if {"scaleout", "appkill"} - set(args.skip):
            _evening(report, cluster, province, work, args, out)
        if "replica" not in args.skip:
            from bench.cluster_replica import measure

            print("replica reads during an import", flush=True)
            measure(report, cluster, province, work, rate=args.read_rate, duration=args.read_duration,
                    rows=args.import_rows, cpus=_writer_cpus(args),
                    writer_core=args.writer_core if args.pin else None)
            report.write(out)
        if "deadjob" not in args.skip:
            _dead_job(report, cluster, province)
            report.write(out)
    report.context["cluster"]["load_average_at_end"] = list(os.getloadavg())
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def _evening(report: Report, cluster: Any, province: Any, work: Path, args: argparse.Namespace, out: Path) -> None:
    from bench import handbook_load
    from bench.cluster_capacity import scale_out
    from bench.cluster_recovery import app_kill

    evening = None
    handbook_load.cleanup(None)  # what an interrupted run may have left
    try:
        evening = handbook_load.setup(province, args.users)
        print(f"  evening: {evening['meetings']:,} meetings, {len(evening['users']):,} members with a session",
              flush=True)
        if "scaleout" not in args.skip:
            print("meeting evening: one server, then two behind nginx", flush=True)
            scale_out(report, cluster, evening["users"], work, cpus=args.cpus, start=args.start, step=args.step,
                      precision=args.precision)
            report.write(out)
        if "appkill" not in args.skip:
            print("app-1 killed under the meeting-evening load", flush=True)
            app_kill(report, cluster, evening["users"], work, rate=_kill_rate(report, args.kill_rate),
                     duration=args.kill_duration)
            report.write(out)
    finally:
        handbook_load.cleanup(evening)


def _writer_cpus(args: argparse.Namespace) -> float:
    """The writers' CPU quota: as asked, else none when they have a core of their own, else 0.5."""
    if args.writer_cpus is not None:
        return args.writer_cpus
    return 0.0 if args.pin else 0.5


def _kill_rate(report: Report, asked: float | None) -> float:
    """The rate asked for, else 60% of the two servers' capacity measured in this run, else 20/s."""
    found = report.context.get("scale_out", {}).get("two servers", {}).get("rate")
    if asked:
        return asked
    return round(0.6 * found, 1) if found else 20.0


def _dead_job(report: Report, cluster: Any, province: Any) -> None:
    from bench.cluster_recovery import dead_job
    from bench.cluster_replica import USERNAME, officer
    from chibo.accounts.models import User

    print("a worker killed while it runs a job", flush=True)
    officer(province)
    dead_job(report, cluster, province, User.objects.get(username=USERNAME))
