"""API: the party card, party age, badges (issue 13). The badge list of an award day for a unit's
subtree (scoped, keyset paged) and the caller's own card, party age and badges."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.api.schemas import ERRORS, MAX_ID, Id
from chibo.core.errors import NotFound, PermissionDenied
from chibo.core.replica import replica_reads
from chibo.members.cards import badges, queries
from chibo.members.models import Member
from chibo.org import queries as org_queries

router = Router(tags=["cards"])
_CURSOR = re.compile(r"^(\d{5,255})\|([a-z0-9 ]{0,120})\|(\d{1,19})$")


class BadgeQuery(Schema):
    day: dt.date = Field(description="An award day (3 Feb, 19 May, 2 Sep, 7 Nov), YYYY-MM-DD.")
    after: str | None = Field(None, max_length=400, description="The `next` value of the previous page.")
    limit: int = Field(100, ge=1, le=500)


class UnitRef(Schema):
    id: int
    name: str


class BadgeDue(Schema):
    member_id: int
    full_name: str
    unit: UnitRef
    tier: int = Field(description="The badge: years of party age.")
    reached_on: dt.date = Field(description="The day the party age reaches the tier.")
    since: dt.date = Field(description="The day the party age counts from (gaps moved it later).")
    kind: str = Field(description="regular, early (seriously ill) or posthumous.")


class BadgePage(Schema):
    day: dt.date
    previous_day: dt.date
    items: list[BadgeDue]
    next: str | None


class PartyAgeOut(Schema):
    years: int
    months: int
    since: dt.date
    paused_on: dt.date | None


class CardOut(Schema):
    number: str
    kind: str
    state: str
    state_label: str
    issued_on: dt.date
    handed_over_on: dt.date | None


class BadgeOut(Schema):
    tier: int
    award_day: dt.date
    kind: str


class MyCard(Schema):
    full_name: str
    card: CardOut | None
    party_age: PartyAgeOut | None
    badges: list[BadgeOut]


def _cursor(after: str | None) -> tuple[str, str, int] | None:
    found = _CURSOR.match(after or "")
    if not found or int(found.group(3)) > MAX_ID:
        return None
    return found.group(1), found.group(2), int(found.group(3))


@router.get("/units/{unit_id}/badges", response={200: BadgePage, **ERRORS},
            summary="The members of a unit's subtree due a party badge on an award day, paged")
@replica_reads
def unit_badges(request, unit_id: Id, params: Query[BadgeQuery]):
    unit = org_queries.get_unit_for_user(request.auth, pk=unit_id)
    if not policy.can(request.auth, Perm.MEMBERS_VIEW, unit.path):
        raise PermissionDenied(_("You may not see the members of this unit."))
    plan = badges.plan_for(params.day)
    page = badges.due_page(unit, params.day, after=_cursor(params.after), size=params.limit)
    return {"day": params.day, "previous_day": plan.previous, "next": "|".join(map(str, page.next_key))
            if page.next_key else None,
            "items": [{"member_id": r.member_id, "full_name": r.full_name, "unit": {"id": r.unit_id,
                       "name": r.unit_name}, "tier": r.tier, "reached_on": r.reached, "since": r.since,
                       "kind": r.kind} for r in page.rows]}


@router.get("/me", response={200: MyCard, **ERRORS}, summary="Your own party card, party age and badges")
def my_card(request):
    member = Member.objects.filter(pk=getattr(request.auth, "member_id", None) or 0).first()
    if member is None:
        raise NotFound(_("Your account is not linked to a member record."))
    own = queries.of_member(member, timezone.localdate())
    card: dict[str, Any] | None = None
    if own.card is not None:
        c = own.card
        card = {"number": c.number, "kind": c.kind, "state": c.state, "state_label": str(c.get_state_display()),
                "issued_on": c.issued_on, "handed_over_on": c.handed_over_on}
    age = own.age
    return {"full_name": member.full_name, "card": card,
            "party_age": None if age is None else {"years": age.years, "months": age.months, "since": age.since,
                                                   "paused_on": age.paused_on},
            "badges": [{"tier": b.tier, "award_day": b.award_day, "kind": b.kind} for b in own.badges]}
