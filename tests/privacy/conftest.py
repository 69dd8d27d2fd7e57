"""Helpers of the "who can see my data" tests: audit lines written at a chosen time."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chibo.accounts import tokens
from chibo.accounts.policy import SYSTEM
from chibo.core import audit
from chibo.core.models import AuditEntry
from tests.api.conftest import PERSONAS, Api


def at(days_ago: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def line(action: str, *, actor, obj=None, unit_path: str = "", payload=None, days_ago: float = 1) -> AuditEntry:
    """An audit line through ``audit.record``, moved back ``days_ago`` days."""
    entry = audit.record(action, actor=actor, obj=obj, unit_path=unit_path, payload=payload)
    AuditEntry.objects.filter(pk=entry.pk).update(at=at(days_ago))
    entry.refresh_from_db()
    return entry


@pytest.fixture
def api(cast):
    raw = {p: tokens.create_token(getattr(cast, p), name="test", actor=SYSTEM)[1] for p in PERSONAS}
    return SimpleNamespace(**{p: Api(raw[p]) for p in PERSONAS}, anonymous=Api(None))
