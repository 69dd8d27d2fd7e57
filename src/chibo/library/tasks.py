"""The library's background jobs (huey): telling members of an assignment, the daily reminder."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from chibo.library import reminders


@db_task()
def notify_assigned(assignment_id: int) -> int:
    return reminders.assigned(assignment_id)


@db_periodic_task(crontab(hour="6", minute="10"))
def study_due_reminders() -> int:
    """Each morning: the study due within three days, to those who have not confirmed it."""
    return reminders.run(timezone.localdate())
