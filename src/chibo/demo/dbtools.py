"""Database chores around a bulk load: emptying the registry, deferring index builds, ANALYZE.

PostgreSQL builds an index several times faster in one pass over a loaded table than row by
row during ``COPY``, and checks a foreign key with one join instead of one lookup per row, so
the loader drops the secondary indexes and constraints of the tables it fills and recreates
them afterwards (inside the same transaction: a failed load leaves the schema as it was).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import connection, models

from chibo.accounts.models import RoleGrant, User
from chibo.core.models import AuditEntry
from chibo.members.models import Member, Placement, UnitMemberTally
from chibo.org.models import Unit, UnitEvent, UnitPathPeriod

LOADED = (Unit, UnitPathPeriod, UnitEvent, Member, Placement)
REGISTRY = (*LOADED, UnitMemberTally, RoleGrant, AuditEntry)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def registry_tables() -> list[str]:
    """Our tables plus every table that points at one of them (users excepted: they are kept)."""
    chosen: set[type[models.Model]] = set(REGISTRY)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models(include_auto_created=True):
            if model in chosen or model is User:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & chosen:
                chosen.add(model)
                changed = True
    return sorted(m._meta.db_table for m in chosen)


def is_empty() -> bool:
    return not (Unit.objects.exists() or Member.objects.exists())


def wipe() -> list[str]:
    """Empty the registry (units, members, their history, grants, audit log); users stay."""
    tables = registry_tables()
    User.objects.filter(member__isnull=False).update(member=None)
    with connection.cursor() as cur:
        if is_postgres():
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with pending FK checks
            outside = _foreign_keys_into(cur, tables)
            for table, name, _definition in outside:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY")
            for table, name, definition in outside:
                cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in tables:
                cur.execute(f'DELETE FROM "{table}"')
    return tables


def _foreign_keys_into(cur, tables: list[str]) -> list[tuple[str, str, str]]:
    """Foreign keys of tables outside ``tables`` that reference a table inside (PostgreSQL)."""
    cur.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid::regclass::text = ANY(%s) "
        "AND NOT c.conrelid::regclass::text = ANY(%s)",
        [tables, tables],
    )
    return [(t.strip('"'), n, d) for t, n, d in cur.fetchall()]


def _secondary(cur, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(constraints, indexes) of ``table`` other than its primary key, as (name, definition)."""
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        [table],
    )
    constraints = [(n, d) for n, d, kind in sorted(cur.fetchall(), key=lambda r: r[2] != "u")]
    cur.execute(
        "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class ci ON ci.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
        "AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
        [table],
    )
    return constraints, list(cur.fetchall())


@contextmanager
def deferred_indexes(tables: Iterable[str], *, enabled: bool = True) -> Iterator[dict]:
    """Drop the secondary indexes and constraints of ``tables`` and rebuild them on exit.

    PostgreSQL only (elsewhere a no-op). Yields a dict that receives the rebuild time.
    """
    timing: dict = {}
    if not (enabled and is_postgres()):
        yield timing
        return
    import time

    saved: list[tuple[str, list, list]] = []
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with pending FK checks
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in tables:
            constraints, indexes = _secondary(cur, table)
            saved.append((table, constraints, indexes))
            for name, _d in reversed(constraints):  # foreign keys first, then unique
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _d in indexes:
                cur.execute(f'DROP INDEX "{name}"')
    yield timing
    start = time.perf_counter()
    each: dict[str, float] = {}
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for table, constraints, indexes in saved:
            statements = [(name, definition) for name, definition in indexes]
            statements += [(name, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                           for name, definition in constraints]
            for name, statement in statements:
                began = time.perf_counter()
                cur.execute(statement)
                each[name] = round(time.perf_counter() - began, 2)
    timing["indexes"] = round(time.perf_counter() - start, 3)
    timing["slowest_indexes"] = dict(sorted(each.items(), key=lambda kv: -kv[1])[:6])  # type: ignore[assignment]


def analyze(tables: Iterable[str] = ()) -> None:
    with connection.cursor() as cur:
        if is_postgres():
            for table in tables:
                cur.execute(f'ANALYZE "{table}"')
        else:
            cur.execute("ANALYZE")


def timestamp(day) -> str:
    """08:00 in Vietnam on ``day``, as the database stores an aware datetime (UTC)."""
    text = f"{day.isoformat()} 01:00:00"
    return text + "+00:00" if is_postgres() else text
