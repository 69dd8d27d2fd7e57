"""Jobs through Redis: queued by one process, run by the worker, a process on another "machine"."""

from __future__ import annotations

import sys

from tests.deploy.conftest import chibo_env, run_chibo, started

# queued through the job ledger (its row, then its id to Redis), then its row watched until the worker ran it
ENQUEUE = ("import time\nfrom chibo.reports.tasks import run_export\njob = run_export(0)\n"
           "for _ in range(600):\n    job.refresh_from_db()\n    if job.state in ('done', 'failed'): break\n"
           "    time.sleep(0.1)\nprint(job.state, job.worker != '')")


def test_a_job_queued_by_one_process_is_run_by_the_worker_through_redis(tmp_path, redis_queue):
    database = f"sqlite:///{tmp_path / 'chibo.sqlite3'}"
    shared = {"DATABASE_URL": database, "REDIS_URL": redis_queue.url, "CHIBO_QUEUE_NAME": redis_queue.name}
    migrated = run_chibo("migrate", "-v", "0", CHIBO_DATA_DIR=str(tmp_path / "setup"), **shared)
    assert migrated.returncode == 0, migrated.stderr
    worker_dir, app_dir = tmp_path / "worker", tmp_path / "app"
    env = chibo_env(CHIBO_DATA_DIR=str(worker_dir), **shared)
    with started([sys.executable, "-m", "chibo", "worker"], env, tmp_path / "worker.log"):
        queued = run_chibo("shell", "-v", "0", "-c", ENQUEUE, CHIBO_DATA_DIR=str(app_dir), **shared)
    assert queued.returncode == 0, queued.stderr + (tmp_path / "worker.log").read_text()
    assert queued.stdout == "done True\n"  # run by the worker (run_export's answer: "missing", no such export)
    assert not (worker_dir / "jobs.sqlite3").exists()
    assert not (app_dir / "jobs.sqlite3").exists()
