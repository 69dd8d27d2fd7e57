"""The members of a subtree on a day by profile and by cell, and its grassroots organizations.

One query counts the members of the day (``sql.snapshot``, materialised once) by their
combination of profile values (one text key, so that the database hashes a few thousand groups
instead of sorting every row) and by cell: two GROUP BYs, summed up per dimension here. The
profile is the member's current one (education, qualification, theory, occupation, ethnicity and
religion are not dated).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from chibo.org import paths
from chibo.org.enums import UnitKind
from chibo.org.models import Unit, UnitPathPeriod
from chibo.reports.statistics import sql as q

EDUCATION_BANDS = (("primary", 5), ("lower_secondary", 9), ("upper_secondary", 12))  # (band, highest grade)
_BAND = "CASE " + " ".join(f"WHEN education_grade <= {top} THEN '{band}'" for band, top in EDUCATION_BANDS[:-1]) \
    + f" ELSE '{EDUCATION_BANDS[-1][0]}' END"
PROFILE = {  # dimension: its SQL over a member's columns
    "education": _BAND,
    "qualification": "qualification",
    "political_theory": "political_theory",
    "occupation": "occupation",
    "ethnicity": "ethnicity",
    "religion": "religion",
}
DIMENSIONS = {"status": "st", **PROFILE}


@dataclass
class Breakdown:
    """Members counted on ``day``: ``by[dimension][value]`` for each of :data:`DIMENSIONS`, and
    ``by["cell"]`` keyed by the cell's id as text."""

    day: dt.date
    by: dict[str, Counter[str]]

    @property
    def total(self) -> int:
        return sum(self.by["status"].values())


def breakdown(unit: Unit, day: dt.date) -> Breakdown:
    """The members of ``unit``'s subtree on ``day`` (structure of that day) by every dimension."""
    today = timezone.localdate()
    snap, params = q.snapshot(unit, day, q.root_path_on(unit, day, today), today=today)
    key = " || '|' || ".join(DIMENSIONS.values())
    rows = q.run(f"WITH snap AS MATERIALIZED (SELECT s.cell_id, {key} AS k FROM ({snap}) s) "
                 f"SELECT NULL, k, COUNT(*) FROM snap GROUP BY k "
                 f"UNION ALL SELECT cell_id, NULL, COUNT(*) FROM snap GROUP BY cell_id", params)
    by: dict[str, Counter[str]] = {dim: Counter() for dim in [*DIMENSIONS, "cell"]}
    for cell, combination, n in rows:
        if cell is not None:
            by["cell"][str(cell)] += int(n)
            continue
        for dim, value in zip(DIMENSIONS, combination.split("|"), strict=True):
            by[dim][value] += int(n)
    return Breakdown(day=day, by=by)


@dataclass
class Organization:
    """A grassroots organization open on the day, with the members of its cells."""

    unit_id: int
    kind: str
    sector: str
    members: int = 0


def organizations(unit: Unit, day: dt.date, cells: Counter[str]) -> list[Organization]:
    """The grassroots organizations of ``unit``'s subtree open on ``day`` (positions of that day;
    kind and sector as they are now), each with the members of ``cells`` (members per cell id,
    from :func:`breakdown`) under it. One query."""
    root = q.root_path_on(unit, day, timezone.localdate())
    if root is None:
        return []
    kinds = UnitKind.grassroots() | UnitKind.member_holding()
    rows = (UnitPathPeriod.objects.filter(path__gte=root, path__lt=paths.upper_bound(root), valid_from__lte=day)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day), unit__kind__in=kinds)
            .values_list("unit_id", "path", "unit__kind", "unit__sector"))
    found: dict[str, Organization] = {}
    cell_paths: dict[int, str] = {}
    for unit_id, path, kind, sector in rows:
        if kind in UnitKind.grassroots():
            found[path] = Organization(unit_id, kind, sector)
        cell_paths[unit_id] = path
    for cell_id, members in cells.items():
        cell_path = cell_paths.get(int(cell_id))
        above = [found[p] for p in reversed(paths.ancestors(cell_path)) if p in found] if cell_path else []
        if above:
            above[0].members += members
    return list(found.values())
