"""The cluster bench's logic that runs without a cluster: the capacity search, the judging of a
run, the counting in nginx's log, the quota and cpuset groups, the officer's pages, the load generator's
own actions and error times."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from drills.app_server_kill import _access_lines

from bench import cluster, cluster_capacity, cluster_recovery, cluster_replica, loadgen


def _run(rate: float, *, kept: float, p95: float = 50.0, errors: int = 0) -> dict:
    """What the load generator reports for a server that completes at most ``kept`` req/s."""
    done = min(rate, kept)
    return {"windows": [{"rate": done, "p95_ms": p95}] * 3, "lowest_window_rate": done,
            "overall": {"errors": errors, "error_statuses": [500] if errors else [], "p95_ms": p95}}


def test_a_run_is_kept_up_with_only_when_every_window_keeps_the_rate_the_p95_and_no_error():
    assert cluster_capacity.missed(_run(40, kept=40), 40) is None
    assert cluster_capacity.missed(_run(40, kept=38.5), 40) is None  # 96%: within the 95%
    assert cluster_capacity.missed(_run(40, kept=37), 40) == "3 of 3 windows below 95% of the rate (lowest 37)"
    assert cluster_capacity.missed(_run(40, kept=40, p95=301), 40) == "p95 301 ms > 300 ms"
    assert cluster_capacity.missed(_run(40, kept=40, errors=2), 40) == "2 errors [500]"
    assert cluster_capacity.missed({"windows": [], "overall": {}}, 40) == "no full 10-s window"


def test_the_capacity_search_climbs_by_half_then_halves_the_interval_to_the_precision():
    tried = []

    def measure(rate: float) -> dict:
        tried.append(rate)
        return _run(rate, kept=47)

    found = cluster_capacity.find_capacity(measure, 20, precision=0.05)
    # 95% of the rate is enough: 47 req/s keep up with up to 49.4
    assert tried == [20, 30, 45, 67.5, 56.2, 50.6, 47.8, 49.2]
    assert found["rate"] == 49.2
    assert found["result"]["lowest_window_rate"] == 47
    assert [s["kept_up"] for s in found["steps"]] == [True, True, True, False, False, False, True, True]


def test_the_capacity_search_goes_down_when_the_first_rate_is_already_too_much():
    found = cluster_capacity.find_capacity(lambda rate: _run(rate, kept=10), 40, precision=0.1)
    assert [s["rate"] for s in found["steps"]] == [40, 26.7, 17.8, 11.9, 7.9, 9.9, 10.9, 10.4]
    assert found["rate"] == 10.4


def test_the_capacity_search_answers_zero_when_nothing_is_kept_up_with():
    found = cluster_capacity.find_capacity(lambda rate: _run(rate, kept=0), 40, max_steps=4)
    assert (found["rate"], found["result"], len(found["steps"])) == (0.0, None, 4)


NGINX = ('127.0.0.1 [07/Dec/2026:05:00:0{s} +0000] "GET /handbook/ HTTP/1.1" {status} 512 0.012 '
         'upstream={up} upstream_status={ups} request_id=abc\n')


def test_nginx_log_tells_the_last_request_left_on_the_killed_server_and_those_passed_on(tmp_path):
    log = tmp_path / "nginx-access.log"
    one, two = "127.0.0.1:57311", "127.0.0.1:57312"
    log.write_text("".join([
        NGINX.format(s=1, status=200, up=one, ups=200),
        NGINX.format(s=2, status=502, up=one, ups=502),  # in flight when it died
        NGINX.format(s=3, status=200, up=two, ups=200),
        NGINX.format(s=4, status=200, up=f"{one}, {two}", ups="502, 200"),  # tried, passed on
        NGINX.format(s=5, status=200, up=two, ups=200),
    ]))
    killed_at = dt.datetime(2026, 12, 7, 5, 0, 1, 500_000, tzinfo=dt.UTC).timestamp()
    rows = _access_lines(log, 0)
    assert cluster_recovery.out_of_rotation(rows, one, killed_at) == {
        "last_left_on_it_s": 0.5, "left_on_it": 2, "passed_on": 1, "passed_on_at_s": [2.5]}
    assert cluster_replica.served_by(log, 0, ["/handbook/"]) == {one: 2, two: 2, f"{one},": 1}


def test_the_bench_talks_to_the_primary_directly_without_the_pooler_or_the_replica():
    env = cluster.bench_environment({"DATABASE_URL": "postgres://x@127.0.0.1:57303/chibo",
                                     "DATABASE_DIRECT_URL": "postgres://x@127.0.0.1:57301/chibo",
                                     "DATABASE_POOLER": "transaction",
                                     "DATABASE_REPLICA_URL": "postgres://x@127.0.0.1:57302/chibo",
                                     "SECRET_KEY": "k"})
    assert env == {"DATABASE_URL": "postgres://x@127.0.0.1:57301/chibo",
                   "DATABASE_DIRECT_URL": "postgres://x@127.0.0.1:57301/chibo", "SECRET_KEY": "k",
                   cluster.AGAIN: "1"}


@pytest.mark.skipif(not os.access(cluster_capacity.CGROUP_CPU, os.W_OK), reason="cgroup v1 cpu is not writable")
def test_a_quota_group_holds_the_processes_and_gives_them_back():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with cluster_capacity.cpu_quota(f"test-{os.getpid()}", 0.25, [child.pid]) as group:
            assert (group / "cpu.cfs_quota_us").read_text().strip() == str(
                int((group / "cpu.cfs_period_us").read_text()) // 4)
            assert (group / "cgroup.procs").read_text().split() == [str(child.pid)]
            assert cluster_capacity.throttling(group)["throttled"] >= 0
            spin = subprocess.Popen([sys.executable, "-c", "import time\n"
                                     "end = time.process_time() + 0.3\nwhile time.process_time() < end: pass"])
            (group / "cgroup.procs").write_text(str(spin.pid))
            accounting = group.parent.parent / "cpuacct" / group.name
            if accounting.exists():
                (accounting / "cgroup.procs").write_text(str(spin.pid))
            spin.wait()
            assert cluster_capacity.usage_s(group) > 0.1
        assert not group.exists()
        assert str(child.pid) in (cluster_capacity.CGROUP_CPU / "cgroup.procs").read_text().split()
    finally:
        child.kill()
        child.wait()


def test_a_cpuset_list_names_every_core():
    assert cluster_capacity.cpu_list("0-1\n") == [0, 1]
    assert cluster_capacity.cpu_list("0,2-4,7") == [0, 2, 3, 4, 7]
    assert cluster_capacity.cpu_list("") == []


def _sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


@pytest.mark.skipif(not os.access(cluster_capacity.CGROUP_CPUSET, os.W_OK), reason="cgroup v1 cpuset is not writable")
def test_a_cpuset_group_pins_the_processes_and_their_children_and_gives_every_core_back():
    root = cluster_capacity.CGROUP_CPUSET
    cores = cluster_capacity.cpu_list((root / "cpuset.cpus").read_text())
    everything = cluster_capacity.allowed_cores(os.getpid())
    child = _sleeper()
    try:
        with cluster_capacity.cpuset(f"test-{os.getpid()}", cores[-1:], [child.pid]) as group:
            assert (group / "cgroup.procs").read_text().split() == [str(child.pid)]
            assert cluster_capacity.allowed_cores(child.pid) == str(cores[-1])
            (group / "cgroup.procs").write_text(str(os.getpid()))  # the test itself, then what it forks
            grandchild = _sleeper()
            assert cluster_capacity.allowed_cores(grandchild.pid) == str(cores[-1])
        assert not group.exists()
        for pid in (child.pid, grandchild.pid, os.getpid()):
            assert str(pid) in (root / "cgroup.procs").read_text().split()
            assert cluster_capacity.allowed_cores(pid) == everything
    finally:
        for process in (child, locals().get("grandchild")):
            if process:
                process.kill()
                process.wait()


@pytest.mark.skipif(not os.access(cluster_capacity.CGROUP_CPUSET, os.W_OK), reason="cgroup v1 cpuset is not writable")
def test_a_cpuset_group_is_removed_and_its_processes_given_back_when_the_block_fails():
    root, name = cluster_capacity.CGROUP_CPUSET, f"test-fail-{os.getpid()}"
    child = _sleeper()
    try:
        with pytest.raises(RuntimeError, match="boom"), cluster_capacity.cpuset(name, [0], [child.pid]):
            raise RuntimeError("boom")
        assert not (root / f"{cluster_capacity.PREFIX}{name}").exists()
        assert str(child.pid) in (root / "cgroup.procs").read_text().split()
        with pytest.raises(OSError), cluster_capacity.cpuset(name, [999], [child.pid]):  # no such core
            pass
        assert not (root / f"{cluster_capacity.PREFIX}{name}").exists()
        # a group left by a run killed with SIGKILL is given back by the next run
        group = root / f"{cluster_capacity.PREFIX}{name}"
        group.mkdir()
        (group / "cpuset.mems").write_text((root / "cpuset.mems").read_text())
        (group / "cpuset.cpus").write_text("0")
        (group / "cgroup.procs").write_text(str(child.pid))
        assert cluster_capacity.release_stale((name,)) == [str(group)]
        assert not group.exists()
        assert str(child.pid) in (root / "cgroup.procs").read_text().split()
    finally:
        child.kill()
        child.wait()


@pytest.mark.django_db
def test_the_officer_opens_every_report_page_with_two_factor_required(cast, client, settings):
    settings.REQUIRE_STAFF_2FA = True
    user = cluster_replica.officer(cast.tree.p)
    client.cookies["sessionid"] = user["session"]
    pages = {name: spec[1].format(**user) for name, spec in cluster_replica.actions().items()}
    assert sorted(pages) == ["arrears", "attendance", "progress", "review", "unit"]
    assert {name: client.get(path).status_code for name, path in pages.items()} == dict.fromkeys(pages, 200)
    assert cluster_replica.officer(cast.tree.p)["session"] != user["session"]  # a second run: the same account


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(200 if self.path.startswith("/ok/") else 500)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_the_load_generator_sends_the_plans_own_actions_and_times_each_error(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = loadgen.run({"port": server.server_address[1], "rate": 20, "duration": 1, "seed": 1,
                              "users": [{"session": "s", "csrf": "c", "unit": 7}],
                              "mix": [["good", 1], ["bad", 1]],
                              "actions": {"good": ["GET", "/ok/{unit}/", 200], "bad": ["GET", "/no/{unit}/", 200]}})
    finally:
        server.shutdown()
    assert result["by_action"]["good"]["errors"] == 0
    assert result["overall"]["errors"] == result["by_action"]["bad"]["requests"] == len(result["errors_at"])
    assert {(a, s) for _t, a, s in result["errors_at"]} == {("bad", 500)}
    assert all(0 <= t < 5 for t, _a, _s in result["errors_at"])
    assert abs(result["started_at"] - time.time()) < 30


def test_the_kill_load_is_the_rate_asked_for_else_most_of_the_two_servers_capacity():
    from bench.report import Report

    measured = Report("cluster", "province", "postgresql", context={"scale_out": {"two servers": {"rate": 50.0}}})
    assert cluster._kill_rate(measured, 12.5) == 12.5
    assert cluster._kill_rate(measured, None) == 30.0
    assert cluster._kill_rate(Report("cluster", "province", "postgresql"), None) == 20.0


def test_the_writers_have_no_quota_when_pinned_to_a_core_of_their_own_unless_asked():
    assert cluster._writer_cpus(cluster.parse([])) == 0.0
    assert cluster._writer_cpus(cluster.parse(["--writer-cpus", "0.5"])) == 0.5
    assert cluster._writer_cpus(cluster.parse(["--no-pin"])) == 0.5
    assert cluster.parse(["--writer-core", "1"]).writer_core == 1


def test_the_model_of_the_replica_part_is_stated_in_its_figure():
    pinned = {"cpus_of_the_primary_and_of_the_import": 0.0,
              "machines": {"pinned": True, "cores": {"writers": [0], "readers": [1]}}}
    assert cluster_replica.model_text(pinned) == (
        "writers (primary, import) pinned to core 0, readers (replica, nginx, app servers, PgBouncer, load "
        "generator) to core 1 (cpuset); no CPU quota")
    quota = {"cpus_of_the_primary_and_of_the_import": 0.5, "machines": {"pinned": False}}
    assert cluster_replica.model_text(quota) == "the primary and the import each held to 0.5 CPU"


def test_each_core_s_busy_and_io_wait_shares_come_from_proc_stat():
    before = cluster_replica.core_times("cpu  9 0 9 9 0 0 0 0 0 0\n"
                                        "cpu0 100 0 50 800 50 0 0 0 0 0\ncpu1 10 0 10 980 0 0 0 0 0 0\nintr 1\n")
    after = cluster_replica.core_times("cpu  9 0 9 9 0 0 0 0 0 0\n"
                                       "cpu0 160 0 80 800 60 0 0 0 0 0\ncpu1 60 0 30 1000 0 5 5 0 0 0\nintr 2\n")
    assert before["cpu0"] == (150, 50, 1000)
    assert cluster_replica.core_shares(before, after) == {"cpu0": {"busy": 0.9, "iowait": 0.1},
                                                          "cpu1": {"busy": 0.8, "iowait": 0.0}}
    assert set(cluster_replica.core_times()) >= {"cpu0"}
