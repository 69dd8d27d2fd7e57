"""The yearly (and quarterly) review: a unit's results by level (from the tallies), the member
reviews of a unit's subtree (keyset pages, scoped like the console), and the caller's own review."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Query, Router

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.api.quality_schemas import MyReview, MyReviewQuery, ResultsOut, ResultsQuery, ReviewPage, ReviewsQuery
from chibo.api.schemas import ERRORS, MAX_ID, Id
from chibo.core.errors import NotFound, PermissionDenied
from chibo.core.replica import replica_reads
from chibo.org import queries as org_queries
from chibo.org.models import Unit
from chibo.quality import frameworks, tallies
from chibo.quality.enums import Exclusion, Form, Level, Step
from chibo.quality.models import MemberReview

router = Router(tags=["quality"])

_CURSOR = re.compile(r"^([0-9]{1,255}):([0-9]{1,19})$")
LEVELS = tuple(Level.values)
REVIEW_FIELDS = ("id", "year", "quarter", "unit_path", "form", "step", "excluded", "self_score", "self_level",
                 "cell_score", "votes_for", "votes_present", "verified_score", "final_score", "level", "capped_by",
                 "member__id", "member__full_name", "unit__id", "unit__code", "unit__name")


def _unit_ref(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _counts(v: dict[str, int], subject: str) -> dict[str, int]:
    return {"total": v[f"{subject}_total"], **{level: v[f"{subject}_{level}"] for level in LEVELS}}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def render_item(r: MemberReview) -> dict[str, Any]:
    return {
        "id": r.pk, "member": {"id": r.member_id, "full_name": r.member.full_name}, "cell": _unit_ref(r.unit),
        "year": r.year, "quarter": r.quarter, "form": r.form, "step": r.step, "step_label": str(Step(r.step).label),
        "excluded": r.excluded, "self_score": _number(r.self_score), "self_level": r.self_level,
        "cell_score": _number(r.cell_score), "votes_for": r.votes_for, "votes_present": r.votes_present,
        "verified_score": _number(r.verified_score), "final_score": _number(r.final_score), "level": r.level,
        "level_label": str(Level(r.level).label) if r.level else "", "capped_by": r.capped_by,
    }


def _cursor(after: str | None) -> tuple[str, int] | None:
    """The ``<unit path>:<id>`` of the last row of the previous page, or None (start again)."""
    found = _CURSOR.match(after or "")
    if not found or int(found.group(2)) > MAX_ID:
        return None
    return found.group(1), int(found.group(2))


@router.get("/units/{unit_id}/results", response={200: ResultsOut, **ERRORS},
            summary="A unit's review results by level: its whole subtree, from the tallies")
@replica_reads
def unit_results(request, unit_id: Id, params: Query[ResultsQuery]):
    unit = org_queries.get_unit_for_user(request.auth, pk=unit_id)
    v = tallies.results(unit, params.year, params.quarter)
    return {"unit": _unit_ref(unit), "year": params.year, "quarter": params.quarter,
            "organizations": _counts(v, "org"), "grassroots": _counts(v, "grassroots"),
            "members": _counts(v, "member") | {"not_classified": v["member_not_classified"]}}


@router.get("/units/{unit_id}/reviews", response={200: ReviewPage, **ERRORS},
            summary="The member reviews of a unit's subtree for a year, paged")
@replica_reads
def unit_reviews(request, unit_id: Id, params: Query[ReviewsQuery]):
    unit = org_queries.get_unit_for_user(request.auth, pk=unit_id)
    if not policy.can(request.auth, Perm.MEMBERS_VIEW, unit.path):
        raise PermissionDenied()
    qs = (MemberReview.objects.filter(policy.subtree_q("unit_path", unit.path), year=params.year,
                                      quarter=params.quarter)
          .select_related("member", "unit").only(*REVIEW_FIELDS).order_by("unit_path", "pk"))
    cursor = _cursor(params.after)
    if cursor is not None:
        qs = qs.filter(Q(unit_path__gt=cursor[0]) | Q(unit_path=cursor[0], pk__gt=cursor[1]))
    rows = list(qs[: params.limit + 1])
    nxt = None
    if len(rows) > params.limit:
        last = rows[params.limit - 1]
        nxt = f"{last.unit_path}:{last.pk}"
    return {"items": [render_item(r) for r in rows[: params.limit]], "next": nxt}


@router.get("/my-review", response={200: MyReview, **ERRORS},
            summary="Your own review: the newest, or the one of a year")
def my_review(request, params: Query[MyReviewQuery]):
    member_id = getattr(request.auth, "member_id", None)
    qs = (MemberReview.objects.filter(member_id=member_id or 0)
          .select_related("member", "unit", "period", "framework__extends__extends"))
    if params.year is not None:
        qs = qs.filter(year=params.year, quarter=params.quarter)
    review = qs.order_by("-year", "-quarter", "-pk").first()
    if review is None:
        raise NotFound(_("You have no review yet.") if params.year is None else _("You have no review that year."))
    period = review.period
    return render_item(review) | {
        "form_label": str(Form(review.form).label),
        "excluded_label": str(Exclusion(review.excluded).label) if review.excluded else "",
        "deadlines": {f: getattr(period, f) for f in ("ends_on", "self_until", "cell_until", "verify_until",
                                                       "decide_until")},
        "criteria": frameworks.shown(review.framework),
        "self_text": review.self_text, "self_scores": review.self_scores or {}, "self_at": review.self_at,
        "cell_note": review.cell_note, "cell_at": review.cell_at, "verify_note": review.verify_note,
        "verified_at": review.verified_at, "decided_at": review.decided_at,
    }
