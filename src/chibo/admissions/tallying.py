"""Admission tallies (ARCHITECTURE.md §7): per unit and month, for the unit's whole subtree.

A step adds a delta to the row of its month for the cell and every ancestor: one INSERT that
creates the missing rows, one UPDATE that adds. ``compute`` recounts everything from the cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import F

from chibo.admissions.models import ADMISSION_COLUMNS, AdmissionCase, AdmissionTally, CaseStep
from chibo.admissions.stages import Stage
from chibo.members import tallies as member_tallies
from chibo.org import paths
from chibo.org.models import Unit

Vector = dict[str, int]
Key = tuple[int, int, int]  # unit id, year, month
CATEGORIES = ("women", "ethnic_minority", "religious", "youth_union", "student", "non_state_enterprise",
              "residential", "civil_servant", "entrepreneur")


def admitted_vector(case: AdmissionCase, sector: str) -> Vector:
    """What one admission adds: 1 admitted, and 1 in each DOMAIN §5 category the person is in."""
    v = member_tallies.vector(status="probationary", sex=case.sex, ethnicity=case.ethnicity,
                              religion=case.religion, youth_union=case.youth_union,
                              occupation=case.occupation, sector=sector)
    return {"admitted": 1, **{k: n for k, n in v.items() if k in CATEGORIES}}


def apply(unit_path: str, day: dt.date, delta: Vector) -> None:
    """Add ``delta`` to the month of ``day`` of the unit at ``unit_path`` and of its ancestors."""
    _apply_to(set(paths.ancestors(unit_path)), day, delta)


def move_between(unit: Unit, old_parent_path: str, new_parent_path: str) -> None:
    """A unit moved: its months leave the old ancestors and join the new ones (the common
    ancestors keep theirs)."""
    old_chain, new_chain = set(paths.ancestors(old_parent_path)), set(paths.ancestors(new_parent_path))
    common = old_chain & new_chain
    for row in AdmissionTally.objects.filter(unit=unit):
        counts = {k: getattr(row, k) for k in ADMISSION_COLUMNS}
        day = dt.date(row.year, row.month, 1)
        _apply_to(old_chain - common, day, {k: -n for k, n in counts.items()})
        _apply_to(new_chain - common, day, counts)


def _apply_to(chain: set[str], day: dt.date, delta: Vector) -> None:
    delta = {k: n for k, n in delta.items() if n}
    if not chain or not delta:
        return
    ids = list(Unit.objects.filter(path__in=chain).values_list("id", flat=True))
    AdmissionTally.objects.bulk_create(
        [AdmissionTally(unit_id=i, year=day.year, month=day.month) for i in ids], ignore_conflicts=True)
    AdmissionTally.objects.filter(unit_id__in=ids, year=day.year, month=day.month).update(
        **{k: F(k) + n for k, n in delta.items()})


def _direct() -> dict[Key, Vector]:
    """Counts per cell and month straight from the cases and their steps."""
    sectors = dict(Unit.objects.values_list("id", "sector"))
    rows: dict[Key, Vector] = defaultdict(lambda: dict.fromkeys(ADMISSION_COLUMNS, 0))
    cases = AdmissionCase.objects.only(
        "cell_id", "certificate_date", "decision_on", "sex", "ethnicity", "religion", "youth_union",
        "occupation", "member_id")
    for case in cases.iterator(chunk_size=5000):
        if case.certificate_date is not None:
            rows[(case.cell_id, case.certificate_date.year, case.certificate_date.month)]["course"] += 1
        if case.member_id is not None and case.decision_on is not None:
            row = rows[(case.cell_id, case.decision_on.year, case.decision_on.month)]
            for k, n in admitted_vector(case, sectors[case.cell_id]).items():
                row[k] += n
    official = CaseStep.objects.filter(stage=Stage.OFFICIAL).values_list("case__cell_id", "on")
    for cell_id, on in official.iterator(chunk_size=5000):
        rows[(cell_id, on.year, on.month)]["official"] += 1
    return rows


def compute() -> dict[Key, Vector]:
    """Subtree counts for every unit and month, from scratch."""
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    totals: dict[Key, Vector] = defaultdict(lambda: dict.fromkeys(ADMISSION_COLUMNS, 0))
    for (unit_id, year, month), counts in _direct().items():
        node: int | None = unit_id
        while node is not None:
            row = totals[(node, year, month)]
            for k, n in counts.items():
                row[k] += n
            node = parents.get(node)
    return {key: counts for key, counts in totals.items() if any(counts.values())}


@transaction.atomic
def rebuild() -> int:
    fresh = compute()
    AdmissionTally.objects.all().delete()
    AdmissionTally.objects.bulk_create(
        (AdmissionTally(unit_id=u, year=y, month=m, **c) for (u, y, m), c in fresh.items()), batch_size=5000)
    return len(fresh)


def verify() -> list[tuple[Key, str, int, int]]:
    """(key, column, stored, recounted) for every admission tally that is wrong."""
    fresh = compute()
    stored = {(t.unit_id, t.year, t.month): {k: getattr(t, k) for k in ADMISSION_COLUMNS}
              for t in AdmissionTally.objects.all()}
    zero = dict.fromkeys(ADMISSION_COLUMNS, 0)
    wrong: list[tuple[Key, str, int, int]] = []
    for key in fresh.keys() | stored.keys():
        have, want = stored.get(key, zero), fresh.get(key, zero)
        wrong.extend((key, k, have[k], want[k]) for k in ADMISSION_COLUMNS if have[k] != want[k])
    return wrong
