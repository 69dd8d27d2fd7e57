"""The 100-million-line audit log of the privacy bench (``bench/privacy.py``), PostgreSQL only.

Set-based: ``INSERT … SELECT generate_series`` in batches of ``BATCH`` lines, with the table's
secondary indexes dropped first and built again after (their definitions are read from
``pg_indexes`` and replayed, so the table ends as the migrations left it). Every generated line
carries ``"bench": "privacy"`` in its payload: ``--drop`` deletes exactly those.

The mix over the last two years (realistic proportions of a working system):

* 55% ``members.viewed`` of a random member (about 10 reads per member), at the member's cell;
* 35% writes on members (``members.updated``, ``members.status_changed``, …), at the cell;
* 8% lines on other objects (meetings, admission cases) at a random unit;
* 2% exports (``members.exported``, ``reports.exported``) of a random unit's scope, a third of
  them at the top three levels (nation, province, commune).

Plus the bench's "member with many reads" (``SUBJECT``): 5,000 reads in the last year, 3,000
older, and 200 exports of each of their ancestor scopes over the two years.
"""

from __future__ import annotations

import time
from typing import Any

TOTAL = 100_000_000
BATCH = 5_000_000
SUBJECT = 1_000_000  # a member id of the national data set (a cell at depth 4)
MARK = '"bench": "privacy"'

WRITES = "ARRAY['members.updated','members.status_changed','members.placed','meetings.attended'," \
         "'dues.paid','members.card_issued']"
OTHER = "ARRAY['meetings.scheduled','meetings.minutes','admissions.step','handbook.answered']"
OTHER_TYPES = "ARRAY['meeting','meeting','admissioncase','thread']"
EXPORTS = "ARRAY['members.exported','reports.exported']"


def _sql(cursor: Any, sql: str, params: list[Any] | None = None) -> float:
    start = time.perf_counter()
    cursor.execute(sql, params or [])
    return time.perf_counter() - start


def generated(cursor: Any) -> int:
    cursor.execute("SELECT count(*) FROM core_auditentry WHERE payload @> %s::jsonb", ['{' + MARK + '}'])
    return int(cursor.fetchone()[0])


def secondary_indexes(cursor: Any) -> list[tuple[str, str]]:
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'core_auditentry' "
                   "AND indexname NOT LIKE '%%_pkey' ORDER BY indexname", [])
    return [(r[0], r[1]) for r in cursor.fetchall()]


def _batch(cursor: Any, first: int, last: int, members: int, units: int) -> None:
    """Lines ``first``..``last`` of the mix (the line number picks its kind)."""
    series = (f"SELECT i, i %% 100 AS k, 1 + (random() * ({members} - 1))::bigint AS mid, "
              f"1 + (random() * ({units} - 1))::bigint AS uid, "
              f"now() - make_interval(secs => random() * 730 * 86400) AS at, random() AS r "
              f"FROM generate_series({first}, {last}) i")
    cursor.execute(
        f"INSERT INTO core_auditentry (at, action, object_type, object_id, unit_path, payload, actor_id) "
        f"SELECT g.at, CASE WHEN g.k < 55 THEN 'members.viewed' "
        f"ELSE ({WRITES})[1 + (g.i %% 6)] END, 'member', g.mid::text, m.unit_path, "
        f"CASE WHEN g.k < 55 THEN jsonb_build_object('sensitive', g.r < 0.3, 'bench', 'privacy') "
        f"ELSE jsonb_build_object('fields', jsonb_build_array('address'), 'bench', 'privacy') END, NULL "
        f"FROM ({series}) g JOIN members_member m ON m.id = g.mid WHERE g.k < 90", [])
    cursor.execute(
        f"INSERT INTO core_auditentry (at, action, object_type, object_id, unit_path, payload, actor_id) "
        f"SELECT g.at, ({OTHER})[1 + (g.i %% 4)], ({OTHER_TYPES})[1 + (g.i %% 4)], (g.i %% 900000)::text, "
        f"u.path, jsonb_build_object('bench', 'privacy'), NULL "
        f"FROM ({series}) g JOIN org_unit u ON u.id = g.uid WHERE g.k >= 90 AND g.k < 98", [])
    # exports: a third at the top three levels (the first 3,548 units are the nation, its 40
    # provinces and their communes in the national data set), the rest anywhere
    cursor.execute(
        f"INSERT INTO core_auditentry (at, action, object_type, object_id, unit_path, payload, actor_id) "
        f"SELECT g.at, ({EXPORTS})[1 + (g.i %% 2)], 'unit', u.id::text, u.path, "
        f"jsonb_build_object('count', 100, 'format', 'xlsx', 'masked', false, 'bench', 'privacy'), NULL "
        f"FROM ({series}) g JOIN org_unit u ON u.id = CASE WHEN g.r < 0.33 THEN 1 + (g.uid %% 3548) "
        f"ELSE g.uid END WHERE g.k >= 98", [])


def _subject(cursor: Any, subject: int) -> None:
    """The member with many reads, and the exports of their ancestor scopes."""
    cursor.execute("SELECT unit_path FROM members_member WHERE id = %s", [subject])
    path = cursor.fetchone()[0]
    ancestors = [path[:i] for i in range(5, len(path) + 1, 5)]
    cursor.execute(
        "INSERT INTO core_auditentry (at, action, object_type, object_id, unit_path, payload, actor_id) "
        "SELECT now() - make_interval(secs => CASE WHEN i <= 5000 THEN random() * 360 "
        "ELSE 370 + random() * 360 END * 86400), 'members.viewed', 'member', %s, %s, "
        "jsonb_build_object('sensitive', i %% 3 = 0, 'bench', 'privacy'), NULL "
        "FROM generate_series(1, 8000) i", [str(subject), path])
    for p in ancestors:
        cursor.execute(
            "INSERT INTO core_auditentry (at, action, object_type, object_id, unit_path, payload, actor_id) "
            "SELECT now() - make_interval(secs => random() * 730 * 86400), "
            "(ARRAY['members.exported','reports.exported'])[1 + i %% 2], 'unit', '0', %s, "
            "jsonb_build_object('count', 100, 'format', 'xlsx', 'masked', false, 'bench', 'privacy'), NULL "
            "FROM generate_series(1, 200) i", [p])


def generate(total: int = TOTAL, batch: int = BATCH, log=print, subject: int = SUBJECT) -> dict[str, Any]:
    """Fill the audit table up to ``total`` generated lines; returns the timings and sizes."""
    from django.db import connection

    info: dict[str, Any] = {}
    with connection.cursor() as cursor:
        have = generated(cursor)
        if have >= total:
            log(f"  {have:,} generated audit lines already there")
            return {"generated": have}
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SELECT max(id) FROM members_member")
        members = int(cursor.fetchone()[0])
        cursor.execute("SELECT max(id) FROM org_unit")
        units = int(cursor.fetchone()[0])
        indexes = secondary_indexes(cursor)
        info["indexes"] = dict(indexes)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        log(f"  dropped {len(indexes)} indexes; inserting {total - have:,} lines in batches of {batch:,}")
        start = time.perf_counter()
        if have == 0:
            _subject(cursor, subject)
        first = have + 1
        while first <= total:
            last = min(first + batch - 1, total)
            t0 = time.perf_counter()
            _batch(cursor, first, last, members, units)
            took = time.perf_counter() - t0
            log(f"    lines {first:,}–{last:,}: {took:.0f} s", flush=True)
            first = last + 1
        info["insert_s"] = round(time.perf_counter() - start, 1)
        built: dict[str, float] = {}
        for name, definition in indexes:
            built[name] = round(_sql(cursor, definition), 1)
            log(f"    index {name}: {built[name]:.0f} s", flush=True)
        info["index_s"] = built
        info["analyze_s"] = round(_sql(cursor, "VACUUM (ANALYZE) core_auditentry"), 1)
        cursor.execute("SELECT pg_total_relation_size('core_auditentry'), pg_relation_size('core_auditentry')")
        total_bytes, heap_bytes = cursor.fetchone()
        info["size_total_gb"] = round(total_bytes / 2**30, 2)
        info["size_heap_gb"] = round(heap_bytes / 2**30, 2)
        info["generated"] = generated(cursor)
    return info


def drop(log=print) -> int:
    """Delete the generated lines (the indexes stay); returns how many."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE payload @> %s::jsonb", ['{' + MARK + '}'])
        count = cursor.rowcount
        log(f"  deleted {count:,} generated audit lines; run VACUUM to give the space back")
    return count
