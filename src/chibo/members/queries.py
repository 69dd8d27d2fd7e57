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


@dataclass
class Filters:
    status: str = ""
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
        for field in ("status", "sex", "ethnicity", "religion"):
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
        if self.q:
            qs = search(qs, self.q)
        return qs


def search(qs: QuerySet[Member], text: str) -> QuerySet[Member]:
    """Accent-insensitive name search: "nguyen van an" finds "Nguyễn Văn An", "dang" "Đặng".

    A name starting with the words typed is an index range; a 12-digit query looks up the
    citizen ID; otherwise any word of the name may start with the text.
    """
    raw = text.strip()
    if raw.isdigit() and len(raw) == 12:
        return qs.filter(citizen_id=raw)
    key = fold(raw)
    if not key:
        return qs
    starts = Q(name_folded__gte=key, name_folded__lt=prefix_upper_bound(key))
    return qs.filter(starts | Q(name_folded__contains=" " + key))


def _encode(cursor: tuple[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")


def _decode(token: str) -> tuple[str, int] | None:
    """The (name, id) of a cursor, or None when it is not one of ours (any garbage a client sends)."""
    try:
        name, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        name, pk = str(name), int(pk)
        name.encode("utf-8")  # no lone surrogates
    except (ValueError, TypeError, OverflowError):
        return None
    if "\x00" in name or not 0 <= pk < 2**63:  # values no database column can hold
        return None
    return name, pk


@dataclass
class Page:
    rows: list[Member]
    next_cursor: str | None


def page(qs: QuerySet[Member], *, after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of ``qs`` ordered by folded name then id (keyset pagination: no OFFSET)."""
    cursor = _decode(after) if after else None
    if cursor:
        name, pk = cursor
        qs = qs.filter(Q(name_folded__gt=name) | Q(name_folded=name, pk__gt=pk))
    rows = list(qs.select_related("unit").order_by("name_folded", "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, _encode((rows[-1].name_folded, rows[-1].pk)) if more and rows else None)


def in_unit(user: Any, unit: Unit) -> QuerySet[Member]:
    """Members the user may see in ``unit``'s subtree (the unit page's list)."""
    qs = members_for_user(user)
    if unit.holds_members:
        return qs.filter(unit=unit)
    return qs.filter(unit_path__gte=unit.path, unit_path__lt=unit.path_upper)
