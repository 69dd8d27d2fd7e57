"""The library's background jobs (job ledger): telling members of an assignment, the daily reminder."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from chibo.core.jobs import job, periodic_job
from chibo.library import reminders


@job()
def notify_assigned(assignment_id: int) -> int:
    return reminders.assigned(assignment_id)


@periodic_job(crontab(hour="6", minute="10"))
def study_due_reminders() -> int:
    """Each morning: the study due within three days, to those who have not confirmed it."""
    return reminders.run(timezone.localdate())
