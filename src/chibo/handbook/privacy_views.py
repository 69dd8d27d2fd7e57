"""Handbook: "Who can see my data" (issue 13; DOMAIN.md §9; decision 0012).

Any logged-in user with a member record reads it about their own record, whatever its status (an
exempted or removed member keeps the right to know who reads their data): who may read the
record, computed from the access policy (``accounts.visibility``), and the reads and exports of
the last 12 months from the audit log (``core.audit_queries``), newest first, paged. An account
without a member record gets a page that says so.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from chibo.accounts.roles import Role
from chibo.accounts.visibility import OFFICIAL, TEMPORARY, Reader, visibility_of
from chibo.core.audit_queries import Read, reads_of
from chibo.handbook.access import HANDBOOK_STATUSES
from chibo.members.models import SENSITIVE_FIELDS, Member
from chibo.notifications import services as inbox


def own_record(user: Any) -> Member | None:
    """The user's own member record (any status) with its cells, or None."""
    member_id = getattr(user, "member_id", None)
    if not member_id:
        return None
    return Member.objects.select_related("unit", "temp_unit").filter(pk=member_id).first()


def field_label(name: str) -> str:
    return str(cast(Field, Member._meta.get_field(name)).verbose_name)


def masked_text(fields: tuple[str, ...]) -> str:
    if not fields:
        return _("sees every field, the sensitive ones included")
    return _("sees %(fields)s masked") % {"fields": ", ".join(field_label(f) for f in fields)}


def via_text(reader: Reader) -> str:
    if reader.via == OFFICIAL:
        return ""
    if reader.via == TEMPORARY:
        return _("your temporary cell")
    return _("the receiving side of your transfer")


def reader_text(read: Read) -> str:
    if read.by_self:
        return _("You")
    if read.by_system:
        return _("The system (a scheduled job or an import)")
    if not read.roles:
        return _("An officer who no longer holds a role")
    return "; ".join(f"{Role(role).label} — {unit.name}" for role, unit in read.roles)


def what_text(read: Read) -> str:
    payload = read.entry.payload or {}
    scope = read.scope.name if read.scope else read.entry.unit_path
    fmt = str(payload.get("format", "")).upper()
    if not read.is_export:
        if payload.get("sensitive"):
            return _("Your full record, the sensitive fields shown")
        return _("Your full record, the sensitive fields masked")
    masked = _("sensitive fields masked") if payload.get("masked") else _("sensitive fields shown")
    if read.entry.action == "members.exported":
        return _("The list of members of %(scope)s, exported as %(format)s (%(masked)s)") % {
            "scope": scope, "format": fmt, "masked": masked}
    title = payload.get("title") or scope
    return _("A list or report of %(scope)s: “%(title)s”, exported as %(format)s") % {
        "scope": scope, "title": title, "format": fmt}


def context_for(member: Member, after: str | None) -> dict[str, Any]:
    vis = visibility_of(member)
    page = reads_of(member, after=after)
    readers = [{"r": r, "masked": masked_text(r.masked), "via": via_text(r)} for r in vis.readers]
    others = [{"r": r, "via": via_text(r)} for r in vis.others]
    reads = [{"read": r, "who": reader_text(r), "what": what_text(r)} for r in page.rows]
    return {"subject": member, "readers": readers, "others": others, "reads": reads,
            "next_cursor": page.next_cursor, "paged": bool(after), "since": page.since,
            "sensitive": [field_label(f) for f in SENSITIVE_FIELDS]}


@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    member = own_record(request.user)
    if member is None:
        return render(request, "handbook/privacy_none.html", {})
    context = context_for(member, request.GET.get("after"))
    if member.status in HANDBOOK_STATUSES:  # the handbook's menu: only for those who use it
        context.update(member=member, unread=inbox.unread_count(request.user))
    return render(request, "handbook/privacy.html", context)


urlpatterns: list[URLPattern] = [
    path("privacy/", privacy, name="privacy"),
]
