"""The daily leaving job (job ledger): temporary exemptions (working far away) end the day after their
planned end. huey discovers ``<app>.tasks`` modules: the members app's ``tasks`` imports this one."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from chibo.core.jobs import periodic_job
from chibo.members.leaving import services


@periodic_job(crontab(hour="5", minute="30"))
def end_working_away_exemptions() -> int:
    return services.end_working_away_exemptions(timezone.localdate())
