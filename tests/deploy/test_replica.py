"""Replica reads on a real streaming replica (``scripts/cluster up --db-only``): a report page is
read from the replica; with its replay paused and the primary written to, the lag passes the
limit and the page is read from the primary, ``replica_status()`` saying why; with the replica
shutting down (its backends ended, new connections refused with "the database system is shutting
down", the drill replica_stop's moment) and stopped (``pg_ctl stop -m fast``) the page is still
answered, from the primary.

The scenario runs in a process of its own with the cluster's environment
(``tests/deploy/replica_scenario.py``); it needs the PostgreSQL stage and root (the cluster runs
PostgreSQL as the postgres user).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from drills.cluster import ROOT, Cluster

from tests.deploy.conftest import chibo_env, run_chibo
from tests.deploy.test_cluster import _engines_or_skip, _free_base


@pytest.fixture
def databases() -> Iterator[Cluster]:
    _engines_or_skip()
    (ROOT / "build").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="replica-test-", dir=ROOT / "build"))  # the postgres user reads it
    folder.chmod(0o755)
    handle = Cluster(folder / "c", _free_base())
    try:
        handle.up(db_only=True)
        yield handle
    finally:
        handle.run("down", "--purge", "--purge-archive", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def test_reports_read_from_the_replica_and_from_the_primary_when_it_lags_or_stops(databases: Cluster, tmp_path):
    base = databases.port
    primary = f"postgres://postgres@127.0.0.1:{base + 1}/chibo"
    env = {"DATABASE_URL": primary, "CHIBO_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "chibo.settings",
           "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{base + 2}/chibo"
                                   "?application_name=chibo-replica-test",
           "CHIBO_REPLICA_MAX_LAG_SECONDS": "1", "CHIBO_READ_YOUR_WRITES_SECONDS": "1",
           "CHIBO_REPLICA_CHECK_SECONDS": "1", "CHIBO_LOCKOUT": "0"}
    migrated = run_chibo("migrate", "-v", "0", timeout=600, **env)
    assert migrated.returncode == 0, migrated.stderr
    done = subprocess.run([sys.executable, "-m", "tests.deploy.replica_scenario", str(databases.dir), str(base)],
                          cwd=ROOT, env=chibo_env(**env), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    steps = {s["step"]: s for s in map(json.loads, done.stdout.splitlines())}

    streaming = steps["streaming"]
    assert (streaming["code"], streaming["has_unit"], streaming["usable"]) == (200, True, True)
    assert streaming["replica_statements"] > 0
    assert streaming["reason"].startswith("streaming, lag ")
    assert streaming["activity"].lstrip().upper().startswith("SELECT")  # the replica's own view of us

    paused = steps["replay paused"]
    assert (paused["code"], paused["has_unit"], paused["usable"], paused["replica_statements"]) == (200, True, False, 1)
    assert paused["reason"].startswith("its lag of ") and "above CHIBO_REPLICA_MAX_LAG_SECONDS=1" in paused["reason"]

    resumed = steps["replay resumed"]
    assert (resumed["code"], resumed["usable"]) == (200, True) and resumed["replica_statements"] > 1

    shutting = steps["replica shutting down"]
    assert (shutting["code"], shutting["has_unit"], shutting["usable"]) == (200, True, False), shutting["error"]
    assert shutting["reason"].startswith("cannot be reached: ") and "shutting down" in shutting["reason"]

    stopped = steps["replica stopped"]
    assert (stopped["code"], stopped["has_unit"], stopped["usable"]) == (200, True, False)
    assert stopped["reason"].startswith(("cannot be reached: ", "failed during a request: "))

    restarted = steps["replica restarted"]  # its WAL receiver restarts below what it replayed: no lag
    assert (restarted["code"], restarted["usable"]) == (200, True) and restarted["replica_statements"] > 1
