"""Admission cases: list, detail (masked and audited), open, correct, record a step; the
committee's inbox and the overdue report. Every rule is ``admissions.services``'."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.admissions import queries, rules, services, stages
from chibo.admissions.models import AdmissionCase, Course, Introduction, Verification
from chibo.admissions.stages import Stage
from chibo.api.admissions_schemas import (
    CaseChanges,
    CaseDetail,
    CaseFilters,
    CaseIn,
    CasePage,
    CaseQueue,
    OverdueQueue,
    QueueQuery,
    StepFacts,
    StepIn,
)
from chibo.api.schemas import ERRORS, Id
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.replica import replica_reads
from chibo.members import queries as member_queries
from chibo.members.models import SENSITIVE_FIELDS
from chibo.org import queries as org_queries
from chibo.org.models import Unit

router = Router(tags=["admissions"])

FACT_KEYS = frozenset(StepFacts.model_fields)


def _unit_ref(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _get_case(user: Any, pk: int) -> AdmissionCase:
    try:
        return queries.get_case_for_user(user, pk)
    except NotFound:
        raise NotFound(_("No such case.")) from None


# ---------------------------------------------------------------- rendering


def render_item(case: AdmissionCase, today: dt.date) -> dict[str, Any]:
    return {
        "id": case.pk, "full_name": case.full_name, "cell": _unit_ref(case.cell), "stage": case.stage,
        "stage_label": str(Stage(case.stage).label), "stage_on": case.stage_on, "awaits": case.awaits,
        "next_due": case.next_due, "overdue": case.next_due is not None and rules.overdue(case.next_due, today),
        "member_id": case.member_id,
    }


def render_detail(user: Any, case: AdmissionCase) -> dict[str, Any]:
    """The case as ``user`` may see it; reading it is audited like a member's profile."""
    prefetch_related_objects(
        [case], "steps", "documents", Prefetch("verifications", queryset=Verification.objects.order_by("id")),
        Prefetch("introductions", queryset=Introduction.objects.select_related("member").order_by("id")))
    full = queries.may_see_sensitive(user, case)
    identity = {f: getattr(case, f) for f in services.IDENTITY_FIELDS}
    if not full:
        identity.update({f: member_queries.mask(str(identity[f]), f) for f in SENSITIVE_FIELDS if f in identity})
    audit.record("admissions.viewed", actor=user, obj=case, unit_path=case.unit_path, payload={"sensitive": full})
    moves = stages.next_stages(case.stage, under_committee=stages.under_committee(case.cell))
    return render_item(case, timezone.localdate()) | identity | {
        "masked": not full,
        "helper": None if case.helper is None else {"id": case.helper.pk, "full_name": case.helper.full_name},
        "course": None if case.course is None else {"id": case.course.pk, "name": case.course.name},
        **{f: getattr(case, f) for f in (
            "certificate_no", "certificate_issuer", "certificate_date", "dossier_since", "youth_union_path",
            "cell_vote_on", "decision_no", "decision_on", "ceremony_on", "failed_recognition_votes", "extended")},
        "steps": [{"id": s.pk, "stage": s.stage, "stage_label": str(Stage(s.stage).label), "passed": s.passed,
                   "on": s.on, "number": s.number, "yes": s.yes, "voters": s.voters, "needed": s.needed,
                   "note": s.note} for s in case.steps.all()],
        "introductions": [{"member": {"id": i.member.pk, "full_name": i.member.full_name},
                           "together_since": i.together_since, "on": i.on} for i in case.introductions.all()],
        "verifications": [{"relation": v.relation, "name": v.name, "result": v.result, "note": v.note}
                          for v in case.verifications.all()],
        "next_moves": [{"stage": m.value, "label": str(m.label), "permission": stages.permission_for(m),
                        "allowed": policy.can(user, stages.permission_for(m), case.unit_path)} for m in moves],
        "documents": [{"id": d.pk, "title": d.title, "url": reverse("console:case_document_file", args=[d.pk]),
                       "uploaded_at": d.uploaded_at} for d in case.documents.all()],
    }


def _detail_of(user: Any, pk: int) -> dict[str, Any]:
    return render_detail(user, _get_case(user, pk))


# ---------------------------------------------------------------- paging


def _encode(cursor: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")


def _decode(token: str | None) -> list[Any] | None:
    """The JSON list inside a cursor, or None when it is not one of ours."""
    if not token:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _pk(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value < 2**63 else None


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _page(qs: QuerySet[AdmissionCase], *, by_due: bool, after: str | None, limit: int) -> dict[str, Any]:
    """One page in id order, or in (next_due, id) order with the cases without a deadline last:
    keyset pagination, no OFFSET. A cursor that cannot be read starts from the beginning."""
    cursor = _decode(after)
    if by_due:
        qs = qs.order_by(F("next_due").asc(nulls_last=True), "id")
        if cursor and len(cursor) == 3 and cursor[0] == "due" and _pk(cursor[2]) is not None:
            day, pk = _day(cursor[1]), cursor[2]
            if cursor[1] is None:  # among the cases without a deadline
                qs = qs.filter(next_due__isnull=True, pk__gt=pk)
            elif day is not None:
                qs = qs.filter(Q(next_due__gte=day) & (Q(next_due__gt=day) | Q(pk__gt=pk))
                               | Q(next_due__isnull=True))
    else:
        qs = qs.order_by("id")
        if cursor and len(cursor) == 2 and cursor[0] == "id" and _pk(cursor[1]) is not None:
            qs = qs.filter(pk__gt=cursor[1])
    rows = list(qs.select_related("cell")[: limit + 1])
    today = timezone.localdate()
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = _encode(["due", last.next_due and last.next_due.isoformat(), last.pk] if by_due else ["id", last.pk])
    return {"items": [render_item(c, today) for c in rows[:limit]], "next": nxt}


_QUEUE_CURSOR = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}):([0-9]{1,18})$")


def _queue_cursor(after: str | None) -> str | None:
    """The ``<date>:<id>`` cursor of ``queries.inbox``/``overdue``, or None when it is not one."""
    found = _QUEUE_CURSOR.match(after or "")
    return after if found and _day(found.group(1)) is not None else None


def _queue_unit(user: Any, pk: int | None, perm: str) -> Unit:
    """The unit asked for, or the top unit of the scope of ``perm``: 404 for a unit the user may not
    see, 403 for one they see without ``perm`` there (or without ``perm`` anywhere)."""
    if pk is None:
        if not policy.has_perm_anywhere(user, perm):
            raise PermissionDenied()
        return org_queries.scope_roots(user, perm)[0]
    unit = org_queries.get_unit_for_user(user, pk=pk)
    if not policy.can(user, perm, unit.path):
        raise PermissionDenied()
    return unit


# ---------------------------------------------------------------- operations


@router.get("/cases", response={200: CasePage, **ERRORS}, summary="Admission cases you may see, filtered, paged")
@replica_reads
def case_list(request, params: Query[CaseFilters]):
    qs = queries.cases_for_user(request.auth)
    if params.unit is not None:
        unit = org_queries.get_unit_for_user(request.auth, pk=params.unit, perm=Perm.MEMBERS_VIEW)
        qs = queries.in_subtree(qs, unit)
    if params.stage is not None:
        qs = qs.filter(stage=params.stage)
    if params.awaits is not None:
        qs = qs.filter(awaits=params.awaits)
    if params.overdue is not None:
        late = Q(next_due__lt=timezone.localdate())
        qs = qs.filter(late) if params.overdue else qs.exclude(late)
    by_due = params.awaits is not None or params.overdue is not None
    return _page(qs, by_due=by_due, after=params.after, limit=params.limit)


@router.get("/cases/{case_id}", response={200: CaseDetail, **ERRORS}, summary="A case, its timeline and next moves")
def case_detail(request, case_id: Id):
    return _detail_of(request.auth, case_id)


@router.post("/cases", response={201: CaseDetail, **ERRORS}, summary="Put a person on a cell's sympathizer list")
def case_create(request, payload: CaseIn):
    cell = org_queries.get_unit_for_user(request.auth, pk=payload.cell, perm=Perm.MEMBERS_VIEW)
    helper = None
    if payload.helper is not None:
        helper = member_queries.get_member_for_user(request.auth, payload.helper)
    case = services.open_case(actor=request.auth, cell=cell, data=payload.changes(), on=payload.on,
                              resolution=payload.resolution, helper=helper)
    return Status(201, _detail_of(request.auth, case.pk))


@router.patch("/cases/{case_id}", response={200: CaseDetail, **ERRORS}, summary="Correct the applicant's details")
def case_update(request, case_id: Id, payload: CaseChanges):
    case = _get_case(request.auth, case_id)
    services.update_case(case, actor=request.auth, changes=payload.changes())
    return _detail_of(request.auth, case.pk)


@router.post("/cases/{case_id}/steps", response={200: CaseDetail, **ERRORS},
             summary="Record the case's next step (or its end)")
def case_step(request, case_id: Id, payload: StepIn):
    case = _get_case(request.auth, case_id)
    facts = payload.facts.facts()
    try:
        _check_course(request.auth, case, payload.to, facts)
        services.advance(case, actor=request.auth, to=payload.to, on=payload.on, facts=facts,
                         expected=payload.expected)
    except DomainError as exc:
        # the step functions name the facts' keys bare; in the body they are under ``facts``
        exc.field_errors = {f"facts.{k}" if k in FACT_KEYS else k: v for k, v in exc.field_errors.items()}
        raise
    return _detail_of(request.auth, case.pk)


def _check_course(user: Any, case: AdmissionCase, to: str, facts: dict[str, Any]) -> None:
    """The course step stores ``facts.course`` as given: refuse an id that is no course of the
    cell's committees (the console offers only those), rather than fail on the foreign key."""
    if to != Stage.COURSE or "course" not in facts or not policy.can(user, stages.permission_for(to),
                                                                          case.unit_path):
        return
    if not Course.objects.filter(pk=facts["course"], unit_path__in=case.cell.ancestor_paths()).exists():
        raise DomainError(_("The step was not recorded: correct the fields marked below."),
                          {"course": [_("Choose a course run by the cell's committee or one above it.")]})


@router.get("/inbox", response={200: CaseQueue, **ERRORS},
            summary="Cases awaiting the committee, soonest deadline first")
@replica_reads
def admissions_inbox(request, params: Query[QueueQuery]):
    unit = _queue_unit(request.auth, params.unit, Perm.ADMISSIONS_DECIDE)
    page = queries.inbox(request.auth, unit, after=_queue_cursor(params.after), size=params.limit)
    today = timezone.localdate()
    return {"unit": _unit_ref(unit), "items": [render_item(c, today) for c in page.rows], "next": page.next_cursor}


@router.get("/overdue", response={200: OverdueQueue, **ERRORS},
            summary="Open cases past a deadline, longest overdue first, and how many under each subunit")
@replica_reads
def admissions_overdue(request, params: Query[QueueQuery]):
    unit = _queue_unit(request.auth, params.unit, Perm.MEMBERS_VIEW)
    today = timezone.localdate()
    page = queries.overdue(request.auth, unit, today, after=_queue_cursor(params.after), size=params.limit)
    return {"unit": _unit_ref(unit), "items": [render_item(c, today) for c in page.rows], "next": page.next_cursor,
            "by_child": [{"unit": _unit_ref(child), "count": n}
                         for child, n in queries.overdue_by_child(request.auth, unit, today)]}
