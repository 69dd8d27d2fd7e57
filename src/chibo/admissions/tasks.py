"""The daily admission reminders (job ledger)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from chibo.admissions import reminders
from chibo.core.jobs import periodic_job


@periodic_job(crontab(hour="6", minute="0"))
def daily_reminders() -> int:
    return reminders.run(timezone.localdate())
