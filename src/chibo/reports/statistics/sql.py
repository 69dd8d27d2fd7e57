"""The SQL the statistics share: the cells a subtree held on a day, and where and how a member
stood on a day, rebuilt from the dated placements and the member's own dates.

Plain SQL with named parameters (``%(end)s``) that SQLite and PostgreSQL both run. In a placement
joined with its member the columns used below have one owner each (``valid_from``/``valid_to``
and ``kind`` are the placement's; ``status``, ``status_since``, ``admission_date`` and
``official_date`` the member's), so the predicates work on the join and on a CTE of it alike;
:func:`status_on` also looks up the member's exemptions, so it needs the member table as ``m``.
``day`` arguments are SQL expressions: a parameter (``P("end")``) or a column (``valid_from``;
for :func:`status_on` a parameter or a qualified column, as it is used inside a subquery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from chibo.members.enums import PlacementKind, Status
from chibo.members.leaving.models import Exemption
from chibo.members.models import Member, Placement
from chibo.org import paths
from chibo.org.models import Unit, UnitPathPeriod

MEMBER = Member._meta.db_table
PLACEMENT = Placement._meta.db_table
PERIOD = UnitPathPeriod._meta.db_table
EXEMPTION = Exemption._meta.db_table
OFFICIAL_PLACEMENT = f"'{PlacementKind.OFFICIAL.value}'"
ACTIVE = "(" + ", ".join(f"'{Status(s).value}'" for s in Status.active()) + ")"

Params = dict[str, Any]


def P(name: str) -> str:
    """The placeholder of the named parameter ``name``."""
    return f"%({name})s"


# The queries read one subtree through index ranges and probes (cells by path range, their
# placements, each placement's member by id; or the members by ``unit_path`` range). On PostgreSQL
# with its default costs the planner, over-estimating the placements per cell, would rather hash
# the whole member table (5.7 million rows: 3.3 s instead of 1.2 s for Hà Nội) or scan it (0.8 s
# instead of 0.2 s), and the inflated cost estimates switch on JIT compilation, which took 0.7 s
# more than it saved. The settings hold for the query only: set with ``is_local`` in a transaction
# of its own, or, inside the caller's transaction, put back as they were once the rows are read (on
# an error the caller's transaction is lost anyway, and the settings with it).
POSTGRES_SETTINGS = {"jit": "off", "enable_hashjoin": "off", "enable_mergejoin": "off", "enable_seqscan": "off"}


def _set(values: Iterable[Any]) -> str:
    return "SELECT " + ", ".join(f"set_config('{name}', '{value}', true)"
                                 for name, value in zip(POSTGRES_SETTINGS, values, strict=True))


def run(sql: str, params: Params) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (on PostgreSQL with :data:`POSTGRES_SETTINGS`: one more statement, two
    more inside a transaction)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    outer = connection.in_atomic_block
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if outer:
            cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in POSTGRES_SETTINGS))
            before = cursor.fetchone()
        cursor.execute(_set(POSTGRES_SETTINGS.values()))
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if outer:
            cursor.execute(_set(before))
        return rows


def fence() -> str:
    """A no-op LIMIT that keeps a subquery from being merged into the query around it, so that its
    computed columns are computed once per row rather than once per use."""
    return "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"


# ---- the subtree on a day -------------------------------------------------------------------

def root_paths(unit: Unit, days: Iterable[dt.date]) -> dict[dt.date, str | None]:
    """``unit``'s path on each of ``days`` (its latest position taken on or before the day; None
    before it opened), from its position periods: one query."""
    days = list(days)
    periods = list(UnitPathPeriod.objects.filter(unit=unit, valid_from__lte=max(days))
                   .order_by("valid_from", "id").values_list("valid_from", "path"))
    return {day: next((path for since, path in reversed(periods) if since <= day), None) for day in days}


def root_path_on(unit: Unit, day: dt.date, today: dt.date) -> str | None:
    """``unit``'s path on ``day``: today's from today on (no query), else its position then."""
    return unit.path if day >= today else root_paths(unit, [day])[day]


def range_params(name: str, day: dt.date, root_path: str | None) -> Params:
    """The parameters ``name``, ``name_lo`` and ``name_hi`` of :func:`cells` (an empty range when
    the unit did not exist yet)."""
    if root_path is None:
        return {name: day, f"{name}_lo": "", f"{name}_hi": ""}
    return {name: day, f"{name}_lo": root_path, f"{name}_hi": paths.upper_bound(root_path)}


def _in_range(name: str) -> str:
    return f"p.path >= {P(name + '_lo')} AND p.path < {P(name + '_hi')}"


def cells(name: str) -> str:
    """The ids of the units of the subtree on the day ``name``: their position periods valid that
    day lie in the subtree root's range of that day (an index range; PostgreSQL estimates it well,
    so it can plan the joins below it in parallel)."""
    return (f"SELECT p.unit_id FROM {PERIOD} p WHERE {_in_range(name)} AND p.valid_from <= {P(name)} "
            f"AND (p.valid_to IS NULL OR p.valid_to > {P(name)})")


def closed_cells(name: str, since: str) -> str:
    """The ids of the units that closed after the day ``since`` and by the day ``name`` at a last
    position in the subtree of ``name`` (a unit merged into another stays under its successor):
    with :func:`cells`, the units whose records belong to the subtree of ``name``. Few rows: the
    periods of the range that ended in between, one index probe each."""
    return (f"SELECT p.unit_id FROM {PERIOD} p WHERE {_in_range(name)} AND p.valid_to > {P(since)} "
            f"AND p.valid_to <= {P(name)} AND p.id = (SELECT n.id FROM {PERIOD} n WHERE n.unit_id = p.unit_id "
            f"AND n.valid_from <= {P(name)} ORDER BY n.valid_from DESC, n.id DESC LIMIT 1)")


# ---- a member on a day ----------------------------------------------------------------------

def placed(day: str) -> str:
    """The placement covers ``day`` (``valid_to`` is the first day elsewhere)."""
    return f"(valid_from <= {day} AND (valid_to IS NULL OR valid_to > {day}))"


def placed_before(day: str) -> str:
    """The placement covers the day before ``day``."""
    return f"(valid_from < {day} AND (valid_to IS NULL OR valid_to >= {day}))"


def active(day: str) -> str:
    """The member was a member on ``day``: admitted by then, and not yet gone (a member who left
    counts until the day before ``status_since``)."""
    return f"((admission_date IS NULL OR admission_date <= {day}) AND (status IN {ACTIVE} OR status_since > {day}))"


def staying(day: str) -> str:
    """The member was a member both the day before ``day`` and on it."""
    return f"((admission_date IS NULL OR admission_date < {day}) AND (status IN {ACTIVE} OR status_since > {day}))"


def exempted_on(day: str) -> str:
    """An exemption of the member ``m`` covers ``day`` (from ``resolved_on`` to the day before
    ``returned_on``, the first day back or gone; still running when it is NULL): one probe of the
    index ``exemption_member`` (member, resolved_on)."""
    return (f"EXISTS (SELECT 1 FROM {EXEMPTION} e WHERE e.member_id = m.id AND e.resolved_on <= {day} "
            f"AND (e.returned_on IS NULL OR e.returned_on > {day}))")


def status_on(day: str) -> str:
    """The status on ``day`` of a member ``m`` who was active then: the current status once it was
    taken (``status_since``); before that exempted when one of their exemptions covered the day,
    else official from ``official_date``, probationary until then.

    The exemptions are looked up only for the members whose current status began after ``day``
    (or who left): a status still held on ``day`` is the status of that day, since a return and a
    departure both move ``status_since`` (the leaving services keep the exemptions and the status
    in step). So a report of a recent day probes few members, not the whole subtree.
    """
    return (
        f"(CASE WHEN status IN {ACTIVE} AND (status_since IS NULL OR status_since <= {day}) THEN status "
        f"WHEN {exempted_on(day)} THEN '{Status.EXEMPTED.value}' "
        f"WHEN official_date <= {day} THEN '{Status.OFFICIAL.value}' ELSE '{Status.PROBATIONARY.value}' END)"
    )


PROFILE = "education_grade, qualification, political_theory, occupation, ethnicity, religion"


def snapshot(unit: Unit, day: dt.date, root_path: str | None, *, today: dt.date) -> tuple[str, Params]:
    """A SELECT of (cell_id, st, the profile columns) for each member counted in ``unit``'s
    subtree on ``day`` (``st``: the status that day).

    From today on the registry itself is the answer: the current cell (``unit_path`` range) and
    status. Before today: the official placements valid that day in the cells of the subtree of
    that day, with the status rebuilt from the member's dates.
    """
    if day >= today:
        sql = (f"SELECT m.unit_id AS cell_id, m.status AS st, {PROFILE} FROM {MEMBER} m "
               f"WHERE m.unit_path >= %(lo)s AND m.unit_path < %(hi)s AND m.status IN {ACTIVE}")
        return sql, {"lo": unit.path, "hi": unit.path_upper}
    sql = (f"SELECT pl.unit_id AS cell_id, {status_on(P('day'))} AS st, {PROFILE} "
           f"FROM ({cells('day')}) c JOIN {PLACEMENT} pl ON pl.unit_id = c.unit_id "
           f"JOIN {MEMBER} m ON m.id = pl.member_id "
           f"WHERE pl.kind = {OFFICIAL_PLACEMENT} AND {placed(P('day'))} AND {active(P('day'))}")
    return sql, range_params("day", day, root_path)
