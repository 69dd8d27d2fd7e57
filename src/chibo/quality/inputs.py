"""What the data already holds, shown beside a review's scores (not retyped): for a member, their
meetings and attendance in the year, their study completion and their residence cell's comment;
for an organization, its admission-target result, its meetings' attendance and quality scores.

Each function answers for a whole list in a fixed number of queries (the pages that show them
have query-count tests): ``for_members`` five, ``for_units`` four for units of one depth (a list
mixing depths costs two more per further depth, never more per unit).

Where the figures come from:
- meetings: the invitations (``meetings.Invitation.attendance``) to the year's regular meetings, a
  cancelled meeting left out; for an organization, the meetings of its whole subtree in the year;
- studies: the study assignments that reach the member's cell (made on it or a unit above) due in
  the year, from the member's admission on, and the member's confirmations of them;
- the residence cell's comment: ``ResidenceComment`` of the member's review of the year;
- admissions: the year's ``admissions`` target of the unit and the admission tallies summed over
  the year (``targets.progress``, the same figures as the progress page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from chibo.core.numbers import percent
from chibo.library.models import StudyAssignment, StudyConfirmation
from chibo.meetings.models import Attendance, Invitation, Kind, Meeting, State
from chibo.members.models import Member
from chibo.org import paths
from chibo.org.models import Unit
from chibo.quality.models import ResidenceComment
from chibo.targets import progress
from chibo.targets.models import Indicator


@dataclass(frozen=True)
class MemberInputs:
    meetings: int = 0  # regular meetings of the year they were invited to
    present: int = 0
    excused: int = 0
    unexcused: int = 0
    studies_assigned: int = 0
    studies_done: int = 0
    residence_comment: str | None = None  # None: not asked; "": asked, not answered yet
    residence_cell: str = ""  # the name of the cell asked for the comment

    @property
    def attendance_percent(self) -> Decimal | None:
        """Present at the meetings whose attendance was recorded, in %."""
        return percent(self.present, self.present + self.excused + self.unexcused)


@dataclass(frozen=True)
class UnitInputs:
    admission_target: int | None = None  # the year's admission target, if one was set
    admitted: int = 0
    target_percent: Decimal | None = None
    meetings_held: int = 0
    attendance_percent: Decimal | None = None
    average_score: Decimal | None = None  # of the year's scored meetings


def _year_span(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (timezone.make_aware(dt.datetime(year, 1, 1)), timezone.make_aware(dt.datetime(year + 1, 1, 1)))


# ---- members --------------------------------------------------------------------------------

def for_members(cell: Unit, year: int, member_ids: list[int]) -> dict[int, MemberInputs]:
    """Inputs of the given members of ``cell`` for ``year``, keyed by member id (five queries)."""
    if not member_ids:
        return {}
    ids = list(dict.fromkeys(member_ids))
    meetings = _meetings_of(ids, year)
    studies = _studies_of(cell, ids, year)
    comments = _comments_of(ids, year)
    out: dict[int, MemberInputs] = {}
    for pk in ids:
        invited, present, excused, unexcused = meetings.get(pk, (0, 0, 0, 0))
        assigned, done = studies.get(pk, (0, 0))
        comment, residence_cell = comments.get(pk, (None, ""))
        out[pk] = MemberInputs(invited, present, excused, unexcused, assigned, done, comment, residence_cell)
    return out


def _meetings_of(ids: list[int], year: int) -> dict[int, tuple[int, int, int, int]]:
    """Member id → (invited, present, excused, unexcused) at the year's regular meetings."""
    start, end = _year_span(year)
    rows = (Invitation.objects.filter(member_id__in=ids, meeting__kind=Kind.REGULAR, meeting__starts_at__gte=start,
                                      meeting__starts_at__lt=end)
            .exclude(meeting__state=State.CANCELLED).values("member_id")
            .annotate(invited=Count("id"), present=Count("id", filter=Q(attendance=Attendance.PRESENT)),
                      excused=Count("id", filter=Q(attendance=Attendance.EXCUSED)),
                      unexcused=Count("id", filter=Q(attendance=Attendance.UNEXCUSED)))
            .values_list("member_id", "invited", "present", "excused", "unexcused"))
    return {pk: (invited, present, excused, unexcused) for pk, invited, present, excused, unexcused in rows}


def _studies_of(cell: Unit, ids: list[int], year: int) -> dict[int, tuple[int, int]]:
    """Member id → (assigned, confirmed): the assignments reaching the cell due in the year, those
    due before the member's admission left out, and the member's confirmations of them."""
    reaching = StudyAssignment.objects.filter(unit_path__in=paths.ancestors(cell.path), due_on__year=year)
    due_days = list(reaching.values_list("due_on", flat=True))
    admitted = dict(Member.objects.filter(pk__in=ids).values_list("pk", "admission_date"))
    done = dict(StudyConfirmation.objects.filter(member_id__in=ids, assignment__in=reaching)
                .filter(Q(member__admission_date__isnull=True) | Q(assignment__due_on__gte=F("member__admission_date")))
                .values("member_id").annotate(n=Count("id")).values_list("member_id", "n"))
    out = {}
    for pk in ids:
        since = admitted.get(pk)
        out[pk] = (sum(1 for day in due_days if since is None or day >= since), done.get(pk, 0))
    return out


def _comments_of(ids: list[int], year: int) -> dict[int, tuple[str, str]]:
    """Member id → (the comment, "" until answered; the residence cell's name) for the year's review."""
    rows = (ResidenceComment.objects.filter(review__member_id__in=ids, review__year=year, review__quarter=0)
            .values_list("review__member_id", "text", "answered_at", "residence_unit__name"))
    return {pk: (text if answered_at else "", name) for pk, text, answered_at, name in rows}


# ---- organizations --------------------------------------------------------------------------

def for_units(units: list[Unit], year: int) -> dict[int, UnitInputs]:
    """Inputs of the given organizations for ``year``, keyed by unit id."""
    if not units:
        return {}
    ids = [u.pk for u in units]
    targets = progress._targets(ids, year)
    sums = progress._sums(ids, dt.date(year, 1, 1), dt.date(year, 12, 31))
    start, end = _year_span(year)
    held = _by_subtree(Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end, state=State.HELD),
                       "unit_path", units, {"held": Count("id"), "scored": Count("score"), "points": Sum("score")})
    marked = _by_subtree(Invitation.objects.filter(member__isnull=False, meeting__starts_at__gte=start,
                                                   meeting__starts_at__lt=end).exclude(attendance=""),
                         "meeting__unit_path", units,
                         {"present": Count("id", filter=Q(attendance=Attendance.PRESENT)), "marked": Count("id")})
    out: dict[int, UnitInputs] = {}
    for unit in units:
        target = targets.get((unit.pk, Indicator.ADMISSIONS))
        admitted = sums.get(unit.pk, {}).get("admitted", 0)
        meetings, attendance = held.get(unit.path, {}), marked.get(unit.path, {})
        out[unit.pk] = UnitInputs(
            admission_target=target, admitted=admitted, target_percent=percent(admitted, target),
            meetings_held=meetings.get("held", 0),
            attendance_percent=percent(attendance.get("present", 0), attendance.get("marked", 0)),
            average_score=_average(meetings.get("points"), meetings.get("scored", 0)))
    return out


def _average(points: Any, scored: int) -> Decimal | None:
    if not scored or points is None:
        return None
    return (Decimal(points) / scored).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _by_subtree(qs: QuerySet, field: str, units: Iterable[Unit], aggregates: dict[str, Any]) -> dict[str, dict]:
    """The ``aggregates`` of ``qs`` over each unit's subtree, keyed by the unit's path: the rows
    are grouped by their path's prefix of the units' length (one query per length: siblings, the
    usual list, are one), within the index range that covers the units."""
    by_width: dict[int, list[str]] = {}
    for unit in units:
        by_width.setdefault(len(unit.path), []).append(unit.path)
    out: dict[str, dict] = {}
    for width, wanted in sorted(by_width.items()):
        covering = Q(**{f"{field}__gte": min(wanted), f"{field}__lt": paths.upper_bound(max(wanted))})
        rows = (qs.filter(covering).annotate(subtree=Substr(field, 1, width)).filter(subtree__in=wanted)
                .values("subtree").annotate(**aggregates).order_by())
        for row in rows:
            values = dict(row)
            out[values.pop("subtree")] = values
    return out
