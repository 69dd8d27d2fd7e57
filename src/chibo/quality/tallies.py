"""Review tallies (ARCHITECTURE.md §7): per unit and year (or quarter), the review rows and the
levels decided in the unit's whole subtree, so the results of a province or of the nation are a
handful of rows, never a count over millions.

Opening a period writes the subtree's rows in bulk; each step moves the row's 1 from one waiting
step's column to the next, and a decision to the level's column, in the unit and its ancestors; a
unit moved takes its counts from the old ancestors to the new.
``compute`` recounts everything from the review rows (``tallies --verify`` / ``--rebuild``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery

from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit
from chibo.quality.enums import Level, Step
from chibo.quality.models import PENDING_STEPS, TALLY_COLUMNS, QualityTally

Vector = dict[str, int]
Key = tuple[int, int, int]  # unit id, year, quarter


def decided_vector(subject: str, level: str, kind: str = "") -> Vector:
    """What a decision moves: the row leaves the verified step for its level (``subject`` org or
    member; an organization's ``kind`` also counts it among the grassroots organizations)."""
    v = {f"{subject}_{level}": 1, f"{subject}_{Step.VERIFIED}": -1}
    if subject == "org" and kind in UnitKind.grassroots():
        v[f"grassroots_{level}"] = 1
    return v


def step_vector(subject: str, before: str, after: str, n: int = 1) -> Vector:
    """``n`` rows moved from one waiting step to another (nothing when they stay)."""
    if before == after:
        return {}
    return {f"{subject}_{before}": -n, f"{subject}_{after}": n}


def apply(unit_path: str, year: int, quarter: int, delta: Vector) -> None:
    """Add ``delta`` to the row of the unit at ``unit_path`` and of each ancestor (rows made when missing)."""
    _apply_to(paths.ancestors(unit_path), year, quarter, delta)


def apply_many(changes: Iterable[tuple[str, Vector]], year: int, quarter: int) -> None:
    """Several rows' deltas (unit path, delta) at once: summed per ancestor, then one UPDATE for
    each distinct sum (a list of rows from a few cells costs a few statements, not one per row)."""
    per_path: dict[str, Vector] = defaultdict(lambda: defaultdict(int))
    for unit_path, delta in changes:
        for ancestor in paths.ancestors(unit_path):
            for k, n in delta.items():
                per_path[ancestor][k] += n
    by_delta: dict[tuple, list[str]] = defaultdict(list)
    for path, delta in per_path.items():
        kept = tuple(sorted((k, n) for k, n in delta.items() if n))
        if kept:
            by_delta[kept].append(path)
    if not by_delta:
        return
    ids = dict(Unit.objects.filter(path__in=list(per_path)).values_list("path", "id"))
    have = set(QualityTally.objects.filter(unit_id__in=ids.values(), year=year, quarter=quarter)
               .values_list("unit_id", flat=True))
    QualityTally.objects.bulk_create([QualityTally(unit_id=i, year=year, quarter=quarter) for i in ids.values()
                                      if i not in have], ignore_conflicts=True)
    for delta_items, group in by_delta.items():
        QualityTally.objects.filter(unit_id__in=[ids[p] for p in group if p in ids], year=year,
                                    quarter=quarter).update(**{k: F(k) + n for k, n in delta_items})


def _apply_to(chain: Iterable[str], year: int, quarter: int, delta: Vector) -> None:
    delta = {k: n for k, n in delta.items() if n}
    if not delta:
        return
    ids = list(Unit.objects.filter(path__in=list(chain)).values_list("id", flat=True))
    have = set(QualityTally.objects.filter(unit_id__in=ids, year=year, quarter=quarter)
               .values_list("unit_id", flat=True))
    QualityTally.objects.bulk_create([QualityTally(unit_id=i, year=year, quarter=quarter) for i in ids
                                      if i not in have], ignore_conflicts=True)
    QualityTally.objects.filter(unit_id__in=ids, year=year, quarter=quarter).update(
        **{k: F(k) + n for k, n in delta.items()})


def add_subtree(issuer: Unit, year: int, quarter: int) -> None:
    """After a period opened under ``issuer``: the rows of its subtree from one recount of the new
    review rows, and the subtree's total added to the issuer's ancestors."""
    direct = _direct_counts(year, quarter, issuer.path, opening=True)
    units = list(Unit.objects.subtree(issuer).values_list("id", "parent_id", "depth"))
    totals = _rolled_up(direct, units)
    QualityTally.objects.bulk_create(
        (QualityTally(unit_id=uid, year=year, quarter=quarter, **counts) for uid, counts in totals.items()
         if any(counts.values())), batch_size=5000)
    above = paths.ancestors(issuer.path)[:-1]
    _apply_to(above, year, quarter, totals.get(issuer.pk, {}))


def move_between(unit: Unit, old_parent_path: str, new_parent_path: str) -> None:
    """``unit`` moved: every year's counts of its subtree leave the old ancestors (not shared with
    the new ones) and join the new ones: a fixed number of statements whatever the years."""
    old_chain, new_chain = set(paths.ancestors(old_parent_path)), set(paths.ancestors(new_parent_path))
    common = old_chain & new_chain
    moved = QualityTally.objects.filter(unit=unit)
    periods = list(moved.values_list("year", "quarter"))
    if not periods:
        return
    same_period = moved.filter(year=OuterRef("year"), quarter=OuterRef("quarter"))
    for chain, sign in ((old_chain - common, -1), (new_chain - common, 1)):
        ids = list(Unit.objects.filter(path__in=list(chain)).values_list("id", flat=True))
        QualityTally.objects.bulk_create([QualityTally(unit_id=i, year=y, quarter=q) for i in ids
                                          for y, q in periods], ignore_conflicts=True)
        QualityTally.objects.filter(Exists(same_period), unit_id__in=ids).update(
            **{c: F(c) + sign * Subquery(same_period.values(c)[:1]) for c in TALLY_COLUMNS})


def _direct_counts(year: int | None = None, quarter: int | None = None,
                   under: str | None = None, *, opening: bool = False) -> dict[Key, Vector]:
    """Counts per unit of its own review rows (one GROUP BY per table); ``opening``: only the
    columns a period just opened can have (nothing is decided yet)."""
    grassroots = "', '".join(UnitKind.grassroots())
    where, params = "1 = 1", list[int | str | None]()
    if year is not None:
        where, params = "r.year = %s AND r.quarter = %s", [year, quarter]
    if under is not None:
        where += " AND r.unit_path >= %s AND r.unit_path < %s"
        params += [under, paths.upper_bound(under)]
    decided = f"r.step = '{Step.DECIDED}'"
    org_sums, member_sums = {"org_total": "1 = 1", "grassroots_total": f"r.kind IN ('{grassroots}')"}, {
        "member_total": "1 = 1", "member_not_classified": "r.excluded <> ''"}
    for subject, sums in (("org", org_sums), ("member", member_sums)):
        sums.update({f"{subject}_{step}": f"r.step = '{step}'" for step in PENDING_STEPS[subject]})
    for level in () if opening else Level.values:
        org_sums[f"org_{level}"] = f"{decided} AND r.level = '{level}'"
        org_sums[f"grassroots_{level}"] = f"{decided} AND r.level = '{level}' AND r.kind IN ('{grassroots}')"
        member_sums[f"member_{level}"] = f"{decided} AND r.level = '{level}'"
    out: dict[Key, Vector] = defaultdict(dict)
    with connection.cursor() as cursor:
        for table, sums in (("quality_unitreview", org_sums), ("quality_memberreview", member_sums)):
            select = ", ".join(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)" for cond in sums.values())
            cursor.execute(f"SELECT r.unit_id, r.year, r.quarter, {select} FROM {table} r WHERE {where} "
                           "GROUP BY r.unit_id, r.year, r.quarter", params)
            for unit_id, y, q, *values in cursor.fetchall():
                out[(unit_id, y, q)].update(zip(sums, (int(v or 0) for v in values), strict=True))
    return out


def _rolled_up(direct: dict[Key, Vector], units: Sequence[tuple[int, int | None, int]]) -> dict[int, Vector]:
    """For one year and quarter: each unit's own counts plus its descendants' (deepest first)."""
    totals: dict[int, Vector] = defaultdict(lambda: dict.fromkeys(TALLY_COLUMNS, 0))
    for (unit_id, _y, _q), counts in direct.items():
        for k, n in counts.items():
            totals[unit_id][k] += n
    parent_of = {u: p for u, p, _d in units}
    for unit_id, _p, _d in sorted(units, key=lambda u: -u[2]):
        parent = parent_of.get(unit_id)
        if parent is not None and unit_id in totals:
            for k, n in totals[unit_id].items():
                totals[parent][k] += n
    return {u: dict(totals[u]) for u, _p, _d in units if u in totals}


def compute() -> dict[Key, Vector]:
    direct = _direct_counts()
    units = list(Unit.objects.values_list("id", "parent_id", "depth"))
    out: dict[Key, Vector] = {}
    for year, quarter in sorted({(y, q) for _u, y, q in direct}):
        part = {k: v for k, v in direct.items() if k[1:] == (year, quarter)}
        for unit_id, counts in _rolled_up(part, units).items():
            if any(counts.values()):
                out[(unit_id, year, quarter)] = counts
    return out


def verify() -> list[tuple[Key, str, int, int]]:
    """(key, column, stored, recounted) for every tally that is wrong; empty when all agree."""
    fresh = compute()
    stored = {(t.unit_id, t.year, t.quarter): t.as_dict() for t in QualityTally.objects.all()}
    empty = dict.fromkeys(TALLY_COLUMNS, 0)
    wrong = [(key, k, stored.get(key, empty)[k], n) for key, counts in fresh.items() for k, n in counts.items()
             if stored.get(key, empty)[k] != n]
    wrong += [(key, k, n, 0) for key, counts in stored.items() if key not in fresh for k, n in counts.items() if n]
    return wrong


@transaction.atomic
def rebuild() -> int:
    fresh = compute()
    QualityTally.objects.all().delete()
    QualityTally.objects.bulk_create((QualityTally(unit_id=u, year=y, quarter=q, **counts)
                                      for (u, y, q), counts in fresh.items()), batch_size=5000)
    return len(fresh)


def results(unit: Unit, year: int, quarter: int = 0) -> Vector:
    """The subtree's figures for a year (one row)."""
    row = QualityTally.objects.filter(unit=unit, year=year, quarter=quarter).first()
    return row.as_dict() if row else dict.fromkeys(TALLY_COLUMNS, 0)


def results_for(units: Iterable[Unit], year: int, quarter: int = 0) -> dict[int, Vector]:
    ids = [u.pk for u in units]
    rows = {t.unit_id: t.as_dict() for t in QualityTally.objects.filter(unit_id__in=ids, year=year, quarter=quarter)}
    return {i: rows.get(i, dict.fromkeys(TALLY_COLUMNS, 0)) for i in ids}
