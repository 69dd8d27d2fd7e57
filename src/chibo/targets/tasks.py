"""The evening job that takes the scheduled progress reports (job ledger)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from chibo.core.jobs import periodic_job
from chibo.targets import reports


@periodic_job(crontab(hour="23", minute="30"))
def take_scheduled_reports() -> int:
    return reports.run(timezone.localdate())


@periodic_job(crontab(month="1", day="1", hour="0", minute="5"))
def count_members_on_new_year() -> int:
    """The members on 1 January: the base of the year's admission rate."""
    from chibo.targets.services import snapshot_members

    return snapshot_members(timezone.localdate())
