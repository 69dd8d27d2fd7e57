"""The national topology (``scripts/cluster``), started for real from Debian's engines: the
PostgreSQL primary and its streaming replica, PgBouncer, Redis, nginx, two app servers and two
workers; then the documented failover, and ``down``.

One test walks through it in order (starting the topology takes most of a minute on the small
machine, and the steps build on each other); it runs in the PostgreSQL stage
(``DATABASE_URL=postgres://…``) and needs root to run PostgreSQL as the postgres user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from drills.cluster import PSQL, ROOT, Cluster, free_port_base

ENGINES = {PSQL: "ensure-postgres", "/usr/sbin/pgbouncer": "ensure-pgbouncer",
           "/usr/sbin/nginx": "ensure-nginx", "/usr/bin/redis-server": "ensure-redis"}


def _free_base() -> int:
    """A port base whose ports (+1…+5, +11, +12) are all free, below Linux's ephemeral ports."""
    return free_port_base((1, 2, 3, 4, 5, 11, 12))


def _engines_or_skip() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the cluster runs in the PostgreSQL stage (DATABASE_URL=postgres://…)")
    if os.geteuid() != 0:
        pytest.skip("the cluster runs PostgreSQL as the postgres user: run the tests as root")
    for path, script in ENGINES.items():
        if not Path(path).exists():
            subprocess.run([str(ROOT / "scripts" / script)], capture_output=True, timeout=900)
        if not Path(path).exists():
            pytest.skip(f"{path} is missing and scripts/{script} could not install it")


@pytest.fixture
def cluster(monkeypatch) -> Iterator[Cluster]:
    _engines_or_skip()
    monkeypatch.setenv("CHIBO_CLUSTER_WORKERS", "1")  # one gunicorn worker per app server: a small machine
    # under build/, not pytest's tmp_path: the postgres user must traverse every parent directory
    (ROOT / "build").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="cluster-test-", dir=ROOT / "build"))
    folder.chmod(0o755)
    handle = Cluster(folder / "c", _free_base())
    try:
        yield handle
    finally:
        handle.run("down", "--purge", "--purge-archive", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status


def _pids_with_children(pids: list[int]) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    parent = {int(p): int(pp) for p, pp in (line.split() for line in out.splitlines())}
    return set(pids) | {p for p, pp in parent.items() if pp in pids}


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to read its exit counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _until(check, what: str, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout:.0f} s")


PIECES = ("primary", "replica", "pgbouncer", "redis", "nginx", "app-1", "app-2", "worker-1", "worker-2")


def test_cluster_up_status_replica_failover_down(cluster: Cluster):
    cluster.up(no_demo=True, servers=2)

    # every piece is up, and status says so
    ready, lines = cluster.status()
    assert ready, lines
    for name in PIECES:
        assert f"\n{name} " in f"\n{lines}" and "up" in next(x for x in lines.splitlines() if x.startswith(name))
    assert "streaming" in lines
    assert cluster.env()["DATABASE_REPLICA_URL"].endswith(f":{cluster.port + 2}/chibo")

    # a page through nginx answers, and both app servers took requests
    for _ in range(8):
        assert _get(cluster.url + "login/") == 200
    for name in ("app-1", "app-2"):
        assert "GET /login/" in (cluster.dir / "log" / f"{name}.log").read_text(), name
    with pytest.raises(urllib.error.HTTPError) as refused:
        _get(cluster.url + "metrics")
    assert refused.value.code == 403

    # a row written on the primary appears on the replica
    cluster.psql("CREATE TABLE drill_probe (n int); INSERT INTO drill_probe VALUES (41)")
    _until(lambda: cluster.psql("SELECT n FROM drill_probe", port=cluster.port + 2) == "41",
           "the row did not reach the replica")

    # failover: the primary stopped, the replica promoted, writes through PgBouncer reach it; the
    # app servers and workers keep running (PgBouncer is repointed; the replica alias, now out of
    # recovery, is no longer read from), so nginx answers at once
    before = {name: cluster.pid(name) for name in PIECES}
    report = cluster.failover()
    assert _get(cluster.url + "login/") == 200
    assert "total" in report and "may be lost" in report and "restart" not in report, report
    assert cluster.pid("primary") == before["replica"]
    assert {n: cluster.pid(n) for n in ("app-1", "app-2", "worker-1", "worker-2")} == \
        {n: before[n] for n in ("app-1", "app-2", "worker-1", "worker-2")}
    ready, lines = cluster.status()
    assert ready, lines
    assert f"primary    up    port {cluster.port + 2}" in lines
    assert cluster.env()["DATABASE_DIRECT_URL"].endswith(f":{cluster.port + 2}/chibo")
    assert cluster.env()["DATABASE_REPLICA_URL"] == ""
    cluster.psql("INSERT INTO drill_probe VALUES (42)", port=cluster.port + 3)
    assert cluster.psql("SELECT string_agg(n::text, ',' ORDER BY n) FROM drill_probe") == "41,42"
    assert _get(cluster.url + "login/") == 200

    # down stops every process (and their children), and keeps the data
    pids = [pid for pid in (*before.values(), *(cluster.pid(n) for n in PIECES if n != "replica")) if pid]
    everything = _pids_with_children(pids)
    cluster.down()
    _until(lambda: not [pid for pid in everything if _alive(pid)], "processes were still alive after down", 10)
    assert (cluster.dir / "pg" / "replica" / "PG_VERSION").exists()

    # --purge keeps the WAL archive the base backups need, unless --purge-archive
    refused = cluster.run("down", "--purge", check=False)
    assert refused.returncode != 0 and "--purge-archive" in refused.stderr, refused.stderr
    assert (cluster.dir / "wal-archive").is_dir()
