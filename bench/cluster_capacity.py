"""The meeting evening's capacity on one app server and on two behind nginx (issue 14).

**The CPU quota model.** This machine has two cores shared by PostgreSQL, nginx, the load
generator and the app servers, so a second app server adds no CPU here. Each app server is
therefore modelled as a machine of a fixed size: its gunicorn master and workers are put in a
cgroup (v1, ``/sys/fs/cgroup/cpu/<group>``) whose ``cpu.cfs_quota_us`` lets it use at most
``cpus`` of a core, the same quota for the single server and for each of the two. Workers that
gunicorn forks later inherit the group. (``cpuset`` pins processes to cores the same way, for the
replica part's machines model: ``bench/cluster_replica.py``.) Every group is removed, and its
processes moved back to the root group, when its block ends, failure or not.

**Capacity.** The highest open-loop rate (``bench/loadgen.py``, the handbook bench's mix) that a
setup *keeps up with* for a step of ``step`` seconds: every full 10-s window completes at least
95% of the offered rate, the p95 latency (counted from each request's due time) is ≤ 300 ms and
no request fails. It is found by steps: the rate grows by half while the setup keeps up, then
the interval between the last rate kept up with and the first one missed is halved until it is
narrower than ``precision`` (a share of the rate).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

CGROUP_CPU = Path("/sys/fs/cgroup/cpu")
CGROUP_CPUACCT = Path("/sys/fs/cgroup/cpuacct")
CGROUP_CPUSET = Path("/sys/fs/cgroup/cpuset")
PREFIX = "chibo-bench-"
GROUPS = ("app-1", "app-2", "primary", "import", "writers", "readers")  # the groups the bench makes
P95_BUDGET_MS = 300.0
KEEP_UP_SHARE = 0.95
WARM_UP_S = 10


def server_processes(cluster: Any, name: str) -> list[int]:
    """An app server's gunicorn master and its workers."""
    from drills.app_server_kill import _children

    master = cluster.pid(name)
    if master is None:
        raise RuntimeError(f"{name} is not running in {cluster.dir}: 'scripts/cluster start {name}'")
    return [master, *_children(master)]


def _join(group: Path, pid: int | str) -> None:
    """Move the process ``pid`` (all its threads) into ``group``; a process already gone is left."""
    with contextlib.suppress(ProcessLookupError, OSError):
        (group / "cgroup.procs").write_text(str(pid))


def release(group: Path) -> None:
    """Move every process of ``group`` back to its hierarchy's root and remove the group (nothing
    to do when it is not there). A process forked meanwhile is moved on the next try."""
    for _ in range(20):
        if not group.is_dir():
            return
        for pid in (group / "cgroup.procs").read_text().split():
            _join(group.parent, pid)
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)
    group.rmdir()


def release_stale(names: tuple[str, ...] = GROUPS) -> list[str]:
    """Give back the bench's groups that an interrupted run (a SIGKILL) may have left; their names."""
    found = [top / f"{PREFIX}{name}" for top in (CGROUP_CPU, CGROUP_CPUACCT, CGROUP_CPUSET) for name in names]
    found = [group for group in found if group.is_dir()]
    for group in found:
        release(group)
    return [str(group) for group in found]


@contextlib.contextmanager
def cpu_quota(name: str, cpus: float, pids: list[int], *, root: Path = CGROUP_CPU) -> Iterator[Path]:
    """Hold the processes ``pids`` to ``cpus`` of a core in the cgroup ``chibo-bench-<name>`` (and
    count their CPU time in the group of that name under cpuacct, when it is a hierarchy of its
    own); afterwards, failure or not, they go back to the root groups and the groups are removed."""
    group = root / f"{PREFIX}{name}"
    accounting = root.parent / "cpuacct"
    roots = [root, *([accounting] if root.name == "cpu" and (accounting / "cgroup.procs").exists() else [])]
    try:
        for top in roots:
            (top / group.name).mkdir(exist_ok=True)
        period = int((group / "cpu.cfs_period_us").read_text())
        (group / "cpu.cfs_quota_us").write_text(str(int(cpus * period)))
        for top in roots:
            for pid in pids:
                _join(top / group.name, pid)
        yield group
    finally:
        for top in roots:
            release(top / group.name)


def cpu_list(text: str) -> list[int]:
    """The cores of a cpuset list (``0-1,3`` → [0, 1, 3])."""
    cores: list[int] = []
    for part in filter(None, text.strip().split(",")):
        first, _, last = part.partition("-")
        cores += range(int(first), int(last or first) + 1)
    return cores


@contextlib.contextmanager
def cpuset(name: str, cores: list[int], pids: list[int], *, root: Path = CGROUP_CPUSET) -> Iterator[Path]:
    """Pin the processes ``pids`` to ``cores`` in the cpuset group ``chibo-bench-<name>`` (cgroup
    v1; the processes they fork later stay in it); afterwards, failure or not, they go back to the
    root group (every core again) and the group is removed."""
    group = root / f"{PREFIX}{name}"
    try:
        group.mkdir(exist_ok=True)
        (group / "cpuset.mems").write_text((root / "cpuset.mems").read_text())  # before any process joins
        (group / "cpuset.cpus").write_text(",".join(map(str, cores)))
        for pid in pids:
            _join(group, pid)
        yield group
    finally:
        release(group)


def allowed_cores(pid: int) -> str | None:
    """The cores the kernel lets the process ``pid`` run on (``Cpus_allowed_list``), None when gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return next((line.split(":", 1)[1].strip() for line in status.splitlines()
                 if line.startswith("Cpus_allowed_list:")), None)


def throttling(group: Path) -> dict[str, float]:
    """How often the group was held back by its quota: periods throttled and seconds lost."""
    stat = dict(line.split() for line in (group / "cpu.stat").read_text().splitlines())
    return {"periods": int(stat["nr_periods"]), "throttled": int(stat["nr_throttled"]),
            "throttled_s": round(int(stat["throttled_time"]) / 1e9, 2)}


def usage_s(group: Path) -> float:
    """CPU seconds used by the group's processes (cpuacct, in the group or in its twin under cpuacct)."""
    for candidate in (group / "cpuacct.usage", group.parent.parent / "cpuacct" / group.name / "cpuacct.usage"):
        if candidate.exists():
            return int(candidate.read_text()) / 1e9
    return 0.0


def missed(result: dict[str, Any], rate: float) -> str | None:
    """Why the setup did not keep up with ``rate`` in this run, or None when it did."""
    windows = result.get("windows") or []
    if not windows:
        return "no full 10-s window"
    slow = [w["rate"] for w in windows if w["rate"] < KEEP_UP_SHARE * rate]
    if slow:
        return f"{len(slow)} of {len(windows)} windows below {KEEP_UP_SHARE:.0%} of the rate (lowest {min(slow):g})"
    overall = result["overall"]
    if overall["errors"]:
        return f"{overall['errors']} errors {overall['error_statuses']}"
    if overall["p95_ms"] is None or overall["p95_ms"] > P95_BUDGET_MS:
        return f"p95 {overall['p95_ms']} ms > {P95_BUDGET_MS:g} ms"
    return None


def find_capacity(measure: Callable[[float], dict[str, Any]], start: float, *, precision: float = 0.05,
                  growth: float = 1.5, max_steps: int = 14) -> dict[str, Any]:
    """The highest rate kept up with, found by steps from ``start`` (see the module's text).

    ``measure(rate)`` runs the load at ``rate`` and returns the load generator's summary. The
    answer: ``rate`` (0 when none was kept up with), ``result`` (the summary at that rate) and
    ``steps`` (each rate tried, whether it was kept up with and why not).
    """
    steps: list[dict[str, Any]] = []
    kept: dict[float, dict[str, Any]] = {}

    def judge(rate: float) -> bool:
        rate = round(rate, 1)
        result = measure(rate)
        reason = missed(result, rate)
        overall = result["overall"]
        steps.append({"rate": rate, "kept_up": reason is None, "why_not": reason, "p95_ms": overall["p95_ms"],
                      "lowest_window_rate": result.get("lowest_window_rate"), "errors": overall["errors"],
                      "load_average": round(os.getloadavg()[0], 1)})
        if reason is None:
            kept[rate] = result
        return reason is None

    low, high, rate = 0.0, float("inf"), start
    while high == float("inf") and len(steps) < max_steps:  # up while kept up with
        if judge(rate):
            low, rate = round(rate, 1), rate * growth
        else:
            high = round(rate, 1)
    while low == 0 and len(steps) < max_steps:  # missed at the start: down until kept up with
        rate = high / growth
        if judge(rate):
            low = round(rate, 1)
        else:
            high = round(rate, 1)
    while low and high / low > 1 + precision and len(steps) < max_steps:
        middle = (low + high) / 2
        if judge(middle):
            low = round(middle, 1)
        else:
            high = round(middle, 1)
    return {"rate": low, "result": kept.get(low), "steps": steps}


def capacity(drive: Callable[..., dict[str, Any]], port: int, *, start: float, step: float,
             precision: float, label: str) -> dict[str, Any]:
    """Warm the setup on ``port`` up, then find its capacity; ``drive(port, rate, duration, seed)``
    runs the load generator."""
    drive(port, start, WARM_UP_S, 0)
    seeds = iter(range(1, 100))

    def measure(rate: float) -> dict[str, Any]:
        started = time.monotonic()
        result = drive(port, rate, step, next(seeds))
        reason = missed(result, rate) or "kept up"
        print(f"    {label}: {rate:g} req/s → lowest window {result.get('lowest_window_rate')}, "
              f"p95 {result['overall']['p95_ms']} ms, {result['overall']['errors']} errors: {reason} "
              f"({time.monotonic() - started:.0f} s, load average {os.getloadavg()[0]:.1f})", flush=True)
        return result

    return find_capacity(measure, start, precision=precision)


def scale_out(report: Any, cluster: Any, users: list[dict[str, Any]], work: Path, *, cpus: float, start: float,
              step: float, precision: float) -> None:
    """The capacity of app-1 alone (its own port, the baseline) and of nginx in front of app-1
    and app-2, each server held to ``cpus`` of a core; the figures go to ``report``."""
    from bench.handbook_load import MIX, drive

    def run(port: int, rate: float, duration: float, seed: int) -> dict[str, Any]:
        return drive(port, users, MIX, rate, duration, work, seed=seed)

    found: dict[str, dict[str, Any]] = {}
    groups = {name: server_processes(cluster, name) for name in ("app-1", "app-2")}
    with cpu_quota("app-1", cpus, groups["app-1"]) as one, cpu_quota("app-2", cpus, groups["app-2"]) as two:
        for label, port, first in (("one server", cluster.port_of("app-1"), start),
                                   ("two servers", cluster.port_of("nginx"), None)):
            before = {g: (throttling(g), usage_s(g)) for g in (one, two)}
            first = first or max(start, found["one server"]["rate"] * 1.5)
            found[label] = capacity(run, port, start=first, step=step, precision=precision, label=label)
            found[label]["quota"] = {g.name: {**{k: v - before[g][0][k] for k, v in throttling(g).items()},
                                              "cpu_s": round(usage_s(g) - before[g][1], 1)} for g in (one, two)}
    report.context["scale_out"] = {"cpus_per_server": cpus, "step_s": step, "precision": precision,
                                   "mix": MIX, "sessions": len(users), **found}
    _figures(report, found["one server"], found["two servers"], cpus=cpus, step=step)


def _figures(report: Any, one: dict[str, Any], two: dict[str, Any], *, cpus: float, step: float) -> None:
    from bench.report import Figure

    model = f"each app server held to {cpus:g} CPU (cgroup quota); {step:g}-s steps"
    report.add(Figure("meeting evening: capacity, nginx + two servers", two["rate"], "req/s",
                      baseline=one["rate"], baseline_name="one app server, directly",
                      note=f"{model}; kept up: every 10-s window ≥ 95% of the rate, p95 ≤ 300 ms, 0 errors"))
    ratio = round(two["rate"] / one["rate"], 2) if one["rate"] else None
    report.add(Figure("meeting evening: two servers ÷ one", ratio, "×", budget=1.7, budget_kind="min",
                      note=f"{two['rate']:g} ÷ {one['rate']:g} req/s"))
    p95 = (two["result"] or {}).get("overall", {}).get("p95_ms")
    one_p95 = (one["result"] or {}).get("overall", {}).get("p95_ms")
    report.add(Figure("meeting evening: p95 at capacity, two servers", p95, "ms", baseline=one_p95,
                      baseline_name="one server at its capacity", budget=P95_BUDGET_MS,
                      note=f"at {two['rate']:g} and {one['rate']:g} req/s"))
    for label, found in (("two servers", two), ("one server", one)):
        cpu = (found["result"] or {}).get("cpu_ms_per_request")
        if cpu:
            report.add(Figure(f"  CPU per request, {label}", round(sum(cpu.values()), 2), "ms",
                              note=", ".join(f"{k} {v} ms" for k, v in cpu.items())))
