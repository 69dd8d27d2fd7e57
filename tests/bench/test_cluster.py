"""The cluster bench's logic that runs without a cluster: the capacity search, the judging of a
run, the counting in nginx's log, the quota group, the officer's pages, the load generator's
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
