"""The member registry: list and search, detail (masked and audited), create, update."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from chibo.api.schemas import ERRORS, Id, MemberChanges, MemberDetail, MemberFilters, MemberIn, MemberPage
from chibo.core.replica import replica_reads
from chibo.members import queries, services
from chibo.members.models import SENSITIVE_FIELDS, Member
from chibo.members.services import PROFILE_FIELDS
from chibo.org import queries as org_queries

router = Router(tags=["members"])


def _unit_ref(unit) -> dict[str, Any] | None:
    return None if unit is None else {"id": unit.pk, "code": unit.code, "name": unit.name}


def render_detail(user: Any, member: Member) -> dict[str, Any]:
    """The member as ``user`` may see them: :func:`profile_for` decides the masking (and audits)."""
    profile = queries.profile_for(user, member)
    out = {f: getattr(member, f) for f in PROFILE_FIELDS}
    if profile["masked"]:
        out.update({f: profile["fields"][f] for f in SENSITIVE_FIELDS})
    return out | {
        "id": member.pk, "status_since": member.status_since, "masked": profile["masked"],
        "unit": _unit_ref(member.unit), "temp_unit": _unit_ref(member.temp_unit),
    }


def _filters(params: MemberFilters) -> queries.Filters:
    fields = ("status", "sex", "ethnicity", "religion", "education", "age_band", "q")
    return queries.Filters(**{f: getattr(params, f) or "" for f in fields})


@router.get("/", response={200: MemberPage, **ERRORS}, summary="Members you may see, filtered, paged by name")
@replica_reads
def member_list(request, params: Query[MemberFilters]):
    if params.unit is None:
        qs = queries.members_for_user(request.auth)
    else:
        qs = queries.in_unit(request.auth, org_queries.get_unit_for_user(request.auth, pk=params.unit))
    found = _filters(params).page(qs, request.auth, after=params.after, size=params.limit)
    return {"items": found.rows, "next": found.next_cursor}


@router.get("/{member_id}", response={200: MemberDetail, **ERRORS}, summary="A member's profile")
def member_detail(request, member_id: Id):
    return render_detail(request.auth, queries.get_member_for_user(request.auth, member_id))


@router.post("/", response={201: MemberDetail, **ERRORS}, summary="Register a member in a cell")
def member_create(request, payload: MemberIn):
    unit = org_queries.get_unit_for_user(request.auth, pk=payload.unit)
    member = services.create_member(actor=request.auth, unit=unit, data=payload.changes())
    return 201, render_detail(request.auth, member)


@router.patch("/{member_id}", response={200: MemberDetail, **ERRORS}, summary="Change a member's profile")
def member_update(request, member_id: Id, payload: MemberChanges):
    member = queries.get_member_for_user(request.auth, member_id)
    member = services.update_member(member, actor=request.auth, changes=payload.changes())
    return render_detail(request.auth, member)
