"""Members of a subtree on a day, and the changes between two days by cause.

How a past day is rebuilt (the approximations):

- **Where**: a member counts where their *official* placement of that day was (temporary
  placements never count, as in the tallies), in a cell of the subtree *as it stood that day*
  (the units' position periods).
- **Whether**: the registry keeps each member's current status and the day it began
  (``status_since``), not a status history. A member counts from ``admission_date`` (from their
  first placement when it is missing) and, when they have since died, been expelled, removed or
  resigned, until the day before ``status_since``.
- **As what**: the current status from ``status_since`` on; before that exempted on the days an
  exemption record covers (``Exemption``: from ``resolved_on`` to the day before ``returned_on``,
  so an exemption that ended — by the return, or by the member leaving — still counts on its own
  days), else official from ``official_date`` and probationary until then. No other status
  history is kept: an exemption that has no record (one ended before the records were kept) is
  reported as official (or probationary) once it ended, and a current one from its
  ``status_since``.
- **Annulled removal or expulsion**: a complaint that annuls it restores the member from the
  annulment day (``status_since``), and the decision's status is gone from the record, so the
  reports count the member *as if they never left* — as a member on every day between the
  decision and the annulment, exempted when the exemption the decision ended (reopened by the
  annulment) covers the day — and show no decrease for it, nor an increase at the annulment. That
  is what the annulment means (the decision is void), and the party age agrees (its gap closes on
  its first day). A balance drawn up before the annulment showed the decrease; drawn again, it
  does not: both balance exactly.
- **Readmission** reuses the member's record: its admission and official dates are those of the
  readmission, so the earlier membership is not counted on days before it (nor is its ending
  counted as a decrease: both sides of the balance leave it out alike).
- **Profile, kind and sector**: a member's education, qualification, theory, occupation,
  ethnicity and religion, and a unit's kind and sector, are today's (they are not dated).
- **Structure**: the changes of a period are counted against the subtree of its last day; the
  members who came or went with their units in a restructuring are a cause of their own
  (``moved_in``/``moved_out``). A unit closed during the period (merged) belongs where it was put
  when it closed, under its successor, so a merge inside the subtree is no transfer.

Within these, the balance is exact: opening + increases − decreases = closing, because every
change of a member's count is one of the causes below, read from the same dates and placements.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from chibo.members.enums import Status
from chibo.org.models import Unit
from chibo.reports.statistics import sql as q
from chibo.reports.statistics.composition import PROFILE, Breakdown
from chibo.reports.statistics.sql import P

STATUSES = (Status.OFFICIAL.value, Status.PROBATIONARY.value, Status.EXEMPTED.value)
INCREASES = ("admitted", "readmitted", "transferred_in", "moved_in")
DECREASES = ("deceased", "expelled", "removed", "resigned", "transferred_out", "moved_out")
CAUSES = (*INCREASES, *DECREASES, "recognized")


def _counts(by_status: dict[str, int]) -> dict[str, int]:
    """{total, official, probationary, exempted}: the tally's columns (official excludes exempted)."""
    counts = {s: int(by_status.get(s) or 0) for s in STATUSES}
    return {"total": sum(counts.values()), **counts}


def members_as_of(unit: Unit, day: dt.date) -> dict[str, int]:
    """Active members of ``unit``'s subtree on ``day``, with the structure of that day.

    Returns ``{"total", "official", "probationary", "exempted"}`` with the meaning of the columns
    of :class:`~chibo.members.models.UnitMemberTally` (official excludes exempted; total is their
    sum), so for today it equals the unit's tally. From today on the registry is read as it is
    (members by ``unit_path`` range, current status: one query). A past day is rebuilt (two
    queries): members whose official placement that day was in a cell whose position that day
    lay in the unit's range of that day, and who were members then — admitted by that day
    (``admission_date``; a missing one counts from the placement), and not yet gone (a member now
    deceased, expelled, removed or resigned counts until the day before ``status_since``); counted
    with their current status once it was taken (``status_since``), before that as official from
    ``official_date`` and as probationary until then, or as exempted on the days one of their
    exemption records covers (also once it ended). Approximations (see the module docstring): no
    other status history, an annulled removal or expulsion counts as never having happened, a
    readmitted member's earlier membership is not counted, temporary placements never count.
    """
    today = timezone.localdate()
    snap, params = q.snapshot(unit, day, q.root_path_on(unit, day, today), today=today)
    rows = q.run(f"SELECT s.st, COUNT(*) FROM ({snap}) s GROUP BY s.st", params)
    return _counts(dict(rows))


@dataclass
class Balance:
    """Members of a subtree at the start and end of a period and the changes between, by cause.

    ``opening`` is the day before ``start`` with the structure of that day, ``closing`` is ``end``
    with the structure of ``end``; the changes are counted against the structure of ``end``, and
    ``moved_in``/``moved_out`` are the members who came or went with their units (restructuring),
    the difference between the two structures on the opening day.
    """

    start: dt.date
    end: dt.date
    opening: dict[str, int]
    closing: dict[str, int]
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def increase(self) -> int:
        return sum(self.changes[k] for k in INCREASES)

    @property
    def decrease(self) -> int:
        return sum(self.changes[k] for k in DECREASES)

    @property
    def gap(self) -> int:
        """closing − (opening + increases − decreases): zero when the books balance."""
        return self.closing["total"] - (self.opening["total"] + self.increase - self.decrease)


LEAVING = ("deceased", "expelled", "removed", "resigned")
IN_PERIOD = "BETWEEN %(start)s AND %(end)s"


def _row_sql(units: str) -> str:
    """The official placements in the cells of ``units`` (unit_id, at_end, at_open) that overlap
    the days from the opening day to ``end``, each classified: the status it counted with on the
    opening day (``open_st``) and on ``end`` (``close_st``), and the change it carries in the
    period, if any. The neighbouring placement of a move, and whether an admission is a
    readmission, are looked up only for the rows that need them (an index probe on the member)."""
    other = (f"SELECT q.unit_id FROM {q.PLACEMENT} q WHERE q.member_id = pl.member_id "
             f"AND q.kind = {q.OFFICIAL_PLACEMENT}")
    leaving = "(" + ", ".join(f"'{s}'" for s in LEAVING) + ")"
    columns = {
        "open_st": f"CASE WHEN {q.placed(P('open'))} AND {q.active(P('open'))} THEN {q.status_on(P('open'))} END",
        "close_st": f"CASE WHEN c.at_end = 1 AND {q.placed(P('end'))} AND {q.active(P('end'))} "
                    f"THEN {q.status_on(P('end'))} END",
        "joined": f"CASE WHEN c.at_end = 1 AND admission_date {IN_PERIOD} AND {q.placed('admission_date')} "
                  f"AND (status IN {q.ACTIVE} OR status_since > admission_date) THEN CASE WHEN EXISTS "
                  f"({other} AND q.valid_from < m.admission_date) THEN 'readmitted' ELSE 'admitted' END END",
        "left_as": f"CASE WHEN c.at_end = 1 AND status IN {leaving} AND status_since {IN_PERIOD} "
                   f"AND (admission_date IS NULL OR admission_date < status_since) "
                   f"AND {q.placed_before('status_since')} THEN status END",
        "came_from": f"CASE WHEN c.at_end = 1 AND valid_from {IN_PERIOD} AND {q.staying('valid_from')} THEN "
                     f"COALESCE(({other} AND q.valid_to = pl.valid_from ORDER BY q.id DESC LIMIT 1), 0) END",
        "went_to": f"CASE WHEN c.at_end = 1 AND valid_to {IN_PERIOD} AND {q.staying('valid_to')} THEN "
                   f"COALESCE(({other} AND q.valid_from = pl.valid_to ORDER BY q.id LIMIT 1), 0) END",
        "recognized": f"CASE WHEN c.at_end = 1 AND official_date {IN_PERIOD} AND {q.placed('official_date')} "
                      f"AND {q.active('official_date')} THEN 1 ELSE 0 END",
    }
    profile = " || '|' || ".join(PROFILE.values())
    return (
        f"SELECT c.at_end, c.at_open, {', '.join(f'{expr} AS {name}' for name, expr in columns.items())}, "
        f"pl.unit_id AS cell_id, {profile} AS profile "
        f"FROM ({units}) c JOIN {q.PLACEMENT} pl ON pl.unit_id = c.unit_id JOIN {q.MEMBER} m ON m.id = pl.member_id "
        f"WHERE pl.kind = {q.OFFICIAL_PLACEMENT} AND pl.valid_from <= %(end)s "
        f"AND (pl.valid_to IS NULL OR pl.valid_to > %(open)s)"
    )


def _kept() -> str:
    """The units of the subtree of ``end``, closed ones included (see ``sql.closed_cells``)."""
    return f"({q.cells('end')} UNION ALL {q.closed_cells('end', 'open')})"


# A row's class: its subtree flags, statuses and change (``came``/``went``: "1" for a transfer).
CLASS = ("at_end", "at_open", "open_st", "close_st", "joined", "left_as", "came", "went", "recognized")


def _text(expr: str) -> str:
    return f"COALESCE(CAST({expr} AS VARCHAR(20)), '')"


def _balance_sql() -> str:
    """One pass over the official placements of the units of the subtree of ``end``
    (``at_end``) or of the opening day (``at_open``), each unit once, classified (the fence keeps
    each class column computed once per row), then counted by class — the class as one text key
    (see ``CLASS``), with the member's profile when they count on ``end``, so that the database
    hashes a few thousand groups instead of sorting every row — and the members of ``end`` by
    cell. A move counts as a transfer when the cell on its other side is outside the subtree of
    ``end``."""
    kept = _kept()
    units = (f"SELECT k.unit_id, 1 AS at_end, CASE WHEN k.unit_id IN ({q.cells('open')}) THEN 1 ELSE 0 END "
             f"AS at_open FROM {kept} k UNION ALL SELECT o.unit_id, 0, 1 FROM ({q.cells('open')}) o "
             f"WHERE o.unit_id NOT IN {kept}")
    moved = {"came": "came_from", "went": "went_to"}
    parts = {name: (f"CASE WHEN {moved[name]} NOT IN {kept} THEN '1' ELSE '0' END" if name in moved else _text(name))
             for name in CLASS}
    parts["profile"] = "CASE WHEN close_st IS NULL THEN '' ELSE profile END"
    key = " || '|' || ".join(parts.values())
    return (f"WITH r AS MATERIALIZED (SELECT cell_id, close_st, {key} AS k FROM ({_row_sql(units)} {q.fence()}) x) "
            f"SELECT NULL, k, COUNT(*) FROM r GROUP BY k "
            f"UNION ALL SELECT cell_id, NULL, COUNT(*) FROM r WHERE close_st IS NOT NULL GROUP BY cell_id")


def _count(rows: list[tuple], start: dt.date, end: dt.date) -> tuple[Balance, Breakdown]:
    """The balance and the members of ``end`` by profile and cell, from the counted classes."""
    opening, closing = dict.fromkeys(STATUSES, 0), dict.fromkeys(STATUSES, 0)
    changes = dict.fromkeys(CAUSES, 0)
    by: dict[str, Counter[str]] = {dim: Counter() for dim in ["status", *PROFILE, "cell"]}
    for cell, key, n in rows:
        if cell is not None:
            by["cell"][str(cell)] += n
            continue
        at_end, at_open, open_st, close_st, joined, left_as, came, went, recognized, *profile = key.split("|")
        if open_st and at_open == "1":
            opening[open_st] += n
        if open_st and at_end != at_open:
            changes["moved_in" if at_end == "1" else "moved_out"] += n
        for cause in (joined, left_as):
            if cause:
                changes[cause] += n
        for cause, flag in (("transferred_in", came), ("transferred_out", went), ("recognized", recognized)):
            changes[cause] += n * (flag == "1")
        if close_st:
            closing[close_st] += n
            by["status"][close_st] += n
            for dim, value in zip(PROFILE, profile, strict=True):
                by[dim][value] += n
    b = Balance(start=start, end=end, opening=_counts(opening), closing=_counts(closing), changes=changes)
    return b, Breakdown(day=end, by=by)


def balance_and_breakdown(unit: Unit, start: dt.date, end: dt.date) -> tuple[Balance, Breakdown]:
    """:func:`balance`, with the members of ``end`` by profile and by cell (as ``breakdown(unit,
    end)`` gives them, from the same pass: what the year-end tables need, in two queries)."""
    opening_day = start - dt.timedelta(days=1)
    roots = q.root_paths(unit, [opening_day, end])
    params = {**q.range_params("end", end, roots[end]), **q.range_params("open", opening_day, roots[opening_day]),
              "start": start}
    return _count([(cell, key, int(n)) for cell, key, n in q.run(_balance_sql(), params)], start, end)


def balance(unit: Unit, start: dt.date, end: dt.date) -> Balance:
    """The members of ``unit``'s subtree on the day before ``start`` and on ``end`` and every
    change between, by cause (two queries; see the module docstring)."""
    return balance_and_breakdown(unit, start, end)[0]


def changes_by_cause(unit: Unit, start: dt.date, end: dt.date) -> dict[str, int]:
    """Changes of the members of ``unit``'s subtree from ``start`` to ``end`` (both included), by
    cause, with the subtree as it stood on ``end``.

    Increases: ``admitted`` (admission decision in the period, not a readmission), ``readmitted``
    (the record has a placement from before its admission date: a readmission reuses the former
    member's record), ``transferred_in`` (an official placement starting in the period in a cell
    of the subtree, the member's previous one outside it, or none), ``moved_in`` (members whose
    cell came into the subtree with a restructuring: in it on ``end``, outside it on the day
    before ``start``). Decreases: ``deceased``, ``expelled``, ``removed`` (xoá tên), ``resigned``
    (each dated by ``status_since``), ``transferred_out``, ``moved_out``. Also ``recognized``:
    official membership reached in the period (``official_date``; not a change of the total).
    A member who came and went again in the period counts both ways.
    """
    return balance(unit, start, end).changes
