"""The daily admission reminders (huey)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from chibo.admissions import reminders


@db_periodic_task(crontab(hour="6", minute="0"))
def daily_reminders() -> int:
    return reminders.run(timezone.localdate())
