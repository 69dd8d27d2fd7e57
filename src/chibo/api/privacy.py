"""API: "who can see my data" (issue 13): the caller's own record only, the handbook page's data."""
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from chibo.accounts.visibility import as_data, visibility_of
from chibo.api.schemas import ERRORS, text
from chibo.core.audit_queries import Read, reads_of
from chibo.core.errors import NotFound
from chibo.handbook.privacy_views import own_record, what_text

router = Router(tags=["privacy"])


class UnitOut(Schema):
    id: int
    name: str
    kind: str


class ReaderOut(Schema):
    unit: UnitOut
    role: str
    role_label: str
    people: int = Field(description="How many people hold this role on this unit (never who).")
    via: str = Field(description="official (your cell and above), temporary (your temporary cell), "
                                 "transfer (the receiving side of a transfer in progress).")
    reads: bool = Field(description="Whether they can read your record.")
    masked: list[str] = Field(description="The sensitive fields they see masked (empty: all shown).")
    exports: bool = Field(description="Whether they may export your record in a list of members.")


class RoleOut(Schema):
    role: str
    role_label: str
    unit: UnitOut


class ReadOut(Schema):
    at: dt.datetime
    action: str = Field(description="members.viewed (your full record opened), members.exported or "
                                    "reports.exported (a list or report of a scope that included your cell).")
    by: str = Field(description="you, system or officer.")
    roles: list[RoleOut] = Field(description="The reader's roles that day on a unit above what they read.")
    what: str
    sensitive_shown: bool | None = Field(description="Whether the sensitive fields were shown unmasked.")


class PrivacyOut(Schema):
    member: int
    sensitive_fields: list[str]
    readers: list[ReaderOut]
    not_reading: list[ReaderOut]
    reads: list[ReadOut]
    since: dt.datetime
    next: str | None = Field(description="Pass as ?after= for the next page of reads; null on the last.")


class PrivacyQuery(Schema):
    after: text(100) | None = Field(None, description="The `next` value of the previous page.")


def _read(r: Read) -> dict[str, Any]:
    payload = r.entry.payload or {}
    shown = payload.get("sensitive") if not r.is_export else (not payload["masked"] if "masked" in payload else None)
    return {"at": r.entry.at, "action": r.entry.action,
            "by": "you" if r.by_self else "system" if r.by_system else "officer",
            "roles": [{"role": role, "role_label": str(_role_label(role)),
                       "unit": {"id": u.pk, "name": u.name, "kind": u.kind}} for role, u in r.roles],
            "what": what_text(r), "sensitive_shown": shown}


def _role_label(role: str) -> str:
    from chibo.accounts.roles import Role

    return str(Role(role).label) if role in Role.values else role


@router.get("/me", response={200: PrivacyOut, **ERRORS}, summary="Who can see my data, and who read it")
def privacy_me(request, params: Query[PrivacyQuery]):
    member = own_record(request.auth)
    if member is None:
        raise NotFound(_("Your account is not linked to a member record."))
    page = reads_of(member, after=params.after)
    data = as_data(visibility_of(member))
    return {**data, "reads": [_read(r) for r in page.rows], "since": page.since, "next": page.next_cursor}
