"""The member registry's daily jobs (job ledger)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from chibo.core.jobs import periodic_job
from chibo.members.leaving.tasks import end_working_away_exemptions  # noqa: F401  (the worker finds it here)
from chibo.members.transfers import reminders as transfer_reminders


@periodic_job(crontab(hour="6", minute="10"))
def daily_transfer_reminders() -> int:
    """Transfers not started by their start-by day, letters not presented by their present-by day,
    temporary stays ending (chibo.members.transfers.reminders)."""
    return transfer_reminders.run(timezone.localdate())
