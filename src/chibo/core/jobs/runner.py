"""Running a job id a worker received: claim the row, run the function, mark the row; and the
heartbeat thread that keeps the rows of the jobs a worker process runs alive."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from contextlib import nullcontext

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_task

from chibo.core.jobs.ledger import lookup
from chibo.core.models import Job, JobState

logger = logging.getLogger("chibo.jobs")
ERROR_CHARS = 4000  # the end of a traceback kept in the row, for the administrator

_running: set[int] = set()
_lock = threading.Lock()
_threads: dict[str, int] = {}  # thread name -> pid that started it (a forked worker starts its own)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@db_task(name="chibo.run_job")
def run_job(job_id: int) -> None:
    """The queue's only task: run the ledger job ``job_id`` (its row says what). It returns
    nothing, so huey stores no result in Redis: the outcome is in the row."""
    execute(job_id)


def claim(job_id: int) -> Job | None:
    """Queued → running in one conditional UPDATE; None when another delivery got it first (or it
    is no longer queued)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, attempts=F("attempts") + 1, worker=worker_name(), started_at=now,
        heartbeat_at=now, error="")
    return Job.objects.get(pk=job_id) if claimed else None


def execute(job_id: int) -> str:
    job = claim(job_id)
    if job is None:
        return "skipped"
    if not HUEY.immediate:
        start_heartbeat()
    spec = lookup(job.name)
    if spec is None:
        logger.error("job %s: no job named %s is registered on %s", job.pk, job.name, job.worker)
        return _finish(job, JobState.FAILED, f"No job named {job.name} is registered on this worker: "
                                             "update the worker to the same version as the app servers.")
    with _lock:
        _running.add(job.pk)
    try:
        # inside a caller's transaction (jobs run at once in tests) a failure must not break it
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            spec.func(*job.args.get("args", []), **job.args.get("kwargs", {}))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.name)
        return _finish(job, JobState.FAILED, traceback.format_exc()[-ERROR_CHARS:])
    finally:
        with _lock:
            _running.discard(job.pk)
    return _finish(job, JobState.DONE, "")


def _finish(job: Job, state: str, error: str) -> str:
    """Mark this attempt's end (not if the sweeper has given the job to another attempt meanwhile)."""
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts).update(
        state=state, error=error, finished_at=timezone.now())
    return state


def beat() -> int:
    """One heartbeat: the rows of the jobs this process runs are marked alive now."""
    with _lock:
        ids = list(_running)
    if not ids:
        return 0
    return Job.objects.filter(pk__in=ids, state=JobState.RUNNING).update(heartbeat_at=timezone.now())


def start_heartbeat() -> None:
    start_thread("chibo-job-heartbeat", beat, settings.CHIBO_JOB_HEARTBEAT_SECONDS)


def start_thread(name: str, action, every: float) -> None:
    """``action()`` every ``every`` seconds in a daemon thread of this process (once per process),
    on the thread's own database connection, closed after each round."""
    with _lock:
        if _threads.get(name) == os.getpid():
            return
        _threads[name] = os.getpid()

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                action()
            except DatabaseError:
                logger.warning("%s: the database did not answer; trying again in %s s", name, every, exc_info=True)
            except Exception:
                logger.exception("%s failed; trying again in %s s", name, every)
            finally:
                connection.close()

    threading.Thread(target=loop, name=name, daemon=True).start()
