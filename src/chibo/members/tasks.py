"""The member registry's daily jobs (huey)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from chibo.members.leaving.tasks import end_working_away_exemptions  # noqa: F401  (huey finds it here)
from chibo.members.transfers import reminders as transfer_reminders


@db_periodic_task(crontab(hour="6", minute="10"))
def daily_transfer_reminders() -> int:
    """Transfers not started by their start-by day, letters not presented by their present-by day,
    temporary stays ending (chibo.members.transfers.reminders)."""
    return transfer_reminders.run(timezone.localdate())
