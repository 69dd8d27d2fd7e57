"""The fingerprint of a database: every table's row count and a checksum of its content.

PostgreSQL: one statement per table, ``md5`` of the rows' text (``t::text``) in primary-key order
(all columns for a table without one), read in one ``REPEATABLE READ`` snapshot with fixed
``TimeZone``/``DateStyle`` so that two servers print the same text for the same rows. The row
hashes are aggregated (32 bytes a row) rather than the rows, so a large table costs little memory.
SQLite: the same in Python, ``repr`` of each row in primary-key (or rowid) order.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

Fingerprint = dict[str, tuple[int, str]]

_TABLES = """
SELECT c.relname,
       coalesce((SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum))
                   FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                  WHERE i.indrelid = c.oid AND i.indisprimary), '')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY 1
"""


def postgres(url: str) -> Fingerprint:
    import psycopg

    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3")
        tables = conn.execute(_TABLES).fetchall()
        out: Fingerprint = {}
        for name, pk in tables:
            order = pk or "t::text"
            row = conn.execute(
                f'SELECT count(*), coalesce(md5(string_agg(md5(t::text), \'\' ORDER BY {order})), \'-\') '
                f'FROM public."{name}" t').fetchone()
            assert row is not None
            out[name] = (int(row[0]), str(row[1]))
        conn.rollback()
    return out


def sqlite(path: Path | str) -> Fingerprint:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")  # one snapshot for every table
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        out: Fingerprint = {}
        for name in names:
            columns = conn.execute(f'PRAGMA table_info("{name}")').fetchall()
            pk = [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]]
            order = ", ".join(f'"{c}"' for c in (pk or [c[1] for c in columns]))
            digest, count = hashlib.md5(), 0
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY {order}'):
                digest.update(repr(row).encode())
                count += 1
            out[name] = (count, digest.hexdigest() if count else "-")
        conn.rollback()
    finally:
        conn.close()
    return out


def differences(expected: Fingerprint, actual: Fingerprint) -> list[str]:
    """One line per table that differs: missing, extra, another row count or another content."""
    lines = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            lines.append(f"{name}: missing from the restored database")
        elif name not in expected:
            lines.append(f"{name}: not in the original database")
        elif expected[name][0] != actual[name][0]:
            lines.append(f"{name}: {actual[name][0]:,} rows instead of {expected[name][0]:,}")
        elif expected[name][1] != actual[name][1]:
            lines.append(f"{name}: same {actual[name][0]:,} rows but other content (checksum {actual[name][1][:8]} "
                         f"instead of {expected[name][1][:8]})")
    return lines


def rows(fingerprint: Fingerprint) -> int:
    return sum(count for count, _ in fingerprint.values())
