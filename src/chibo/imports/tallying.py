"""Tallies after a bulk import: add each cell's new members to every unit above it, at once.

``members.tallies.apply`` updates one chain per member; an import of millions of rows instead
sums the per-cell counts up the ancestor chains in memory and then updates each affected tally
row once (an UPDATE per unit, sent with ``executemany``).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import islice

from django.db import connection

from chibo.members.models import TALLY_COLUMNS
from chibo.org import paths
from chibo.org.models import Unit

INDEX = {name: i for i, name in enumerate(TALLY_COLUMNS)}
CHUNK = 2_000


def empty() -> list[int]:
    return [0] * len(TALLY_COLUMNS)


def add_vector(acc: list[int], vector: dict[str, int]) -> None:
    for key, n in vector.items():
        acc[INDEX[key]] += n


def roll_up(direct: dict[str, list[int]]) -> dict[str, list[int]]:
    """Per-unit-path counts of whole subtrees, from counts of members placed directly in cells."""
    totals: dict[str, list[int]] = defaultdict(empty)
    for cell_path, counts in direct.items():
        for path in paths.ancestors(cell_path):
            acc = totals[path]
            for i, n in enumerate(counts):
                acc[i] += n
    return totals


def _ids_of(unit_paths: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    it = iter(unit_paths)
    while chunk := list(islice(it, CHUNK)):
        ids.update(Unit.objects.filter(path__in=chunk).values_list("path", "id"))
    return ids


def apply_direct(direct: dict[str, list[int]]) -> int:
    """Add ``direct`` (cell path → counts) to the tallies of the cells and all their ancestors.

    Returns the number of tally rows updated. Runs inside the caller's transaction.
    """
    totals = roll_up(direct)
    ids = _ids_of(list(totals))
    sets = ", ".join(f"{c} = {c} + %s" for c in TALLY_COLUMNS)
    sql = f"UPDATE members_unitmembertally SET {sets} WHERE unit_id = %s"
    params = [(*counts, ids[path]) for path, counts in totals.items() if path in ids and any(counts)]
    with connection.cursor() as cur:
        for start in range(0, len(params), 10_000):
            cur.executemany(sql, params[start:start + 10_000])
    return len(params)
