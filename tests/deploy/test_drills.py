"""The fault drills (``drills/``), short forms, run as an operator runs them:
``python -m drills NAME --short --cluster-dir DIR --port BASE`` against one cluster this module
starts (``scripts/cluster up --no-demo``, the workers with the default sweeper settings, the
directory marked ``drill-cluster``), each drill in its own process; a drill exits non-zero naming
what did not hold. After each drill the workers run with their own settings again (the drill gave
them its short sweeper) and no account the drill made is left active.

The drills share the cluster to save its start (most of a minute here) and run in this file's
order: ``failover`` last, since it leaves the cluster without a replica. The PostgreSQL stage
only (``DATABASE_URL=postgres://…``), as root (PostgreSQL runs as the postgres user). Under xdist
the file is one group (``--dist loadgroup``, as the Makefile runs it): one worker, one cluster, in
this order.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from drills.cluster import ROOT, Cluster
from drills.common import SHORT_SWEEPER, _environ, free_port_base

pytestmark = pytest.mark.xdist_group("drills")

ENGINES = ["/usr/lib/postgresql/15/bin/pg_ctl", "/usr/sbin/pgbouncer", "/usr/sbin/nginx", "/usr/bin/redis-server"]
# every drill's environment but the cluster's own: nothing of the test run's settings leaks in
OWN_SETTINGS = ("DATABASE_URL", "DATABASE_POOLER", "DATABASE_REPLICA_URL", "REDIS_URL", "CHIBO_QUEUE_NAME",
                "CHIBO_MEDIA_DIR", "CHIBO_DATA_DIR", "CHIBO_JOBS_IMMEDIATE", "DJANGO_SETTINGS_MODULE")


def _environment(sweeper: dict[str, str] = SHORT_SWEEPER) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in OWN_SETTINGS and k not in SHORT_SWEEPER}, **sweeper}


def _runner(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drills", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_the_list_of_drills_is_not_an_error_an_unknown_drill_is():
    listed = _runner()
    assert listed.returncode == 0 and "redis_restart" in listed.stdout
    unknown = _runner("no_such_drill")
    assert unknown.returncode == 2 and "No drill 'no_such_drill'" in unknown.stderr
    assert "redis_restart" in unknown.stderr  # with the list


def test_a_drill_refuses_a_cluster_not_marked_as_a_drill_cluster(tmp_path):
    done = _runner("redis_restart", "--short", "--cluster-dir", str(tmp_path), "--port", "1")
    assert done.returncode != 0 and "is not marked as a drill cluster" in done.stderr
    assert "== drill" not in done.stdout  # refused before it touched anything


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the drills run in the PostgreSQL stage (DATABASE_URL=postgres://…)")
    if os.geteuid() != 0:
        pytest.skip("the cluster runs PostgreSQL as the postgres user: run the tests as root")
    missing = [path for path in ENGINES if not Path(path).exists()]
    if missing:
        pytest.skip(f"missing engines {missing}: scripts/ensure-postgres, ensure-pgbouncer, ensure-nginx, "
                    "ensure-redis")
    # under build/: every parent must be traversable by the postgres user (pytest's tmp_path is not)
    handle = Cluster(ROOT / "build" / f"drills-test-{os.getpid()}", free_port_base())
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(_environment({}))  # the workers start with the default sweeper settings
        try:
            handle.up(no_demo=True)
            (handle.dir / "drill-cluster").touch()  # a copy the drills may break
        finally:
            os.environ.clear()
            os.environ.update(saved)
        yield handle
    finally:
        handle.down(purge=True, purge_archive=True)


def _drill(cluster: Cluster, name: str, timeout: float = 240) -> str:
    from drills import __main__ as runner

    command = ["-m", "drills", name] if name in getattr(runner, "DRILLS", {}) else ["-m", f"drills.{name}"]
    done = subprocess.run([sys.executable, *command, "--short", "--cluster-dir", str(cluster.dir),
                           "--port", str(cluster.port)], cwd=ROOT, env=_environment(), capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"drill {name} failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    assert f"== {name}: passed" in done.stdout
    _left_as_it_was(cluster)
    return done.stdout


def _left_as_it_was(cluster: Cluster) -> None:
    """The workers run with their own (default) sweeper settings and no drill account can log in
    or holds a role."""
    for worker in ("worker-1", "worker-2"):
        settings = {k: v for k, v in _environ(cluster.pid(worker)).items() if k in SHORT_SWEEPER}
        assert cluster.pid(worker) is not None and settings == {}, (worker, settings)
    active = cluster.psql("SELECT count(*) FROM accounts_user u WHERE u.username LIKE 'drill-%' AND (u.is_active "
                          "OR EXISTS (SELECT 1 FROM accounts_rolegrant g WHERE g.user_id = u.id AND "
                          "(g.valid_to IS NULL OR g.valid_to > current_date)))")
    assert active == "0", f"{active} drill accounts still active or holding a role"


# first: after import_kill the province has 60,000 more members to invite (six times each)
def test_a_worker_killed_mid_fanout_leaves_exactly_one_invitation_and_notification_each(cluster):
    out = _drill(cluster, "fanout_kill", timeout=420)
    assert "OK     no member has two invitations" in out


def test_a_worker_killed_while_writing_an_import_writes_nothing_and_run_again_imports_every_row(cluster):
    out = _drill(cluster, "import_kill")
    assert "OK     the members table is unchanged" in out


def test_jobs_queued_while_redis_restarts_are_all_done(cluster):
    out = _drill(cluster, "redis_restart")
    assert "OK     every ledger job is done" in out


def test_the_replica_stopped_under_load_costs_no_error_page(cluster):
    out = _drill(cluster, "replica_stop")
    assert "OK     during: no error page" in out


def test_an_app_server_killed_under_load_leaves_the_rotation_and_comes_back(cluster):
    out = _drill(cluster, "app_server_kill")
    assert "OK     the restarted app-1 takes requests again" in out


def test_failover_brings_the_service_back_with_nothing_lost(cluster):
    out = _drill(cluster, "failover")
    assert "OK     members_member: unchanged by the failover" in out
