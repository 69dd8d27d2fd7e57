"""Refusals that confirm a citizen ID, counted so that a masked number cannot be found by trying.

Opening or correcting a case refuses a citizen ID that is already a member's or an open case's: the
refusal itself tells the actor that the number exists, the confirmation the member search no longer
gives to those who may not see citizen IDs (DOMAIN §9). Each such refusal is logged (after the
service's transaction is rolled back, so the entry stays), and once an actor reaches the rulebook's
``admissions.known_id_refusals_per_day`` in a day, every case naming a citizen ID is refused until
the next day, with the reason; the organization board sees the entries in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.core import audit
from chibo.core.errors import DomainError
from chibo.core.models import AuditEntry
from chibo.core.rulebook import rule

ACTION = "admissions.known_citizen_id"
Service = TypeVar("Service", bound=Callable[..., Any])


class KnownCitizenId(DomainError):
    """A refusal because the citizen ID is already known; counted by :func:`counted`."""

    def __init__(self, message: Any, field_errors: dict[str, list], *, citizen_id: str, unit_path: str):
        super().__init__(message, field_errors)
        self.citizen_id, self.unit_path = citizen_id, unit_path


def counted(service: Service) -> Service:
    """Wrap a case service taking ``actor`` and ``data`` or ``changes``: refuse at once past the day's
    limit, and log each :class:`KnownCitizenId` refusal outside the service's transaction."""

    @wraps(service)
    def wrapper(*args: Any, actor: Any, **kwargs: Any) -> Any:
        if (kwargs.get("data") or kwargs.get("changes") or {}).get("citizen_id"):
            _refuse_past_the_limit(actor)
        try:
            return service(*args, actor=actor, **kwargs)
        except KnownCitizenId as refused:
            audit.record(ACTION, actor=actor, unit_path=refused.unit_path, payload={"citizen_id": refused.citizen_id})
            raise

    return wrapper  # type: ignore[return-value]


def _refuse_past_the_limit(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        return  # the system's own jobs
    today = timezone.localdate()
    limit = int(rule("admissions.known_id_refusals_per_day", on=today))
    since = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    if AuditEntry.objects.filter(actor=actor, action=ACTION, at__gte=since).count() >= limit:
        message = _("Today you have entered %(n)d citizen IDs that already belong to a member or an open case: "
                    "no more cases with a citizen ID until tomorrow. Ask the organization board to check the "
                    "person's record.") % {"n": limit}
        raise DomainError(message, {"citizen_id": [message]})
