"""What the data already holds, shown beside a review's scores (not retyped): for a member, their
meetings and attendance in the year, their study completion and their residence cell's comment;
for an organization, its admission-target result, its meetings' attendance and quality scores.

Each function answers for a whole list in a fixed number of queries (the pages that show them
have query-count tests).

(Contract fixed for issue 12; the implementation is being built.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chibo.org.models import Unit


@dataclass(frozen=True)
class MemberInputs:
    meetings: int = 0  # regular meetings of the year they were invited to
    present: int = 0
    excused: int = 0
    unexcused: int = 0
    studies_assigned: int = 0
    studies_done: int = 0
    residence_comment: str | None = None  # None: not asked; "": asked, not answered yet


@dataclass(frozen=True)
class UnitInputs:
    admission_target: int | None = None  # the year's admission target, if one was set
    admitted: int = 0
    target_percent: Decimal | None = None
    meetings_held: int = 0
    attendance_percent: Decimal | None = None
    average_score: Decimal | None = None  # of the year's scored meetings


def for_members(cell: Unit, year: int, member_ids: list[int]) -> dict[int, MemberInputs]:
    """Inputs of the given members of ``cell`` for ``year``, keyed by member id."""
    return {pk: MemberInputs() for pk in member_ids}


def for_units(units: list[Unit], year: int) -> dict[int, UnitInputs]:
    """Inputs of the given organizations for ``year``, keyed by unit id."""
    return {u.pk: UnitInputs() for u in units}
