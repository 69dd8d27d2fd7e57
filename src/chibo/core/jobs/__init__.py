"""The job ledger: background jobs that are never lost (docs/operations.md "Background jobs that
are never lost").

A job's row (:class:`chibo.core.models.Job`) is the truth; the queue (Redis, or huey's SQLite
file on one machine) only carries the row's id to a worker. ``@job()`` and
``@periodic_job(crontab)`` replace huey's ``@db_task()`` and ``@db_periodic_task``; calling a job
(``run_import(job.pk)``) writes its row in the caller's transaction and sends the id after the
commit. A worker claims the row (queued → running) before it runs the function, so a second
delivery does nothing; its heartbeat keeps the row alive; the sweeper of every worker re-queues
the jobs of a dead worker and sends again the ids a restarted Redis lost. Every job must be safe
to run twice.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q
from django.utils import timezone

from chibo.core.jobs.ledger import REGISTRY, JobSpec, job, lookup, periodic_job
from chibo.core.models import Job, JobState

__all__ = ["REGISTRY", "JobSpec", "job", "lookup", "periodic_job", "queue_stats"]


def queue_stats(*, now: dt.datetime | None = None) -> dict:
    """``{"queued": int, "running": int, "oldest_queued_seconds": float}`` in one query on the
    ledger's partial indexes (for the metrics)."""
    row = Job.objects.filter(state__in=[JobState.QUEUED, JobState.RUNNING]).aggregate(
        queued=Count("pk", filter=Q(state=JobState.QUEUED)),
        running=Count("pk", filter=Q(state=JobState.RUNNING)),
        oldest=Min("enqueued_at", filter=Q(state=JobState.QUEUED)),
    )
    oldest = row["oldest"]
    age = max(0.0, ((now or timezone.now()) - oldest).total_seconds()) if oldest else 0.0
    return {"queued": row["queued"], "running": row["running"], "oldest_queued_seconds": age}
