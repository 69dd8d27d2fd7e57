"""The read replica stopped under load costs no error page; reads fall back to the
primary and return to the replica once it is back.

A province officer's dashboard and report pages (views marked ``replica_reads``: the unit page,
the progress dashboard, the unit tree) are read through nginx by several threads. The replica is
stopped (``pg_ctl stop -m fast``) in the middle of the load, then started again. Proved: no 5xx
and no unanswered request at any time; the statements per request counted on each server
(``pg_stat_database``) show the reads on the replica before, on the primary while it is down, and
on the replica again after it restarts. Figures: requests, errors, p95 before, during, after.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from drills.common import (
    Browser,
    DrillFailed,
    Load,
    Options,
    Report,
    drill_cluster,
    http_get,
    province_officer,
    run_drill,
    summary,
    wait_until,
)

NAME = "replica_stop"
PHASE_SECONDS = {True: 8.0, False: 30.0}  # --short, full
THREADS = 6
STATS_FLUSH = 1.5  # PostgreSQL publishes a backend's counters at most once a second


def run(args: Any = None) -> int:
    return run_drill(NAME, __doc__, args, _drill)


def _drill(report: Report, opts: Options) -> None:
    seconds = PHASE_SECONDS[opts.short]
    with drill_cluster(report, opts, NAME) as cluster:
        if cluster.pid("replica") is None:
            raise DrillFailed("the cluster has no replica running "
                              "(after a failover: 'scripts/cluster rebuild-replica')")
        officer = province_officer(NAME)
        browser = Browser(cluster.url)
        browser.log_in(officer)
        paths = [f"/units/{officer.unit_id}/", f"/units/{officer.unit_id}/progress/", "/units/"]
        for path in paths:
            if (status := browser.get(path).status) != 200:
                raise DrillFailed(f"{path} answered {status} to the logged-in officer before the drill")
        # the session only: the read-your-writes cookie of the login has no place in a later read
        cookie = f"sessionid={browser.cookies['sessionid'].value}"
        port = cluster.port_of("nginx")
        primary, replica = cluster.port_of("primary"), cluster.port_of("replica")

        def send(i: int) -> tuple[int, str]:
            path = paths[i % len(paths)]
            return http_get(port, path, cookie), path

        phases: dict[str, dict[str, Any]] = {}
        phases["before"] = _phase(cluster, send, seconds, {"primary": primary, "replica": replica})
        phases["during"] = _phase(cluster, send, seconds, {"primary": primary},
                                  during=lambda: cluster.stop("replica"), at=seconds / 4)
        report.step("replica stopped (pg_ctl stop -m fast) a quarter into the second phase")
        t0 = time.monotonic()
        cluster.start("replica")
        back = _back_on_replica(cluster, send, replica)
        report.step(f"replica started again; reads back on it {time.monotonic() - t0:.1f} s after its start")
        phases["after"] = _phase(cluster, send, seconds, {"primary": primary, "replica": replica})
        _report(report, phases, back)


def _xacts(cluster: Any, port: int) -> int:
    return int(cluster.psql("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'chibo'",
                            port=port))


def _phase(cluster: Any, send: Any, seconds: float, servers: dict[str, int], *, during: Any = None,
           at: float = 0.0) -> dict[str, Any]:
    """``seconds`` of load; ``during()`` called ``at`` seconds in. The hits' summary and the
    transactions per request counted on ``servers`` (those up at both ends of the phase)."""
    before = {name: _xacts(cluster, port) for name, port in servers.items()}
    load = Load(send, threads=THREADS)
    if during is not None:
        time.sleep(at)
        during()
    time.sleep(max(0.0, seconds - load.now()))
    hits = load.stop()
    time.sleep(STATS_FLUSH)
    after = {name: _xacts(cluster, port) for name, port in servers.items()}
    out = summary(hits)
    out["per_request"] = {name: round((after[name] - before[name]) / max(out["requests"], 1), 1)
                          for name in servers}
    return out


def _back_on_replica(cluster: Any, send: Any, replica: int) -> float:
    """Seconds until a page read counts statements on the replica again."""
    t0 = time.monotonic()
    start = _xacts_when_up(cluster, replica)

    def counted() -> bool:
        for i in range(6):
            send(i)
        time.sleep(STATS_FLUSH)
        return _xacts(cluster, replica) - start >= 6

    wait_until(counted, "the reads did not go back to the replica after it restarted", 90, every=0.5)
    return time.monotonic() - t0


def _xacts_when_up(cluster: Any, port: int) -> int:
    def read() -> int | None:
        try:
            return _xacts(cluster, port)
        except Exception:  # not accepting connections yet
            return None

    return wait_until(lambda: (value := read()) is not None and (value,), "the replica did not answer", 60)[0]


def _report(report: Report, phases: dict[str, dict[str, Any]], back: float) -> None:
    for name, p in phases.items():
        servers = ", ".join(f"{s} {v}" for s, v in p["per_request"].items())
        report.figure(f"{name}: requests / errors / p95", f"{p['requests']:,} / {p['errors']} / {p['p95_ms']} ms",
                      "", f"p50 {p['p50_ms']} ms; statements per request: {servers}")
    report.figure("reads back on the replica after its start", back, "s")
    for name, p in phases.items():
        report.check(p["errors"] == 0, f"{name}: no error page nor unanswered request "
                                       f"({p['errors']} of {p['requests']}: {p['failed']})")
    before, during, after = phases["before"], phases["during"], phases["after"]
    report.check(before["per_request"]["replica"] >= 1,
                 f"before: the pages' reads are on the replica ({before['per_request']['replica']} per request)")
    report.check(during["per_request"]["primary"] >= before["per_request"]["primary"] + 1,
                 f"during: the reads moved to the primary ({before['per_request']['primary']} → "
                 f"{during['per_request']['primary']} per request)")
    report.check(after["per_request"]["replica"] >= 1 and
                 after["per_request"]["primary"] < during["per_request"]["primary"],
                 f"after: back on the replica ({after['per_request']['replica']} per request; primary "
                 f"{after['per_request']['primary']})")


if __name__ == "__main__":
    sys.exit(run())
