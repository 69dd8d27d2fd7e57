"""The meetings' background jobs (job ledger): the month's regular meetings on the 1st."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from chibo.core.jobs import job, periodic_job
from chibo.meetings import services


@periodic_job(crontab(day="1", hour="0", minute="30"))
def generate_the_month() -> int:
    """Each cell's regular meeting of the month, from its schedule (the secretary then sets the
    topic and sends the invitations)."""
    return services.generate_month(timezone.localdate())


@job()
def invite_month(actor_id: int, unit_id: int, first: str) -> int:
    """A committee's "send all the month's invitations", run by the worker."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from chibo.org.models import Unit

    actor = get_user_model().objects.get(pk=actor_id)
    return services.invite_all(actor=actor, unit=Unit.objects.get(pk=unit_id), first=dt.date.fromisoformat(first))
