"""The sweeper: in every worker process, every ``CHIBO_JOB_SWEEP_SECONDS``, the running jobs whose
worker died are queued again (or failed after their last attempt, with their ``on_dead`` hook),
and the queued jobs whose message was lost (Redis keeps nothing on disk) are sent again.

Several sweepers may run at once: on PostgreSQL each takes its rows with ``FOR UPDATE SKIP
LOCKED``, so no row is handled twice."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import on_startup

from chibo.core.jobs.ledger import lookup, send_after_commit
from chibo.core.jobs.runner import start_heartbeat, start_thread
from chibo.core.models import Job, JobState

logger = logging.getLogger("chibo.jobs")
BATCH = 500  # rows a sweep handles at most of each kind (the next sweep takes the rest)
DEAD_ERROR = ("The worker running this job stopped (no heartbeat for {seconds} s) on its last attempt "
              "({attempts} of {most}). Retry it with 'python -m chibo jobs --retry {id}'.")


@dataclass
class Sweep:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)


def sweep(*, now: dt.datetime | None = None) -> Sweep:
    """One sweep (see the module's docstring); the jobs to send are sent after its commit."""
    now = now or timezone.now()
    result = Sweep()
    with transaction.atomic():
        dead_before = now - dt.timedelta(seconds=settings.CHIBO_JOB_DEAD_SECONDS)
        for job in _locked(state=JobState.RUNNING, heartbeat_at__lt=dead_before).order_by("heartbeat_at")[:BATCH]:
            if job.attempts < job.max_attempts:
                _requeue(job, now)
                result.requeued.append(job.pk)
            else:
                _fail_dead(job, now)
                result.failed.append(job.pk)
        resend_before = now - dt.timedelta(seconds=settings.CHIBO_JOB_RESEND_SECONDS)
        lost = _locked(state=JobState.QUEUED, sent_at__lt=resend_before).order_by("sent_at")
        result.resent = list(lost.values_list("pk", flat=True)[:BATCH])
        Job.objects.filter(pk__in=result.resent).update(sent_at=now)
        send_after_commit(result.requeued + result.resent)
    if result.requeued or result.failed or result.resent:
        logger.warning("job sweeper: %d dead jobs queued again %s, %d failed %s, %d lost messages sent again %s",
                       len(result.requeued), result.requeued, len(result.failed), result.failed,
                       len(result.resent), result.resent)
    return result


def _locked(**conditions):
    return Job.objects.select_for_update(skip_locked=True).filter(**conditions)


def _requeue(job: Job, now: dt.datetime) -> None:
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, sent_at=now, worker="",
                                         error=f"attempt {job.attempts}: the worker {job.worker} stopped")


def _fail_dead(job: Job, now: dt.datetime) -> None:
    job.state, job.finished_at = JobState.FAILED, now
    job.error = DEAD_ERROR.format(seconds=settings.CHIBO_JOB_DEAD_SECONDS, attempts=job.attempts,
                                  most=job.max_attempts, id=job.pk)
    job.save(update_fields=["state", "finished_at", "error"])
    spec = lookup(job.name)
    if spec is None or spec.on_dead is None:
        return
    try:
        with transaction.atomic():
            spec.on_dead(job)
    except Exception:
        logger.exception("the on_dead hook of job %s (%s) failed", job.pk, job.name)


def retry(job_id: int) -> Job:
    """A failed job queued again (a new attempt budget), sent after the commit."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.FAILED:
            raise ValueError(f"job {job_id} is {job.state}: only a failed job can be retried.")
        now = timezone.now()
        job.state, job.attempts, job.sent_at, job.finished_at, job.worker = JobState.QUEUED, 0, now, None, ""
        job.save(update_fields=["state", "attempts", "sent_at", "finished_at", "worker"])
        send_after_commit([job.pk])
    return job


def purge_finished(*, now: dt.datetime | None = None) -> int:
    """Done jobs older than ``CHIBO_JOB_KEEP_DAYS`` leave the ledger (failed ones stay)."""
    before = (now or timezone.now()) - dt.timedelta(days=settings.CHIBO_JOB_KEEP_DAYS)
    return Job.objects.filter(state=JobState.DONE, finished_at__lt=before).delete()[0]


@on_startup(name="chibo-job-ledger")
def start_worker_threads() -> None:
    """In each worker process: the heartbeat of its jobs and the sweeper."""
    start_heartbeat()
    start_thread("chibo-job-sweeper", sweep, settings.CHIBO_JOB_SWEEP_SECONDS)
