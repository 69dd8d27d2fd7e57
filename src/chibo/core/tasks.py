"""The job ledger's own jobs; importing it (huey finds ``<app>.tasks``) also registers, in each
worker, the task that runs ledger jobs and the start of the heartbeat and the sweeper."""

from __future__ import annotations

from huey import crontab

from chibo.core.jobs import periodic_job, sweeper
from chibo.core.jobs import runner as _runner  # noqa: F401  (the queue's task: chibo.run_job)


@periodic_job(crontab(hour="4", minute="15"))
def purge_finished_jobs() -> int:
    """Each night: done jobs older than CHIBO_JOB_KEEP_DAYS leave the ledger (a second run finds none)."""
    return sweeper.purge_finished()
