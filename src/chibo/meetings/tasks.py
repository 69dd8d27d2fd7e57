"""The meetings' background jobs (huey): the month's regular meetings on the 1st."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from chibo.meetings import services


@db_periodic_task(crontab(day="1", hour="0", minute="30"))
def generate_the_month() -> int:
    """Each cell's regular meeting of the month, from its schedule (the secretary then sets the
    topic and sends the invitations)."""
    return services.generate_month(timezone.localdate())


@db_task()
def invite_month(actor_id: int, unit_id: int, first: str) -> int:
    """A committee's "send all the month's invitations", run by the worker."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from chibo.org.models import Unit

    actor = get_user_model().objects.get(pk=actor_id)
    return services.invite_all(actor=actor, unit=Unit.objects.get(pk=unit_id), first=dt.date.fromisoformat(first))
