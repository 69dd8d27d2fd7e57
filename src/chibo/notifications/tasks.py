"""Background jobs that deliver e-mail (job ledger)."""

from __future__ import annotations

from huey import crontab

from chibo.core.jobs import job, periodic_job
from chibo.notifications import services


@job()
def send_pending_email() -> int:
    """E-mail the new notifications of users who want one e-mail per notification."""
    return services.send_email(digest=False)


@periodic_job(crontab(hour="7", minute="0"))
def send_digests() -> int:
    """Each morning, one digest per user who chose it."""
    return services.send_email(digest=True)
