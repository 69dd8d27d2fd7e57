"""The job ledger with real processes (PostgreSQL and Redis): a worker killed with SIGKILL in the
middle of a job loses nothing; a second worker's sweeper runs the job again and its effect is
there exactly once.

Run on PostgreSQL (``DATABASE_URL=postgres://…``); Redis on 127.0.0.1:6379, database 12, a queue
of the test's own.
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import F

from chibo.core.models import AuditEntry, Job
from tests.deploy.conftest import chibo_env, run_chibo, started, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_DB = 12
REPOSITORY = Path(__file__).resolve().parents[2]
# short heartbeats and sweeps, so that the test waits seconds rather than the defaults' minute
SHORT = {"CHIBO_JOB_HEARTBEAT_SECONDS": "1", "CHIBO_JOB_DEAD_SECONDS": "3", "CHIBO_JOB_SWEEP_SECONDS": "1",
         "CHIBO_JOB_RESEND_SECONDS": "3"}
ENQUEUE = "from tests.deploy.ledger_jobs import write_slowly; print(write_slowly({tag!r}, {seconds}).pk)"


@pytest.fixture
def shared(tmp_path) -> Iterator[dict[str, str]]:
    """The settings every process shares: the test database, a Redis queue of the test's own."""
    import redis

    if connection.vendor != "postgresql":
        pytest.skip("the ledger's real-process test runs on PostgreSQL (DATABASE_URL=postgres://…)")
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis answers on 127.0.0.1:6379 (scripts/ensure-redis starts one)")
    s = connection.settings_dict
    name = f"jobsledger{uuid.uuid4().hex[:12]}"
    try:
        yield {"DATABASE_URL": f"postgres://{quote(s['USER'])}:{quote(s['PASSWORD'] or '')}@{s['HOST'] or '127.0.0.1'}:"
                               f"{s['PORT'] or 5432}/{s['NAME']}",
               "REDIS_URL": url, "CHIBO_QUEUE_NAME": name, "CHIBO_JOB_MODULES": "tests.deploy.ledger_jobs",
               "PYTHONPATH": str(REPOSITORY), **SHORT}
    finally:
        for key in client.scan_iter(f"*{name}*"):
            client.delete(key)
        client.close()


def _worker(tmp_path: Path, name: str, shared: dict[str, str]) -> SimpleNamespace:
    log = tmp_path / f"{name}.log"
    env = chibo_env(CHIBO_DATA_DIR=str(tmp_path / name), **shared)
    return SimpleNamespace(argv=[sys.executable, "-m", "chibo", "worker"], env=env, log=log)


def test_a_worker_killed_mid_job_loses_nothing_and_the_job_runs_exactly_once(tmp_path, shared):
    first, second = _worker(tmp_path, "worker-1", shared), _worker(tmp_path, "worker-2", shared)
    logs = [first.log, second.log]
    with started(first.argv, first.env, first.log) as process:
        queued = run_chibo("shell", "-v", "0", "-c", ENQUEUE.format(tag="once", seconds=5),
                           CHIBO_DATA_DIR=str(tmp_path / "app"), **shared)
        assert queued.returncode == 0, queued.stderr
        pk = int(queued.stdout)
        # running on worker 1, its heartbeat going (the job's transaction is open, its line not committed)
        running = wait_until(lambda: Job.objects.filter(pk=pk, state="running", worker__endswith=f":{process.pid}",
                                                        heartbeat_at__gt=F("started_at")).first(),
                             "worker 1 did not run the job with a heartbeat", logs, timeout=30)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert running.attempts == 1 and AuditEntry.objects.filter(object_id="once").count() == 0
    assert Job.objects.get(pk=pk).state == "running"  # nobody has noticed yet

    with started(second.argv, second.env, second.log) as process:
        done = wait_until(lambda: Job.objects.filter(pk=pk, state__in=["done", "failed"]).first(),
                          "worker 2's sweeper did not run the dead job again", logs, timeout=40)
    assert (done.state, done.attempts, done.error) == ("done", 2, "")
    assert done.worker.endswith(f":{process.pid}")
    lines = list(AuditEntry.objects.filter(action="jobtest.written", object_id="once"))
    assert len(lines) == 1 and lines[0].payload["pid"] == process.pid  # exactly once, by worker 2
