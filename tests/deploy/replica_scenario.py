"""The replica scenario of ``tests/deploy/test_replica.py``, run in a process of its own with the
cluster's environment (``DATABASE_URL`` the primary, ``DATABASE_REPLICA_URL`` the replica): a
report page read through Django's full stack, with the replica streaming, lagging, shutting down
and stopped.

Prints one JSON object per step: the answer's status, how many statements the ``replica`` alias
ran, ``replica_status()`` and, while the replica is up, what its ``pg_stat_activity`` shows of
this process's connection. ``python -m tests.deploy.replica_scenario CLUSTER_DIR PORT_BASE``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import django


def main(folder: str, base: int) -> None:
    django.setup()
    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from drills.cluster import Cluster

    from chibo.core import replica
    from tests.factories.registry import make_unit, make_user

    cluster = Cluster(folder, base)
    root = make_unit(None, "TW", "Trung ương", "central")
    province = make_unit(root, "P", "Tỉnh Bắc Hà", "province")
    client = Client()
    client.force_login(make_user("admin", role="admin", unit=root))
    url = f"/units/{province.pk}/progress/"

    def step(name: str, activity: bool = False) -> None:
        replica.forget_status()
        try:
            with CaptureQueriesContext(connections["replica"]) as on_replica:
                response = client.get(url)
            on = len(on_replica)
        except Exception:  # the replica is down: capturing would connect to it; the page is what counts
            response, on = client.get(url), 0
        status = replica.replica_status()
        seen = ""
        if activity:
            seen = cluster.psql("SELECT query FROM pg_stat_activity WHERE application_name = 'chibo-replica-test'",
                                port=base + 2)
        print(json.dumps({"step": name, "code": response.status_code, "replica_statements": on,
                          "usable": status.usable, "reason": status.reason, "activity": seen,
                          "has_unit": "Tỉnh Bắc Hà" in response.content.decode()}), flush=True)

    _until(lambda: replica.replica_status().usable and _replica_has(cluster, base, province.pk), 30)
    step("streaming", activity=True)

    cluster.psql("SELECT pg_wal_replay_pause()", port=base + 2)
    make_unit(root, "Q", "Tỉnh Nam Lâm", "province")  # a write the paused replica does not replay
    time.sleep(3)  # past CHIBO_REPLICA_MAX_LAG_SECONDS=1
    step("replay paused")

    cluster.psql("SELECT pg_wal_replay_resume()", port=base + 2)
    _until(lambda: _fresh(replica), 30)
    step("replay resumed")

    print(json.dumps({"step": "replica shutting down", **_shutting_down(cluster, client, url)}), flush=True)

    cluster.run("stop", "replica")
    step("replica stopped")

    cluster.run("start", "replica")  # nothing written since: all it received is replayed, its lag is 0
    _until(lambda: _fresh(replica), 30)
    step("replica restarted")


def _shutting_down(cluster, client, url: str) -> dict:
    """The drill replica_stop's moment: this process's kept connection is ended and new ones are
    refused with "the database system is shutting down" (a smart shutdown held open by another
    client), while the last look, a moment ago, said usable. The page is asked for once."""
    from django.db import close_old_connections
    from drills.cluster import PSQL

    from chibo.core import replica

    port = cluster.port_of("replica")
    holder = subprocess.Popen([PSQL, "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "chibo",
                               "-c", "SELECT pg_sleep(120)"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(lambda: cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' "
                                    "AND pid <> pg_backend_pid()", port=port) == "1", 30)
        cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE application_name = 'chibo-replica-test'", port=port)
        pg_ctl = str(Path(PSQL).parent / "pg_ctl")
        subprocess.run(["runuser", "-u", "postgres", "--", pg_ctl, "-D", str(cluster.dir / "pg" / "replica"),
                        "-m", "smart", "-W", "stop"], check=True, capture_output=True)
        _until(lambda: "shutting down" in _refusal(cluster, port), 30)
        replica._remember(replica.ReplicaStatus(True, True, 0.0, "streaming, lag 0.0 s"))
        close_old_connections()  # what a new request does first (Django's request_started)
        try:
            response = client.get(url)
            code, body = response.status_code, response.content.decode()
        except Exception as exc:  # a test client re-raises the view's error: the page would be a 500
            code, body = 500, f"{type(exc).__name__}: {exc}"
        status = replica.replica_status()
        return {"code": code, "usable": status.usable, "reason": status.reason, "has_unit": "Tỉnh Bắc Hà" in body,
                "error": "" if code == 200 else body[:300]}
    finally:
        holder.terminate()
        holder.wait(30)


def _refusal(cluster, port: int) -> str:
    try:
        cluster.psql("SELECT 1", port=port)
    except Exception as exc:
        return str(exc)
    return ""


def _fresh(replica) -> bool:
    replica.forget_status()
    return replica.replica_status().usable


def _replica_has(cluster, base: int, pk: int) -> bool:
    return cluster.psql(f"SELECT count(*) FROM org_unit WHERE id = {int(pk)}", port=base + 2) == "1"


def _until(check, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"not true within {timeout} s")
        time.sleep(0.3)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
