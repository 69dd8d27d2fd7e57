"""The scoped audit log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chibo.accounts.roles import Perm
from chibo.console.labels import AUDIT_ACTIONS
from chibo.console.views.common import console_view, require_anywhere
from chibo.core.queries import AUDIT_PAGE_SIZE, audit_for_user

PAGE_SIZE = AUDIT_PAGE_SIZE


def _after(request: HttpRequest) -> int | None:
    raw = request.GET.get("after", "")
    return int(raw) if raw.isdigit() else None


@console_view
def audit_log(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Perm.AUDIT_VIEW)
    action = request.GET.get("action", "")[:64]
    result = audit_for_user(request.user, action=action, after=_after(request), size=PAGE_SIZE)
    rows = [(entry, AUDIT_ACTIONS.get(entry.action, entry.action)) for entry in result.rows]
    return render(request, "console/audit.html", {
        "rows": rows, "next_cursor": result.next_cursor, "action": action,
        "actions": AUDIT_ACTIONS.items(), "after": request.GET.get("after", ""),
    })
