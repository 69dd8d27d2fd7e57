"""Background jobs that deliver e-mail (huey)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from chibo.notifications import services


@db_task()
def send_pending_email() -> int:
    """E-mail the new notifications of users who want one e-mail per notification."""
    return services.send_email(digest=False)


@db_periodic_task(crontab(hour="7", minute="0"))
def send_digests() -> int:
    """Each morning, one digest per user who chose it."""
    return services.send_email(digest=True)
