"""Admission tallies (ARCHITECTURE.md §7): per unit and day, for the unit's subtree as it stood.

A step adds a delta to the row of its day for the cell and every ancestor (one INSERT that
creates the missing rows, one UPDATE that adds). When a unit moves, its year-to-date counts leave
the old ancestors and join the new ones on the day of the move, so the sum of a unit's rows
from 1 January to any day D is the year's count under the structure of D: a unit merged in June
counts under its old parent before and under its successor after.

``compute`` replays every event and move from scratch to check (``verify``) or ``rebuild``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Sum

from chibo.admissions.models import ADMISSION_COLUMNS, AdmissionCase, AdmissionTally, CaseStep
from chibo.admissions.stages import Stage
from chibo.members import tallies as member_tallies
from chibo.org import paths
from chibo.org.models import Unit, UnitPathPeriod

Vector = dict[str, int]
Key = tuple[int, dt.date]  # unit id, day
CATEGORIES = ("women", "ethnic_minority", "religious", "youth_union", "student", "non_state_enterprise",
              "residential", "civil_servant", "entrepreneur")


def admitted_vector(case: AdmissionCase, sector: str) -> Vector:
    """What one admission adds: 1 admitted, and 1 in each DOMAIN §5 category the person is in."""
    v = member_tallies.vector(status="probationary", sex=case.sex, ethnicity=case.ethnicity,
                              religion=case.religion, youth_union=case.youth_union,
                              occupation=case.occupation, sector=sector)
    return {"admitted": 1, **{k: n for k, n in v.items() if k in CATEGORIES}}


def apply(unit_path: str, day: dt.date, delta: Vector) -> None:
    """Add ``delta`` to the row of ``day`` of the unit at ``unit_path`` and of its ancestors."""
    _apply_to(set(paths.ancestors(unit_path)), day, delta)


def year_to_date(unit: Unit, day: dt.date) -> Vector:
    """The unit's subtree counts from 1 January of ``day``'s year up to ``day`` (one SUM)."""
    sums = AdmissionTally.objects.filter(unit=unit, day__gte=day.replace(month=1, day=1), day__lte=day).aggregate(
        **{k: Sum(k) for k in ADMISSION_COLUMNS})
    return {k: int(n or 0) for k, n in sums.items()}


def move_between(unit: Unit, old_parent_path: str, new_parent_path: str, on: dt.date) -> None:
    """``unit`` moved on ``on``: its year-to-date counts leave the old ancestors and join the new
    ones that day (the common ancestors keep theirs). Earlier years stay where they were."""
    old_chain, new_chain = set(paths.ancestors(old_parent_path)), set(paths.ancestors(new_parent_path))
    common = old_chain & new_chain
    counts = year_to_date(unit, on)
    _apply_to(old_chain - common, on, {k: -n for k, n in counts.items()})
    _apply_to(new_chain - common, on, counts)


def _apply_to(chain: set[str], day: dt.date, delta: Vector) -> None:
    delta = {k: n for k, n in delta.items() if n}
    if not chain or not delta:
        return
    ids = list(Unit.objects.filter(path__in=chain).values_list("id", flat=True))
    AdmissionTally.objects.bulk_create([AdmissionTally(unit_id=i, day=day) for i in ids], ignore_conflicts=True)
    AdmissionTally.objects.filter(unit_id__in=ids, day=day).update(**{k: F(k) + n for k, n in delta.items()})


# ---- recounting from scratch ----------------------------------------------------------------

def _events() -> list[tuple[dt.date, int, Vector]]:
    """Every counted event: (day, cell id, delta), from the cases and their steps, each in the
    cell it happened in (a step records it; a case moved by a merge keeps its past there)."""
    sectors = dict(Unit.objects.values_list("id", "sector"))
    where = {(case_id, stage): cell_id for case_id, stage, cell_id in CaseStep.objects.filter(
        cell__isnull=False, stage__in=[Stage.COURSE, Stage.ADMITTED]).values_list("case_id", "stage", "cell_id")}
    events: list[tuple[dt.date, int, Vector]] = []
    cases = AdmissionCase.objects.only(
        "cell_id", "certificate_date", "decision_on", "sex", "ethnicity", "religion", "youth_union",
        "occupation", "member_id")
    for case in cases.iterator(chunk_size=5000):
        if case.certificate_date is not None:
            events.append((case.certificate_date, where.get((case.pk, Stage.COURSE), case.cell_id), {"course": 1}))
        if case.member_id is not None and case.decision_on is not None:
            cell = where.get((case.pk, Stage.ADMITTED), case.cell_id)
            events.append((case.decision_on, cell, admitted_vector(case, sectors[cell])))
    official = CaseStep.objects.filter(stage=Stage.OFFICIAL).values_list("on", "cell_id", "case__cell_id")
    events += [(on, cell_id or case_cell, {"official": 1})
               for on, cell_id, case_cell in official.iterator(chunk_size=5000)]
    return events


def _moves() -> list[tuple[dt.date, int, int | None, int | None]]:
    """(day, unit id, old parent id, new parent id) for every change of parent, from the unit
    position periods."""
    moves: list[tuple[dt.date, int, int | None, int | None]] = []
    last: dict[int, int | None] = {}
    periods = UnitPathPeriod.objects.order_by("unit_id", "valid_from", "id").values_list(
        "unit_id", "parent_id", "valid_from")
    for unit_id, parent_id, valid_from in periods.iterator(chunk_size=20000):
        if unit_id in last and last[unit_id] != parent_id:
            moves.append((valid_from, unit_id, last[unit_id], parent_id))
        last[unit_id] = parent_id
    return moves


def compute() -> dict[Key, Vector]:
    """Every row, replayed from the events and the moves in date order (a move on day D comes
    after that day's events, as the services record them)."""
    moves = _moves()
    parent: dict[int, int | None] = dict(Unit.objects.values_list("id", "parent_id"))
    for _day, unit_id, old_parent, _new in sorted(moves, key=lambda m: m[0], reverse=True):
        parent[unit_id] = old_parent  # back to the first positions
    rows: dict[Key, Vector] = defaultdict(lambda: dict.fromkeys(ADMISSION_COLUMNS, 0))
    ytd: dict[tuple[int, int], Vector] = defaultdict(lambda: dict.fromkeys(ADMISSION_COLUMNS, 0))
    timeline: list[tuple[dt.date, int, int, int | None, Vector]] = [
        (day, 0, cell, None, delta) for day, cell, delta in _events()]
    timeline += [(day, 1, unit_id, new_parent, {}) for day, unit_id, _old, new_parent in moves]
    for day, kind, unit_id, new_parent, delta in sorted(timeline, key=lambda t: (t[0], t[1])):
        if kind == 0:
            _add(rows, ytd, _chain(parent, unit_id), day, delta)
            continue
        counts = dict(ytd[(unit_id, day.year)])
        old = set(_chain(parent, parent[unit_id]))
        parent[unit_id] = new_parent
        new = set(_chain(parent, new_parent))
        _add(rows, ytd, old - new, day, {k: -n for k, n in counts.items()})
        _add(rows, ytd, new - old, day, counts)
    return {key: counts for key, counts in rows.items() if any(counts.values())}


def _chain(parent: dict[int, int | None], unit_id: int | None) -> list[int]:
    chain = []
    while unit_id is not None:
        chain.append(unit_id)
        unit_id = parent.get(unit_id)
    return chain


def _add(rows: dict[Key, Vector], ytd: dict[tuple[int, int], Vector], units: Iterable[int], day: dt.date,
         delta: Vector) -> None:
    for unit_id in units:
        row, year = rows[(unit_id, day)], ytd[(unit_id, day.year)]
        for k, n in delta.items():
            row[k] += n
            year[k] += n


@transaction.atomic
def rebuild() -> int:
    fresh = compute()
    AdmissionTally.objects.all().delete()
    AdmissionTally.objects.bulk_create(
        (AdmissionTally(unit_id=u, day=d, **c) for (u, d), c in fresh.items()), batch_size=5000)
    return len(fresh)


def verify() -> list[tuple[Key, str, int, int]]:
    """(key, column, stored, recounted) for every admission tally that is wrong."""
    fresh = compute()
    stored = {(t.unit_id, t.day): {k: getattr(t, k) for k in ADMISSION_COLUMNS}
              for t in AdmissionTally.objects.all()}
    zero = dict.fromkeys(ADMISSION_COLUMNS, 0)
    wrong: list[tuple[Key, str, int, int]] = []
    for key in fresh.keys() | stored.keys():
        have, want = stored.get(key, zero), fresh.get(key, zero)
        wrong.extend((key, k, have[k], want[k]) for k in ADMISSION_COLUMNS if have[k] != want[k])
    return wrong
