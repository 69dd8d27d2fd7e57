"""The meetings' background jobs (huey): the month's regular meetings on the 1st."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from chibo.meetings import services


@db_periodic_task(crontab(day="1", hour="0", minute="30"))
def generate_the_month() -> int:
    """Each cell's regular meeting of the month, from its schedule (the secretary then sets the
    topic and sends the invitations)."""
    return services.generate_month(timezone.localdate())
