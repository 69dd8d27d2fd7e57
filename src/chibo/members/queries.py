"""Reads of the member registry, all starting from :func:`members_for_user`."""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import NotFound
from chibo.core.text import fold, prefix_upper_bound
from chibo.members import rules
from chibo.members.enums import Status
from chibo.members.models import SENSITIVE_FIELDS, Member
from chibo.org.models import Unit

PAGE_SIZE = 50


def members_for_user(user: Any, perm: str = Perm.MEMBERS_VIEW) -> QuerySet[Member]:
    """The members the user may see: the subtrees of their grants, and their own record."""
    q = policy.scope_for(user, perm).q("unit_path")
    own = getattr(user, "member_id", None)
    if own and perm == Perm.MEMBERS_VIEW:
        q |= Q(pk=own)
    return Member.objects.filter(q)


def get_member_for_user(user: Any, pk: int, *, perm: str = Perm.MEMBERS_VIEW) -> Member:
    member = members_for_user(user, perm).select_related("unit", "temp_unit").filter(pk=pk).first()
    if member is None:
        raise NotFound("member")
    return member


def may_see_sensitive(user: Any, member: Member) -> bool:
    return getattr(user, "member_id", None) == member.pk or policy.can(
        user, Perm.MEMBERS_VIEW_SENSITIVE, member.unit_path
    )


def mask(value: str, field: str) -> str:
    if not value:
        return value
    if field == "citizen_id":
        return "•" * 8 + value[-4:]
    if field == "phone":
        return value[:3] + "•" * max(len(value) - 5, 1) + value[-2:]
    return "•••"


def profile_for(user: Any, member: Member) -> dict[str, Any]:
    """The sensitive fields as this user may see them, plus whether they were masked.

    Reading a full profile is audited (DOMAIN.md §9).
    """
    full = may_see_sensitive(user, member)
    values = {f: getattr(member, f) for f in SENSITIVE_FIELDS}
    shown = dict(values) if full else {f: mask(str(v), f) for f, v in values.items()}
    if full:
        shown["ethnicity"] = member.get_ethnicity_display()
        shown["religion"] = member.get_religion_display()
    audit.record("members.viewed", actor=user, obj=member, unit_path=member.unit_path,
                 payload={"sensitive": full})
    return {"fields": shown, "masked": not full}


CURRENT = "current"  # the status filter for the members a unit counts (official, probationary, exempted)


@dataclass
class Filters:
    status: str = ""  # a status, CURRENT, or "" for every status
    sex: str = ""
    ethnicity: str = ""
    religion: str = ""
    education: str = ""  # "lt9", "9-11", "12"
    age_band: str = ""
    q: str = ""

    def apply(self, qs: QuerySet[Member], user: Any, today: dt.date | None = None) -> QuerySet[Member]:
        """Narrow ``qs``. Filtering by a sensitive field (ethnicity, religion) keeps only members
        whose sensitive fields ``user`` may see, so the filter cannot reveal a masked value."""
        today = today or timezone.localdate()
        if self.ethnicity or self.religion:
            qs = qs.filter(policy.scope_for(user, Perm.MEMBERS_VIEW_SENSITIVE).q("unit_path"))
        if self.status == CURRENT:
            qs = qs.filter(status__in=Status.active())
        elif self.status:
            qs = qs.filter(status=self.status)
        for field in ("sex", "ethnicity", "religion"):
            value = getattr(self, field)
            if value:
                qs = qs.filter(**{field: value})
        if self.education == "lt9":
            qs = qs.filter(education_grade__lt=9)
        elif self.education == "9-11":
            qs = qs.filter(education_grade__gte=9, education_grade__lt=12)
        elif self.education == "12":
            qs = qs.filter(education_grade=12)
        if self.age_band:
            after, upto = rules.birth_range_for_age_band(self.age_band, today)
            if after:
                qs = qs.filter(birth_date__gt=after)
            if upto:
                qs = qs.filter(birth_date__lte=upto)
        return qs

    def page(self, qs: QuerySet[Member], user: Any, *, after: str | None = None, size: int = PAGE_SIZE) -> Page:
        """The filtered, searched page of ``qs`` (the member list of the console and the API)."""
        return page(self.apply(qs, user), after=after, size=size, search=self.q)


def search_phases(qs: QuerySet[Member], text: str) -> list[QuerySet[Member]]:
    """The querysets a search walks through, best matches first.

    Accent-insensitive: "nguyen van an" finds "Nguyễn Văn An", "dang" finds "Đặng". First the
    names that start with the text (an index range, fast on any data size), then the names in
    which a later word starts with it ("van an" finds "Nguyễn Văn An"). A 12-digit text looks up
    the citizen ID. Keeping the phases apart lets each use its own index: one OR of both made
    PostgreSQL scan millions of rows for a common prefix (bench/README.md).
    """
    raw = (text or "").strip()
    if raw.isdigit() and len(raw) == 12:
        return [qs.filter(citizen_id=raw)]
    key = fold(raw)
    if not key:
        return [qs]
    starts = Q(name_folded__gte=key, name_folded__lt=prefix_upper_bound(key))
    return [qs.filter(starts), qs.filter(name_folded__contains=" " + key).exclude(starts)]


Cursor = tuple[int, str, int]


def _encode(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")


def _decode(token: str) -> Cursor | None:
    """The (phase, name, id) of a cursor, or None when it is not one of ours (any garbage a client sends)."""
    try:
        phase, name, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        phase, name, pk = int(phase), str(name), int(pk)
        name.encode("utf-8")  # no lone surrogates
    except (ValueError, TypeError, OverflowError):
        return None
    if "\x00" in name or not 0 <= pk < 2**63 or phase not in (0, 1):  # values no column can hold
        return None
    return phase, name, pk


def _after(qs: QuerySet[Member], name: str, pk: int) -> QuerySet[Member]:
    """Rows after (name, pk) in (name_folded, id) order, written so the index range is seekable:
    ``name >= x AND (name > x OR id > y)``; a bare OR of the two made PostgreSQL scan."""
    return qs.filter(name_folded__gte=name).filter(Q(name_folded__gt=name) | Q(pk__gt=pk))


@dataclass
class Page:
    rows: list[Member]
    next_cursor: str | None


def page(qs: QuerySet[Member], *, after: str | None = None, size: int = PAGE_SIZE, search: str = "") -> Page:
    """One page of ``qs`` (optionally searched) by folded name then id: keyset pagination, no OFFSET."""
    phases = search_phases(qs, search)
    cursor = _decode(after) if after else None
    if cursor and cursor[0] >= len(phases):
        cursor = None
    found: list[tuple[int, Member]] = []
    for phase in range(cursor[0] if cursor else 0, len(phases)):
        part = phases[phase]
        if cursor and phase == cursor[0]:
            part = _after(part, cursor[1], cursor[2])
        rows = part.select_related("unit").order_by("name_folded", "pk")[: size + 1 - len(found)]
        found += [(phase, m) for m in rows]
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    last = found[-1] if found else None
    return Page([m for _p, m in found], _encode((last[0], last[1].name_folded, last[1].pk)) if more and last else None)


def in_unit(user: Any, unit: Unit) -> QuerySet[Member]:
    """Members the user may see in ``unit``'s subtree (the unit page's list)."""
    qs = members_for_user(user)
    if unit.holds_members:
        return qs.filter(unit=unit)
    return qs.filter(policy.subtree_q("unit_path", unit.path))
