"""The "who can see my data" benchmark: ``python -m chibo bench privacy --size nation``.

PostgreSQL, on the national data set, with 100 million audit lines (``bench/privacy_data.py``:
generated once, kept between runs; ``--drop`` deletes them). Each figure beside baselines of the
same run, medians of ``--reps`` warm runs (the first, colder run is recorded too):

* **the page's queries for the member with many reads** (8,000 reads, 5,000 of them in the last
  year, exports of each of their ancestor scopes): ``accounts.visibility.visibility_of`` and the
  first page of ``core.audit_queries.reads_of`` — everything the handbook page reads but the
  session; then a page deep in the year (after 2,000 lines), and a typical member (about 10 reads);
* baseline 1: **one audit line read by primary key** (the floor of any query on the table);
* baseline 2: **the same reads with the audit indexed as before core 0002**: the member's views
  through ``(object_type, object_id)`` only (the subject index read without its time order: every
  line of the member is fetched and sorted, as ``audit_object`` did), and the exports through
  ``audit_path_at`` (the partial export index dropped inside a transaction that is rolled back).

The plans (``EXPLAIN ANALYZE``) of the two reads go to the results file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Report, median_ms

RESULTS = Path(__file__).resolve().parent / "results"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench privacy", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("nation",), default="nation")
    p.add_argument("--reps", type=int, default=7, help="repetitions per figure (median)")
    p.add_argument("--lines", type=int, default=100_000_000, help="generated audit lines")
    p.add_argument("--generate", action="store_true", help="only generate the audit lines, then stop")
    p.add_argument("--drop", action="store_true", help="delete the generated audit lines and stop")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.db import connection

    from bench import privacy_data

    args = parse(argv)
    if connection.vendor != "postgresql":
        raise SystemExit("The privacy bench runs on PostgreSQL (DATABASE_URL).")
    if args.drop:
        privacy_data.drop()
        raise SystemExit(0)
    out = args.out or RESULTS / f"privacy-{args.size}.json"
    report = Report("privacy", args.size, connection.vendor)
    report.context["generation"] = privacy_data.generate(args.lines)
    if args.generate:
        print(report.context["generation"])
        raise SystemExit(0)
    report.context["audit_lines"] = _estimate()
    report.context["sizes"] = _sizes()
    print(f"privacy bench, {report.context['audit_lines']:,} audit lines (estimate) — medians of {args.reps}")
    measure(report, args.reps)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


BUDGET_MS = 100


def _estimate() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'core_auditentry'")
        return int(cur.fetchone()[0])


def _sizes() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c "
                    "WHERE c.relname = 'core_auditentry' OR c.oid IN (SELECT indexrelid FROM pg_index "
                    "WHERE indrelid = 'core_auditentry'::regclass) ORDER BY 1")
        sizes = {name: size for name, size in cur.fetchall()}
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('core_auditentry'))")
        sizes["total"] = cur.fetchone()[0]
    return sizes


def _member(pk: int):
    from chibo.members.models import Member

    return Member.objects.select_related("unit", "temp_unit").get(pk=pk)


def _page(member, after: str | None = None) -> int:
    from chibo.accounts.visibility import visibility_of
    from chibo.core.audit_queries import reads_of

    visibility_of(member)
    return len(reads_of(member, after=after).rows)


def _timed(fn, reps: int) -> tuple[float, float]:
    """(median of ``reps`` warm runs, the first run) in ms."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    return median_ms(fn, reps, warmup=0), round(first, 3)


def _deep_cursor(member, lines: int) -> str | None:
    from chibo.core.audit_queries import reads_of

    cursor = None
    for _ in range(lines // 100):
        cursor = reads_of(member, after=cursor, size=100).next_cursor
    return cursor


def _old_views(member, since) -> list[Any]:
    """The member's views as ``audit_object`` (type, id) served them: all the member's lines, sorted."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id, at FROM core_auditentry WHERE object_type = 'member' AND object_id = %s "
                    "AND action = 'members.viewed' AND at >= %s ORDER BY at + interval '0 s' DESC, id DESC "
                    "LIMIT 21", [str(member.pk), since])
        return cur.fetchall()


class _Rollback(Exception):
    pass


def _without_export_index(fn) -> Any:
    from django.db import OperationalError, connection, transaction

    box: dict[str, Any] = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '5s'")
                cur.execute("DROP INDEX audit_export_path_at")
            box["value"] = fn()
            raise _Rollback
    except _Rollback:
        pass
    except OperationalError as exc:  # another session held the table: no baseline this run
        print(f"  (baseline skipped: {exc})")
    return box.get("value", (None, None))


def _reads(member, reps: int, *, old: bool, report: Report | None = None) -> tuple[float, float]:
    """The page's two audit reads (views, exports), as the page runs them (``old=False``) or as the
    indexes before core 0002 served them (``old=True``: the views sorted after reading every line
    of the member, the exports through ``audit_path_at`` with the export index dropped, rolled back)."""
    from django.db import connection
    from django.utils import timezone

    from chibo.core import audit_queries as aq

    now = timezone.now()
    since = now - dt.timedelta(days=aq.WINDOW_DAYS)
    found = aq.spans(member, timezone.localdate(since), timezone.localdate(now))

    def views() -> Any:
        return _old_views(member, since) if old else aq._views(member, since, None, aq.PAGE_SIZE)

    def run() -> tuple[float, float]:
        times = []
        first = 0.0
        for i in range(reps + 1):
            start = time.perf_counter()
            views()
            aq._exports(member, found, since, None, aq.PAGE_SIZE)
            ms = (time.perf_counter() - start) * 1000
            if i == 0:
                first = ms
            else:
                times.append(ms)
        if report is not None:
            from bench.checks import _plan
            from chibo.core.models import EXPORT_ACTIONS, AuditEntry
            from chibo.org import paths

            with connection.cursor() as cur:
                cur.execute("EXPLAIN ANALYZE SELECT id, at FROM core_auditentry WHERE object_type = 'member' "
                            "AND object_id = %s AND action = 'members.viewed' AND at >= %s "
                            "ORDER BY at + interval '0 s' DESC, id DESC LIMIT 21", [str(member.pk), since])
                report.plans["views, before core 0002"] = "\n".join(r[0] for r in cur.fetchall())
            _plan(report, "exports, before core 0002", AuditEntry.objects.filter(
                action__in=EXPORT_ACTIONS, unit_path__in=paths.ancestors(member.unit_path), at__gte=since)
                .order_by("-at", "-pk")[:21])
        return round(statistics.median(times), 3), round(first, 3)

    return _without_export_index(run) if old else run()


def _plans(report: Report, member) -> None:
    from django.utils import timezone

    from bench.checks import _plan
    from chibo.core import audit_queries as aq
    from chibo.core.models import EXPORT_ACTIONS, AuditEntry
    from chibo.org import paths

    since = timezone.now() - dt.timedelta(days=aq.WINDOW_DAYS)
    views = (AuditEntry.objects.filter(object_type="member", object_id=str(member.pk), action=aq.VIEWED,
                                       at__gte=since).order_by("-at", "-pk")[:21])
    exports = (AuditEntry.objects.filter(action__in=EXPORT_ACTIONS, unit_path__in=paths.ancestors(member.unit_path),
                                         at__gte=since).order_by("-at", "-pk")[:21])
    _plan(report, "views (audit_subject)", views)
    _plan(report, "exports (audit_export_path_at)", exports)


def _typical(subject: int) -> int:
    from chibo.members.models import Member

    found = (Member.objects.filter(pk__gte=subject + 12345).order_by("pk").values_list("pk", flat=True).first()
             or Member.objects.exclude(pk=subject).order_by("pk").values_list("pk", flat=True).first())
    return int(found or subject)


def measure(report: Report, reps: int, subject: int | None = None) -> None:
    from bench.privacy_data import SUBJECT
    from chibo.core.models import AuditEntry

    subject = subject or SUBJECT
    member = _member(subject)
    value, first = _timed(lambda: _page(member), reps)
    line = AuditEntry.objects.filter(object_type="member", object_id=str(subject)).values_list("pk", flat=True).first()
    pk_ms, pk_first = _timed(lambda: AuditEntry.objects.filter(pk=line).first(), reps)
    new_ms, new_first = _reads(member, reps, old=False)
    old_ms, old_first = _reads(member, reps, old=True, report=report)
    report.add(Figure("page: member with many reads", value, "ms", baseline=pk_ms,
                      baseline_name="one audit line by id", budget=BUDGET_MS,
                      extra={"first_run_ms": first, "baseline_first_run_ms": pk_first}))
    report.add(Figure("its two audit reads (core 0002 indexes)", new_ms, "ms", baseline=old_ms,
                      baseline_name="indexed as before core 0002",
                      note="before: views through (type, id) then sorted; exports through audit_path_at",
                      extra={"first_run_ms": new_first, "baseline_first_run_ms": old_first}))
    cursor = _deep_cursor(member, 2000)
    deep, deep_first = _timed(lambda: _page(member, cursor), reps)
    report.add(Figure("page: after 2,000 lines", deep, "ms", baseline=pk_ms, baseline_name="one audit line by id",
                      budget=BUDGET_MS, extra={"first_run_ms": deep_first}))
    typical = _member(_typical(subject))
    t_ms, t_first = _timed(lambda: _page(typical), reps)
    report.add(Figure("page: a typical member", t_ms, "ms", baseline=pk_ms, baseline_name="one audit line by id",
                      budget=BUDGET_MS, extra={"first_run_ms": t_first}))
    _plans(report, member)
