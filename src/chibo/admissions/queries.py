"""Reads of admission cases, all starting from :func:`cases_for_user` (scoped by the policy)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.admissions.models import AdmissionCase, AdmissionTally, Awaits, Course
from chibo.admissions.stages import FINAL, PIPELINE, Stage, next_stages, under_committee
from chibo.core.errors import NotFound
from chibo.org import paths
from chibo.org.models import Unit

PAGE_SIZE = 50


def cases_for_user(user: Any, perm: str = Perm.MEMBERS_VIEW) -> QuerySet[AdmissionCase]:
    """The cases in the subtrees where the user may see members."""
    return AdmissionCase.objects.filter(policy.scope_for(user, perm).q("unit_path"))


def get_case_for_user(user: Any, pk: int) -> AdmissionCase:
    case = cases_for_user(user).select_related("cell", "member", "helper", "course").filter(pk=pk).first()
    if case is None:
        raise NotFound("case")
    return case


def may_see_sensitive(user: Any, case: AdmissionCase) -> bool:
    """As for a member's profile: ``members.view_sensitive`` on the cell, or the case's own member."""
    own = case.member_id is not None and getattr(user, "member_id", None) == case.member_id
    return own or policy.can(user, Perm.MEMBERS_VIEW_SENSITIVE, case.unit_path)


def in_subtree(qs: QuerySet[AdmissionCase], unit: Unit) -> QuerySet[AdmissionCase]:
    return qs.filter(policy.subtree_q("unit_path", unit.path))


@dataclass
class Column:
    stage: Stage
    next: Stage  # the move every case of the column waits for
    cases: list[AdmissionCase]


def board(cell: Unit) -> list[Column]:
    """The cell's open cases by stage, each column in deadline order (one query on (cell, stage))."""
    stages = [s for s in PIPELINE if s != Stage.OFFICIAL and (under_committee(cell) or s != Stage.COMMITTEE_RESOLVED)]
    under = under_committee(cell)
    columns: dict[str, Column] = {s: Column(s, next_stages(s, under_committee=under)[0], []) for s in stages}
    rows = (AdmissionCase.objects.filter(cell=cell, stage__in=stages)
            .only("id", "full_name", "stage", "stage_on", "next_due", "awaits", "failed_recognition_votes")
            .order_by("stage", F("next_due").asc(nulls_last=True), "id"))
    for case in rows:
        columns[case.stage].cases.append(case)
    return list(columns.values())


@dataclass
class Page:
    rows: list[AdmissionCase]
    next_cursor: str | None


def _keyset(qs: QuerySet[AdmissionCase], after: str | None, size: int) -> Page:
    """A page in (next_due, id) order; ``after`` is "<date>:<id>" of the previous page's last row."""
    cursor = _cursor(after)
    if cursor:
        day, pk = cursor
        qs = qs.filter(Q(next_due__gt=day) | Q(next_due=day, pk__gt=pk))
    rows = list(qs.select_related("cell").order_by("next_due", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    for case in rows:  # the move each case waits for, for the list's "next step" column
        moves = next_stages(case.stage, under_committee=under_committee(case.cell))
        case.next_step = moves[0] if moves else None  # type: ignore[attr-defined]
    last = rows[-1] if rows else None
    return Page(rows, f"{last.next_due.isoformat()}:{last.pk}" if more and last and last.next_due else None)


def _cursor(after: str | None) -> tuple[dt.date, int] | None:
    """The (date, id) of a cursor; None for a missing or garbled one (the list starts over)."""
    day, _sep, pk = (after or "").partition(":")
    if not pk.isdecimal() or len(pk) > 18:  # an id beyond any database integer: start over
        return None
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def inbox(user: Any, unit: Unit, *, after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """Cases awaiting a committee (verification, resolutions, decisions, recognitions) in the
    subtree of ``unit`` that the user may decide on, soonest deadline first."""
    qs = in_subtree(cases_for_user(user, Perm.ADMISSIONS_DECIDE), unit).filter(
        awaits=Awaits.COMMITTEE, next_due__isnull=False)
    return _keyset(qs, after, size)


def overdue(user: Any, unit: Unit, today: dt.date, *, after: str | None = None, size: int = PAGE_SIZE) -> Page:
    """Open cases past their deadline in the subtree of ``unit``, the longest overdue first."""
    qs = in_subtree(cases_for_user(user), unit).filter(next_due__lt=today)
    return _keyset(qs, after, size)


def overdue_by_child(user: Any, unit: Unit, today: dt.date) -> list[tuple[Unit, int]]:
    """How many cases are overdue under each child of ``unit`` (one GROUP BY on the path prefix)."""
    width = len(unit.path) + paths.STEP
    prefix = Substr("unit_path", 1, width)
    counts = dict(in_subtree(cases_for_user(user), unit).filter(next_due__lt=today)
                  .annotate(prefix=prefix).values_list("prefix").annotate(n=Count("id")).values_list("prefix", "n"))
    children = Unit.objects.filter(path__in=list(counts)).order_by("path")
    return [(child, counts[child.path]) for child in children]


def stage_counts(user: Any, unit: Unit) -> dict[str, int]:
    """Open cases of the subtree by stage."""
    rows = (in_subtree(cases_for_user(user), unit).exclude(stage__in=FINAL)
            .values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    return dict(rows)


def get_course_for_user(user: Any, pk: int) -> Course:
    course = Course.objects.filter(policy.scope_for(user, Perm.MEMBERS_VIEW).q("unit_path"), pk=pk).first()
    if course is None:
        raise NotFound("course")
    return course


@dataclass
class CourseRow:
    course: Course
    participants: int


def courses(user: Any, unit: Unit, year: int) -> list[CourseRow]:
    """The awareness courses run in the subtree in ``year``, with their participants."""
    scope = policy.scope_for(user, Perm.MEMBERS_VIEW).q("unit_path")
    qs = (Course.objects.filter(scope).filter(policy.subtree_q("unit_path", unit.path))
          .filter(starts_on__year=year).annotate(n=Count("participants")).order_by("starts_on", "id"))
    return [CourseRow(c, c.n) for c in qs]


def year_totals(unit: Unit, year: int) -> dict[str, int]:
    """The unit's subtree admission tallies summed over ``year`` (at most 12 rows)."""
    columns = ("course", "admitted", "official")
    totals = dict.fromkeys(columns, 0)
    for row in AdmissionTally.objects.filter(unit=unit, day__year=year).values(*columns):
        for key in columns:
            totals[key] += row[key]
    return totals

