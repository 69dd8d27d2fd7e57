"""The dues benchmark: ``python -m chibo bench dues`` (the national data set on PostgreSQL).

Each figure beside a baseline measured in the same run; everything the bench writes is inside a
transaction that is rolled back, so the shared data set is left as it was found.

* **closing a month for a province** (≈ 150,000 members: the province whose member tally is
  nearest that figure; ``chibo.dues.closing.close_month``: the cells' closes, every member's frozen
  line with the amount computed in SQL from a basis, a relief and a payment, the sums and the cell's
  share, the arrears and their tallies). Before it, in the same transaction and not timed, every
  member of the province gets a basis (salaried, pensioner, student, other by id), one in fifty a
  reduction, and nine in ten a payment of the month. Beside a **plain INSERT … SELECT of the same
  rows** (one close per cell and one line per member with constant values: no rule, no sums, no
  arrears), in its own rolled-back transaction with the same preparation;
* **the arrears list at the root** (``chibo.dues.queries.arrears_page``: the root's tally, its
  children's, the first page of 50 members by unit with their live unpaid months): nine in ten
  members get a payment of the month (no basis: the fixed amount of other members), the month is
  closed for the whole nation (timed too, as an extra figure), the dues tables are analysed (the
  statistics a committed month would have), then the page is read ``--reps`` times. Beside a
  **naive GROUP BY over the payments**: the members without a payment of the month, counted per
  province (what the page would cost without the tallies).

Results go to ``bench/results/dues-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Report, median_ms

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_CLOSE_S = 30
BUDGET_ARREARS_MS = 300
PROVINCE_MEMBERS = 150_000
_SHIM = {"used": False}


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench dues", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="nation")
    p.add_argument("--reps", type=int, default=7, help="repetitions of the read figures (median)")
    p.add_argument("--month", default="2026-11", help="the month closed (YYYY-MM, rolled back)")
    p.add_argument("--skip", action="append", default=[], choices=("close", "arrears"))
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


class _Rollback(Exception):
    pass


def _shim_party_age() -> bool:
    """If the data set predates ``Member.party_since`` (members 0007), shadow the member table for this
    transaction with a temporary view that adds the column as NULL (party age from the admission date):
    no lock on the shared table, gone at the rollback. True when the shim was needed."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = 'members_member' AND column_name = 'party_since'")
        if cur.fetchone():
            return False
        cur.execute("CREATE TEMPORARY VIEW members_member AS "
                    "SELECT *, NULL::date AS party_since FROM public.members_member")
    return True


def _in_rollback(fn) -> Any:
    from django.db import transaction

    box: dict[str, Any] = {}
    try:
        with transaction.atomic():
            _SHIM["used"] = _shim_party_age() or _SHIM["used"]
            box["value"] = fn()
            raise _Rollback
    except _Rollback:
        pass
    return box["value"]


def main(argv: list[str] | None = None) -> Report:
    from django.core.management import call_command
    from django.db import connection

    from chibo.org.models import Unit

    args = parse(argv)
    call_command("migrate", "dues", verbosity=0)  # only the dues tables: the rest is the data set's
    _vacuum()
    month = dt.date.fromisoformat(args.month + "-01")
    out = args.out or RESULTS / f"dues-{args.size}.json"
    report = Report("dues", args.size, connection.vendor)
    root = Unit.objects.get(parent__isnull=True)
    print(f"dues bench, size {args.size}, {connection.vendor}, month {month:%Y-%m} — medians of {args.reps} runs")
    if "close" not in args.skip:
        province_close(report, _province(), month)
        report.write(out)
    if "arrears" not in args.skip:
        arrears_root(report, root, month, args.reps)
        report.write(out)
    report.context["party_since_shim"] = _SHIM["used"]
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def _vacuum() -> None:
    """The dues tables without the dead rows of earlier rolled-back runs (millions of them, which a
    later run's index scans would wade through); PostgreSQL only, outside any transaction."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for table in ("dues_basis", "dues_relief", "dues_payment", "dues_monthclose", "dues_monthline",
                      "dues_arrear", "dues_arrearstally"):
            cur.execute(f"VACUUM ANALYZE {table}")


def _province():
    from django.db.models import F, Func

    from chibo.org.models import Unit

    return (Unit.objects.filter(kind="province", tally__isnull=False)
            .annotate(off=Func(F("tally__total") - PROVINCE_MEMBERS, function="ABS")).order_by("off").first())


def _prepare(lo: str, hi: str, month: dt.date, *, bases: bool = True) -> int:
    """Bases for every member of [lo, hi), a reduction for one in fifty, a payment for nine in ten
    (without ``bases``: the payments only, every member paying the fixed amount of other members)."""
    from django.db import connection

    with connection.cursor() as cur:
        if not bases:
            cur.execute("SELECT COUNT(*) FROM members_member m WHERE m.unit_path >= %s AND m.unit_path < %s",
                        [lo, hi])
            members = cur.fetchone()[0]
        else:
            members = _bases_and_reliefs(cur, lo, hi, month)
        cur.execute(
            "INSERT INTO dues_payment (member_id, month, amount, method, receipt, portal_ref, paid_on, unit_id, "
            "recorded_at) SELECT m.id, %s, 50000, 'cash', 'bench', NULL, %s, m.unit_id, now() "
            "FROM members_member m WHERE m.unit_path >= %s AND m.unit_path < %s AND m.id %% 10 <> 0 "
            "AND m.status IN ('official', 'probationary', 'exempted')", [month, month, lo, hi])
    return members


def _bases_and_reliefs(cur: Any, lo: str, hi: str, month: dt.date) -> int:
    cur.execute(
        "INSERT INTO dues_basis (member_id, category, income, valid_from, valid_to, note, recorded_at) "
        "SELECT m.id, CASE m.id %% 4 WHEN 0 THEN 'salaried' WHEN 1 THEN 'pensioner' WHEN 2 THEN 'student' "
        "ELSE 'other' END, CASE WHEN m.id %% 4 < 2 THEN 4000000 + (m.id %% 97) * 61000 ELSE 0 END, "
        "'2026-01-01', NULL, '', now() FROM members_member m WHERE m.unit_path >= %s AND m.unit_path < %s",
        [lo, hi])
    members = cur.rowcount
    cur.execute(
        "INSERT INTO dues_relief (member_id, kind, ground, percent, valid_from, valid_to, decision, decided_on, "
        "recorded_at) SELECT m.id, 'reduction', 'hardship', 50, %s, NULL, 'bench', %s, now() "
        "FROM members_member m WHERE m.unit_path >= %s AND m.unit_path < %s AND m.id %% 50 = 0",
        [month, month, lo, hi])
    return members


def _raw_close(lo: str, hi: str, month: dt.date) -> int:
    """The same closes and lines with constant values: what writing them costs without any rule."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO dues_monthclose (unit_id, unit_path, month, members, exempt, unpaid_members, due, paid, "
            "unpaid, retained, remitted, closed_at) SELECT u.id, u.path, %s, 0, 0, 0, 0, 0, 0, 0, 0, now() "
            "FROM org_unit u WHERE u.path >= %s AND u.path < %s AND u.kind IN ('cell', 'grassroots_cell')",
            [month, lo, hi])
        cur.execute(
            "INSERT INTO dues_monthline (close_id, member_id, due, paid, state) "
            "SELECT c.id, m.id, 0, 0, 'unpaid' FROM dues_monthclose c JOIN members_member m ON m.unit_id = c.unit_id "
            "WHERE c.month = %s AND c.unit_path >= %s AND c.unit_path < %s "
            "AND m.status IN ('official', 'probationary', 'exempted')", [month, lo, hi])
        return cur.rowcount


def province_close(report: Report, province, month: dt.date) -> None:
    from chibo.accounts.policy import SYSTEM
    from chibo.dues import closing
    from chibo.dues.models import MonthClose
    from chibo.org import paths

    lo, hi = province.path, paths.upper_bound(province.path)
    print(f"  closing {month:%m/%Y} for {province.name} (rolled back)…", flush=True)

    def raw() -> tuple[float, int, int]:
        members = _prepare(lo, hi, month)
        start = time.perf_counter()
        rows = _raw_close(lo, hi, month)
        return time.perf_counter() - start, rows, members

    def real() -> tuple[float, int, dict[str, int]]:
        _prepare(lo, hi, month)
        start = time.perf_counter()
        cells = closing.close_month(province, month, actor=SYSTEM)
        seconds = time.perf_counter() - start
        sums = {k: 0 for k in ("members", "exempt", "unpaid_members", "due", "paid", "retained")}
        for c in MonthClose.objects.filter(month=month, unit_path__gte=lo, unit_path__lt=hi).values(*sums):
            for k in sums:
                sums[k] += c[k]
        return seconds, cells, sums

    raw_s, raw_rows, members = _in_rollback(raw)
    close_s, cells, sums = _in_rollback(real)
    report.add(Figure(f"close a month for a province ({members:,} members)", round(close_s, 2), "s",
                      baseline=round(raw_s, 2), baseline_name="plain INSERT … SELECT of the rows",
                      budget=BUDGET_CLOSE_S,
                      extra={"province": province.name, "cells": cells, "raw_lines": raw_rows, **sums}))


def arrears_root(report: Report, root, month: dt.date, reps: int) -> None:
    from django.db import connection

    from chibo.accounts.policy import SYSTEM
    from chibo.dues import closing, queries
    from chibo.org import paths

    lo, hi = root.path, paths.upper_bound(root.path)
    today = dt.date.today()

    def run() -> dict[str, Any]:
        print("  preparing the nation's payments (rolled back at the end)…", flush=True)
        start = time.perf_counter()
        members = _prepare(lo, hi, month, bases=False)
        prepared = time.perf_counter() - start
        print(f"    {members:,} members in {prepared:.0f} s; closing {month:%m/%Y} for the nation…", flush=True)
        start = time.perf_counter()
        cells = closing.close_month(root, month, actor=SYSTEM)
        close_s = time.perf_counter() - start
        with connection.cursor() as cur:  # the statistics a committed month would have by now
            cur.execute("ANALYZE dues_monthclose, dues_monthline, dues_arrear, dues_arrearstally, dues_payment")
        print(f"    {cells:,} cells closed in {close_s:.1f} s; reading the arrears at the root…", flush=True)
        page_ms = median_ms(lambda: queries.arrears_page(root, month.year, today=today), reps)
        page = queries.arrears_page(root, month.year, today=today)
        naive_ms = median_ms(lambda: _naive(lo, hi, month), max(1, reps // 3))
        return {"members": members, "cells": cells, "close_s": round(close_s, 1), "page_ms": page_ms,
                "naive_ms": naive_ms, "in_arrears": page.total.members, "rows": len(page.rows),
                "children": len(page.children)}

    got = _in_rollback(run)
    report.add(Figure("arrears list at the root (tally + first page of 50)", got["page_ms"], "ms",
                      baseline=got["naive_ms"], baseline_name="naive GROUP BY over the payments",
                      budget=BUDGET_ARREARS_MS,
                      extra={k: got[k] for k in ("members", "in_arrears", "rows", "children")}))
    report.add(Figure(f"close a month for the nation ({got['members']:,} members)", got["close_s"], "s",
                      note="extra: the set-based close at 38× the province budget's size",
                      extra={"cells": got["cells"]}))


def _naive(lo: str, hi: str, month: dt.date) -> list:
    """Members without a payment of the month, per province: the page's figures without the tallies."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT substr(m.unit_path, 1, 10), COUNT(*) FROM members_member m LEFT JOIN dues_payment p "
            "ON p.member_id = m.id AND p.month = %s WHERE p.id IS NULL AND m.unit_path >= %s AND m.unit_path < %s "
            "AND m.status IN ('official', 'probationary', 'exempted') GROUP BY 1", [month, lo, hi])
        return cur.fetchall()
