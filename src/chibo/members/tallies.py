"""Per-unit member tallies (ARCHITECTURE.md §7): kept by the services, rolled up by path.

Each :class:`UnitMemberTally` row holds the counts of the unit's whole subtree, so a scoped count
is one row whatever the size of the subtree. A change to one member adds a delta to the row of
each ancestor of their cell (at most the tree depth, one UPDATE).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F

from chibo.members.enums import ETHNICITY_KINH, Occupation, Religion, Sex, Status
from chibo.members.models import TALLY_COLUMNS, Member, UnitMemberTally
from chibo.org import paths
from chibo.org.enums import Sector
from chibo.org.models import Unit

Vector = dict[str, int]


def vector(*, status: str, sex: str, ethnicity: str, religion: str, youth_union: bool,
           occupation: str, sector: str) -> Vector:
    """What one member contributes to the tally of every unit above them."""
    if status not in Status.active():
        return {}
    v = {
        "total": 1,
        status: 1,
        "women": int(sex == Sex.FEMALE),
        "ethnic_minority": int(ethnicity != ETHNICITY_KINH),
        "religious": int(religion != Religion.NONE),
        "youth_union": int(bool(youth_union)),
        "student": int(occupation == Occupation.STUDENT),
        "non_state_enterprise": int(sector == Sector.NON_STATE_ENTERPRISE),
        "residential": int(sector == Sector.RESIDENTIAL),
        "civil_servant": int(occupation == Occupation.CIVIL_SERVANT),
        "entrepreneur": int(occupation == Occupation.ENTREPRENEUR),
    }
    return {k: n for k, n in v.items() if n}


def member_vector(member: Member, sector: str | None = None) -> Vector:
    return vector(
        status=member.status, sex=member.sex, ethnicity=member.ethnicity, religion=member.religion,
        youth_union=member.youth_union, occupation=member.occupation,
        sector=sector if sector is not None else member.unit.sector,
    )


def subtract(a: Vector, b: Vector) -> Vector:
    keys = set(a) | set(b)
    return {k: a.get(k, 0) - b.get(k, 0) for k in keys if a.get(k, 0) != b.get(k, 0)}


def apply(unit_path: str, delta: Vector) -> None:
    """Add ``delta`` to the tally of the unit at ``unit_path`` and of every ancestor."""
    delta = {k: n for k, n in delta.items() if n}
    if not delta:
        return
    ids = Unit.objects.filter(path__in=paths.ancestors(unit_path)).values("id")
    UnitMemberTally.objects.filter(unit_id__in=ids).update(**{k: F(k) + n for k, n in delta.items()})


def move_between(old_path: str, new_path: str, delta: Vector) -> None:
    """Move ``delta`` from the chain above ``old_path`` to the chain above ``new_path``.

    Common ancestors are left alone (the counts do not change there).
    """
    old_chain, new_chain = set(paths.ancestors(old_path)), set(paths.ancestors(new_path))
    common = old_chain & new_chain
    for chain, sign in ((old_chain - common, -1), (new_chain - common, 1)):
        if chain and delta:
            ids = Unit.objects.filter(path__in=chain).values("id")
            UnitMemberTally.objects.filter(unit_id__in=ids).update(
                **{k: F(k) + sign * n for k, n in delta.items() if n}
            )


def counts_for(units: Iterable[Unit]) -> dict[int, dict[str, int]]:
    """Tallies of the given units, keyed by unit id (zeros for a unit without a row)."""
    ids = [u.pk for u in units]
    rows = {t.unit_id: t.as_dict() for t in UnitMemberTally.objects.filter(unit_id__in=ids)}
    empty = dict.fromkeys(TALLY_COLUMNS, 0)
    return {i: rows.get(i, empty) for i in ids}


def _direct_counts() -> dict[int, dict[str, int]]:
    """Counts per cell straight from the member table (one GROUP BY)."""
    active = "', '".join(Status.active())
    sums = {
        "total": "1 = 1",
        "probationary": f"m.status = '{Status.PROBATIONARY}'",
        "official": f"m.status = '{Status.OFFICIAL}'",
        "exempted": f"m.status = '{Status.EXEMPTED}'",
        "women": f"m.sex = '{Sex.FEMALE}'",
        "ethnic_minority": f"m.ethnicity <> '{ETHNICITY_KINH}'",
        "religious": f"m.religion <> '{Religion.NONE}'",
        "youth_union": "m.youth_union",
        "student": f"m.occupation = '{Occupation.STUDENT}'",
        "non_state_enterprise": f"u.sector = '{Sector.NON_STATE_ENTERPRISE}'",
        "residential": f"u.sector = '{Sector.RESIDENTIAL}'",
        "civil_servant": f"m.occupation = '{Occupation.CIVIL_SERVANT}'",
        "entrepreneur": f"m.occupation = '{Occupation.ENTREPRENEUR}'",
    }
    select = ", ".join(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)" for cond in sums.values())
    sql = (
        f"SELECT m.unit_id, {select} FROM members_member m JOIN org_unit u ON u.id = m.unit_id "
        f"WHERE m.status IN ('{active}') GROUP BY m.unit_id"
    )
    with connection.cursor() as cur:
        cur.execute(sql)
        return {row[0]: dict(zip(sums, (int(x or 0) for x in row[1:]), strict=True)) for row in cur.fetchall()}


def compute() -> dict[int, dict[str, int]]:
    """Subtree counts for every unit, from scratch (deepest units first)."""
    direct = _direct_counts()
    units = list(Unit.objects.values_list("id", "parent_id", "depth"))
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TALLY_COLUMNS, 0))
    for unit_id, counts in direct.items():
        row = totals[unit_id]
        for k, n in counts.items():
            row[k] += n
    for unit_id, parent_id, _depth in sorted(units, key=lambda u: -u[2]):
        if parent_id is not None and unit_id in totals:
            parent_row, row = totals[parent_id], totals[unit_id]
            for k in TALLY_COLUMNS:
                parent_row[k] += row[k]
    return {unit_id: dict(totals[unit_id]) for unit_id, _p, _d in units}


@transaction.atomic
def rebuild() -> int:
    """Recompute every tally row; returns the number of rows written."""
    fresh = compute()
    UnitMemberTally.objects.all().delete()
    UnitMemberTally.objects.bulk_create(
        (UnitMemberTally(unit_id=uid, **counts) for uid, counts in fresh.items()), batch_size=5000
    )
    return len(fresh)


def verify() -> list[tuple[int, str, int, int]]:
    """(unit id, column, stored, recomputed) for every tally that is wrong; empty when all agree."""
    fresh = compute()
    stored = {t.unit_id: t.as_dict() for t in UnitMemberTally.objects.all()}
    wrong: list[tuple[int, str, int, int]] = []
    for uid, counts in fresh.items():
        have = stored.get(uid, dict.fromkeys(TALLY_COLUMNS, 0))
        wrong.extend((uid, k, have[k], n) for k, n in counts.items() if have[k] != n)
    return wrong
