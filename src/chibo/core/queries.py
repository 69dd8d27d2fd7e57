"""Reads of the kernel's tables, scoped by the access policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core.models import AuditEntry

AUDIT_PAGE_SIZE = 50


def audit_entries_for_user(user: Any) -> QuerySet[AuditEntry]:
    """Audit lines about units in the user's ``audit.view`` scope.

    Lines without a unit (system-wide actions) are seen only by a scope covering everything.
    """
    return AuditEntry.objects.filter(policy.scope_for(user, Perm.AUDIT_VIEW).q("unit_path"))


@dataclass
class AuditPage:
    rows: list[AuditEntry]
    next_cursor: int | None


def audit_for_user(user: Any, *, action: str = "", after: int | None = None,
                   size: int = AUDIT_PAGE_SIZE) -> AuditPage:
    """One page of the user's scoped audit log, newest first (keyset on id, no OFFSET).

    ``action`` keeps the lines whose action name starts with it (``members.`` or
    ``members.viewed``); ``after`` is the id of the last line of the previous page.
    """
    qs = audit_entries_for_user(user)
    if action:
        qs = qs.filter(action__startswith=action.strip())
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.select_related("actor").order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(rows, rows[-1].pk if more and rows else None)
