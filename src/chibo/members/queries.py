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


def sensitive_visible(user: Any) -> Q:
    """The members in the scope of ``user``'s right to see sensitive fields, as a filter: a search
    or filter by such a field keeps only them, so it cannot confirm a masked value. No user: nobody."""
    if user is None:
        return Q(pk__in=[])
    return policy.scope_for(user, Perm.MEMBERS_VIEW_SENSITIVE).q("unit_path")


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
            qs = qs.filter(sensitive_visible(user))
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
        return page(self.apply(qs, user), after=after, size=size, search=self.q, user=user)


@dataclass(frozen=True)
class Phase:
    """One step of a search: the rows it adds, read in ``key`` order (then id) from an index."""

    rows: QuerySet[Member]
    key: str


NAME, TAIL, GIVEN, INNER = "name_folded", "name_tail", "given_folded", "name_inner"


def search_phases(qs: QuerySet[Member], text: str, user: Any = None) -> list[Phase]:
    """The phases a search walks through, best matches first.

    Accent-insensitive: "nguyen van an" finds "Nguyễn Văn An", "dang" finds "Đặng". Each phase is
    an index range read in order, so a page costs about the same whatever the data size: the
    names that start with the text, then those whose part after the surname starts with it
    ("van an"), then those whose given name (last word) does ("an"), then those whose third word
    does when it is not the last ("thu" in "Nguyễn Thị Thu Hương"). A last phase finds a later
    word of the rare names of five words or more; it reads only those names (a partial index).
    Each phase leaves out the rows of the earlier ones.

    A 12-digit text looks up the citizen ID, among the members whose citizen ID ``user`` may see
    (:func:`sensitive_visible`): a masked ID cannot be confirmed by searching for it.
    """
    raw = (text or "").strip()
    if is_citizen_id_search(raw):
        return [Phase(qs.filter(sensitive_visible(user), citizen_id=raw), NAME)]
    key = fold(raw)
    if not key:
        return [Phase(qs, NAME)]
    bound = prefix_upper_bound(key)
    starts = [Q(**{f"{field}__gte": key, f"{field}__lt": bound}) for field in (NAME, TAIL, GIVEN, INNER)]
    phases = [Phase(qs.filter(starts[0]), NAME)]
    for i, field in ((1, TAIL), (2, GIVEN), (3, INNER)):
        phases.append(Phase(qs.filter(starts[i]).exclude(_any(starts[:i])), field))
    later_word = Q(name_rest__gte=key, name_rest__lt=bound) | Q(name_rest__contains=" " + key)
    phases.append(Phase(qs.filter(later_word, name_rest__isnull=False).exclude(_any(starts)), NAME))
    return phases


def is_citizen_id_search(text: str) -> bool:
    """Whether a search text looks up a citizen ID (12 digits) rather than a name."""
    raw = (text or "").strip()
    return raw.isdigit() and len(raw) == 12


def _any(conditions: list[Q]) -> Q:
    either = Q()
    for condition in conditions:
        either |= condition
    return either


Cursor = tuple[int, str, int]  # phase, the phase's key of the last row, its id


def _encode(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")


def _decode(token: str) -> Cursor | None:
    """The (phase, key, id) of a cursor, or None when it is not one of ours (any garbage a client sends)."""
    try:
        phase, name, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        phase, name, pk = int(phase), str(name), int(pk)
        name.encode("utf-8")  # no lone surrogates
    except (ValueError, TypeError, OverflowError):
        return None
    if "\x00" in name or not 0 <= pk < 2**63 or not 0 <= phase < 8:  # values no column can hold
        return None
    return phase, name, pk


def _after(qs: QuerySet[Member], value: str, pk: int, key: str = NAME) -> QuerySet[Member]:
    """Rows after (value, pk) in (key, id) order, written so the index range is seekable:
    ``key >= x AND (key > x OR id > y)``; a bare OR of the two made PostgreSQL scan."""
    return qs.filter(**{f"{key}__gte": value}).filter(Q(**{f"{key}__gt": value}) | Q(pk__gt=pk))


@dataclass
class Page:
    rows: list[Member]
    next_cursor: str | None


def page(qs: QuerySet[Member], *, after: str | None = None, size: int = PAGE_SIZE, search: str = "",
         user: Any = None) -> Page:
    """One page of ``qs`` (optionally searched as ``user``: :func:`search_phases`), each phase by
    its key then id: keyset pagination, no OFFSET."""
    phases = search_phases(qs, search, user)
    cursor = _decode(after) if after else None
    if cursor and cursor[0] >= len(phases):
        cursor = None
    found: list[tuple[int, Member]] = []
    for number in range(cursor[0] if cursor else 0, len(phases)):
        phase = phases[number]
        part = phase.rows
        if cursor and number == cursor[0]:
            part = _after(part, cursor[1], cursor[2], phase.key)
        rows = part.select_related("unit").order_by(phase.key, "pk")[: size + 1 - len(found)]
        found += [(number, m) for m in rows]
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    if not (more and found):
        return Page([m for _p, m in found], None)
    number, last = found[-1]
    return Page([m for _p, m in found], _encode((number, getattr(last, phases[number].key), last.pk)))


def in_unit(user: Any, unit: Unit) -> QuerySet[Member]:
    """Members the user may see in ``unit``'s subtree (the unit page's list)."""
    qs = members_for_user(user)
    if unit.holds_members:
        return qs.filter(unit=unit)
    return qs.filter(policy.subtree_q("unit_path", unit.path))
