"""Who may use the handbook (DOMAIN.md §7): official and probationary members, not exempted ones."""

from __future__ import annotations

from enum import Enum
from typing import Any

from chibo.accounts import policy
from chibo.members.enums import Status
from chibo.members.models import Member

HANDBOOK_STATUSES = (Status.PROBATIONARY, Status.OFFICIAL)
# what the handbook's pages read of the member and their cell (the rest of the record is left out)
HANDBOOK_FIELDS = ("full_name", "sex", "birth_date", "citizen_id", "phone", "admission_date", "official_date",
                   "card_number", "status", "unit", "unit_path", "temp_unit", "unit__name", "unit__path",
                   "unit__kind", "unit__closed_on", "unit__parent")


class Refusal(Enum):
    EXEMPTED = "exempted"  # exempted from work and meetings: no handbook (Regulation 339)
    STAFF = "staff"  # an officer's account with no member record: the console is theirs
    NOT_MEMBER = "not_member"  # no record, no role; or removed, expelled, resigned, deceased


class HandbookRefused(Exception):
    def __init__(self, reason: Refusal):
        self.reason = reason
        super().__init__(reason.value)


def handbook_member(user: Any) -> Member:
    """The member record the user reads the handbook as (with its cell), or :class:`HandbookRefused`."""
    member_id = getattr(user, "member_id", None)
    member = (Member.objects.select_related("unit").only(*HANDBOOK_FIELDS).filter(pk=member_id).first()
              if member_id else None)
    if member is not None and member.status in HANDBOOK_STATUSES:
        return member
    if member is not None and member.status == Status.EXEMPTED:
        raise HandbookRefused(Refusal.EXEMPTED)
    raise HandbookRefused(Refusal.STAFF if policy.is_staff_user(user) else Refusal.NOT_MEMBER)
