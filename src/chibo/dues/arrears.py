"""Arrears: members' unpaid closed months by year, and per-unit subtree tallies of them.

The month close adds its unpaid lines (:func:`add_closed`), a reopening takes them back
(:func:`remove_close`); both move the tallies of the unit and every ancestor in the same
transaction. A member's arrears of a year sit with the cell of their newest unpaid closed month
(they follow a transferred member to the receiving cell once it closes a month unpaid, and go back
when that close is reopened: :func:`_rehome`); the tally and the list agree. The list at any scope is one index range on
``(year, unit_path, member)``, keyset paged; the counts are the scope unit's tally.
:func:`verify` recomputes the tallies from the arrears rows.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from chibo.dues.enums import MonthState
from chibo.dues.models import Arrear, ArrearsTally, MonthClose
from chibo.org import paths
from chibo.org.models import Unit

UNPAID_SQL = f"('{MonthState.UNPAID}', '{MonthState.PARTLY}')"
PAGE_SIZE = 50

Delta = dict[str, list[int]]  # unit path -> [members, months, amount]


def add_closed(month: dt.date, stamp: Any, lo: str, hi: str) -> None:
    """Add the unpaid lines of the closes made at ``stamp`` in [lo, hi) to the arrears."""
    year = month.year
    where = (f"c.month = %s AND c.closed_at = %s AND c.unit_path >= %s AND c.unit_path < %s "
             f"AND l.state IN {UNPAID_SQL}")
    params = [month, stamp, lo, hi]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT COALESCE(a.unit_path, c.unit_path), SUM(CASE WHEN a.member_id IS NULL THEN 1 ELSE 0 END), "
            "COUNT(*), SUM(l.due - l.paid) FROM dues_monthline l JOIN dues_monthclose c ON c.id = l.close_id "
            "LEFT JOIN dues_arrear a ON a.member_id = l.member_id AND a.year = %s "
            f"WHERE {where} GROUP BY COALESCE(a.unit_path, c.unit_path)", [year, *params])
        deltas = {path: [int(n), int(m), int(a)] for path, n, m, a in cur.fetchall()}
        cur.execute(
            "INSERT INTO dues_arrear (member_id, year, unit_id, unit_path, months, amount) "
            "SELECT l.member_id, %s, c.unit_id, c.unit_path, 1, l.due - l.paid "
            f"FROM dues_monthline l JOIN dues_monthclose c ON c.id = l.close_id WHERE {where} "
            "ON CONFLICT (member_id, year) DO UPDATE SET months = dues_arrear.months + 1, "
            "amount = dues_arrear.amount + excluded.amount", [year, *params])
    _move_tallies(year, deltas, 1)
    _rehome(year, "SELECT l.member_id FROM dues_monthline l JOIN dues_monthclose c ON c.id = l.close_id "
            "JOIN dues_arrear a ON a.member_id = l.member_id AND a.year = %s "
            f"WHERE {where} AND a.unit_id <> c.unit_id", [year, *params])


def remove_close(close: MonthClose) -> None:
    """Take a close's unpaid lines back out of the arrears (before its lines are deleted)."""
    year = close.month.year
    with connection.cursor() as cur:
        cur.execute(
            "SELECT a.unit_path, SUM(CASE WHEN a.months = 1 THEN 1 ELSE 0 END), COUNT(*), SUM(l.due - l.paid) "
            "FROM dues_monthline l JOIN dues_arrear a ON a.member_id = l.member_id AND a.year = %s "
            f"WHERE l.close_id = %s AND l.state IN {UNPAID_SQL} GROUP BY a.unit_path", [year, close.pk])
        deltas = {path: [int(n), int(m), int(a)] for path, n, m, a in cur.fetchall()}
        cur.execute(
            "UPDATE dues_arrear SET months = months - 1, "
            "amount = amount - (SELECT l.due - l.paid FROM dues_monthline l "
            "WHERE l.close_id = %s AND l.member_id = dues_arrear.member_id) WHERE year = %s AND member_id IN "
            f"(SELECT l.member_id FROM dues_monthline l WHERE l.close_id = %s AND l.state IN {UNPAID_SQL})",
            [close.pk, year, close.pk])
        cur.execute("DELETE FROM dues_arrear WHERE year = %s AND months <= 0", [year])
    _move_tallies(year, deltas, -1)
    _rehome(year, f"SELECT l.member_id FROM dues_monthline l WHERE l.close_id = %s AND l.state IN {UNPAID_SQL}",
            [close.pk], without=close.pk)


def _rehome(year: int, members_sql: str, params: list[Any], *, without: int | None = None) -> None:
    """Move the arrears of ``year`` of the members ``members_sql`` selects to the cell of their
    newest unpaid month in an open close (but close ``without``, being reopened), with the
    tallies of both chains. Only members whose arrears sit elsewhere are touched (the transferred)."""
    def unpaid(x: str) -> str:
        skip = f"AND {x}c.id <> %s " if without else ""
        return (f"{x}c.reopened_at IS NULL AND {x}c.month >= %s AND {x}c.month < %s "
                f"AND {x}l.state IN {UNPAID_SQL} {skip}")

    span: list[Any] = [dt.date(year, 1, 1), dt.date(year + 1, 1, 1), *([without] if without else [])]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT a.id, a.unit_path, c.unit_id, c.unit_path, a.months, a.amount FROM dues_arrear a "
            "JOIN dues_monthline l ON l.member_id = a.member_id JOIN dues_monthclose c ON c.id = l.close_id "
            f"WHERE a.year = %s AND a.member_id IN ({members_sql}) AND {unpaid('')}"
            "AND c.unit_id <> a.unit_id AND c.month = (SELECT MAX(nc.month) FROM dues_monthline nl "
            f"JOIN dues_monthclose nc ON nc.id = nl.close_id WHERE nl.member_id = a.member_id AND {unpaid('n')})",
            [year, *params, *span, *span])
        moves = {row[0]: row for row in cur.fetchall()}  # one row per arrear
        if not moves:
            return
        cur.executemany("UPDATE dues_arrear SET unit_id = %s, unit_path = %s WHERE id = %s",
                        [(unit_id, path, pk) for pk, _old, unit_id, path, _m, _a in moves.values()])
    leaving: Delta = defaultdict(lambda: [0, 0, 0])
    joining: Delta = defaultdict(lambda: [0, 0, 0])
    for _pk, old, _unit_id, new, months, amount in moves.values():
        for side, path in ((leaving, old), (joining, new)):
            for i, v in enumerate((1, int(months), int(amount))):
                side[path][i] += v
    _move_tallies(year, leaving, -1)
    _move_tallies(year, joining, 1)


def _move_tallies(year: int, deltas: Delta, sign: int, *, chain_only: bool = False) -> None:
    """Add ``deltas`` (by the unit path of the arrears) to every unit of each path's chain (to the
    units of those paths alone with ``chain_only``)."""
    chain: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for path, values in deltas.items():
        for ancestor in ([path] if chain_only else paths.ancestors(path)):
            for i, v in enumerate(values):
                chain[ancestor][i] += sign * v
    if not chain:
        return
    ids = dict(Unit.objects.filter(path__in=list(chain)).values_list("path", "id"))
    rows = [(ids[p], year, *v) for p, v in chain.items() if p in ids]
    with connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO dues_arrearstally (unit_id, year, members, months, amount) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (unit_id, year) DO UPDATE SET members = dues_arrearstally.members + excluded.members, "
            "months = dues_arrearstally.months + excluded.months, amount = dues_arrearstally.amount + excluded.amount",
            rows)


def move_between(unit: Unit, old_parent_path: str, new_parent_path: str) -> None:
    """``unit``'s subtree moves from under ``old_parent_path`` to under ``new_parent_path`` (a
    restructuring): its arrears tallies leave the old chain and join the new one (the chains'
    common ancestors keep theirs). Its own rows and its arrears' paths move with the tree."""
    old_chain, new_chain = set(paths.ancestors(old_parent_path)), set(paths.ancestors(new_parent_path))
    common = old_chain & new_chain
    for tally in ArrearsTally.objects.filter(unit=unit):
        values = [tally.members, tally.months, tally.amount]
        _move_tallies(tally.year, {p: values for p in old_chain - common}, -1, chain_only=True)
        _move_tallies(tally.year, {p: values for p in new_chain - common}, 1, chain_only=True)


@dataclass(frozen=True)
class Counts:
    members: int = 0
    months: int = 0
    amount: int = 0


def counts(units: list[Unit], year: int) -> dict[int, Counts]:
    """The tallies of ``units`` for ``year`` (zeros where none), by unit id: one query."""
    rows = ArrearsTally.objects.filter(unit_id__in=[u.pk for u in units], year=year)
    got = {t.unit_id: Counts(t.members, t.months, t.amount) for t in rows}
    return {u.pk: got.get(u.pk, Counts()) for u in units}


def encode(path: str, member_id: int) -> str:
    return base64.urlsafe_b64encode(f"{path}:{member_id}".encode()).decode().rstrip("=")


def decode(token: str | None) -> tuple[str, int] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        path, pk = raw.split(":")
        return path, int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


def page(unit: Unit, year: int, *, after: str | None = None, size: int = PAGE_SIZE) -> tuple[list[Arrear], str | None]:
    """A page of the members in arrears in ``unit``'s subtree, by unit then member, and the next cursor."""
    qs = (Arrear.objects.filter(year=year, unit_path__gte=unit.path, unit_path__lt=paths.upper_bound(unit.path))
          .select_related("member", "unit").order_by("unit_path", "member_id"))
    cursor = decode(after)
    if cursor:
        qs = qs.filter(Q(unit_path__gt=cursor[0]) | Q(unit_path=cursor[0], member_id__gt=cursor[1]))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode(rows[-1].unit_path, rows[-1].member_id) if more and rows else None)


def verify() -> list[tuple[int, int, str, int, int]]:
    """(unit id, year, column, tally, recomputed) for every tally that disagrees with the rows."""
    expected: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    ids = dict(Unit.objects.values_list("path", "id"))
    problems: list[tuple[int, int, str, int, int]] = []
    for path, year, n, months, amount in (Arrear.objects.values_list("unit_path", "year")
                                          .annotate(n=Count("id"), m=Sum("months"), a=Sum("amount"))
                                          .values_list("unit_path", "year", "n", "m", "a")):
        for ancestor in paths.ancestors(path):
            if ancestor not in ids:  # a path no unit has (a stale copy): reported, never a crash
                problems.append((0, year, f"path {ancestor}", 0, n))
                continue
            values = expected[(ids[ancestor], year)]
            values[0] += n
            values[1] += months
            values[2] += amount
    seen = set()
    for t in ArrearsTally.objects.all():
        seen.add((t.unit_id, t.year))
        want = expected.get((t.unit_id, t.year), [0, 0, 0])
        for col, have, exp in zip(("members", "months", "amount"), (t.members, t.months, t.amount), want, strict=True):
            if have != exp:
                problems.append((t.unit_id, t.year, col, have, exp))
    for (unit_id, year), want in expected.items():
        if (unit_id, year) not in seen and any(want):
            problems.append((unit_id, year, "members", 0, want[0]))
    return problems
