"""The quality-review benchmark: ``python -m chibo bench quality --size province|nation``.

On a data set loaded by ``bench foundation``, each figure beside a baseline in the same run:

* **opening a year's review at the root** (``quality.periods.open_period``: a row per
  organization and per member, the tallies), inside a transaction that is rolled back; beside a
  raw ``INSERT … SELECT`` of the same rows (constant values, no rules, no tallies), rolled back too;
* **the results at the root** (``quality.results.results``: the root's figures for the year
  and last year, and its children's, from the tallies); beside one direct ``GROUP BY`` over the
  review rows of the year (organizations and members by level);
* **a committee's decision page for 3,000 organizations** with the quota's head-room (the
  console page, through the test client, as the administrator); beside the plain query of the
  same 3,000 rows with their units' names;
* **the review's progress at the root** (the console page: rows waiting at each step and decided,
  per province, who is late, from the tallies); beside one ``GROUP BY`` of the year's rows by
  province and step (what the page did before the tallies counted the steps).

For the last two, the year's review is opened once and kept (the bench year, 2099 by default,
is not a real one), and its rows are given levels directly by SQL and the tallies rebuilt: the
figures measure reading results, not deciding them. ``--drop`` removes the bench year's review.
The results go to ``bench/results/quality-<size>.json``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Report, median_ms

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_OPEN_S = 300
BUDGET_MS = 300
PAGE_ROWS = 3000


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench quality", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--reps", type=int, default=7, help="repetitions per read figure (median)")
    p.add_argument("--year", type=int, default=2099, help="the bench's review year (kept between runs)")
    p.add_argument("--skip", action="append", default=[], choices=("open", "results", "page", "progress"))
    p.add_argument("--drop", action="store_true", help="remove the bench year's review and stop")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.core.management import call_command
    from django.db import connection

    from chibo.members.models import Member
    from chibo.org.models import Unit

    args = parse(argv)
    call_command("migrate", verbosity=0)
    if not Member.objects.exists():
        raise SystemExit(f"No members: run 'python -m chibo bench foundation --size {args.size}' first.")
    if args.drop:
        drop(args.year)
        raise SystemExit(0)
    out = args.out or RESULTS / f"quality-{args.size}.json"
    report = Report("quality", args.size, connection.vendor)
    root = Unit.objects.get(parent__isnull=True)
    print(f"quality bench, size {args.size}, {connection.vendor} — medians of {args.reps} runs")
    if "open" not in args.skip:
        opening(report, root, args.year + 1)
        report.write(out)
    kept = prepare(root, args.year)
    report.context["kept_review"] = kept
    if "results" not in args.skip:
        results(report, root, args.year, args.reps)
        report.write(out)
    if "page" not in args.skip:
        decision_page(report, root, args.year, args.reps)
        report.write(out)
    if "progress" not in args.skip:
        progress_page(report, root, args.year, args.reps)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


class _Rollback(Exception):
    pass


def _timeline(year: int) -> dict[str, Any]:
    import datetime as dt

    return {"self_until": dt.date(year, 12, 10), "cell_until": dt.date(year, 12, 15),
            "verify_until": dt.date(year, 12, 20), "decide_until": dt.date(year, 12, 28)}


def _rolled_back(fn) -> tuple[float, Any]:
    from django.db import transaction

    box: dict[str, Any] = {}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            box["value"] = fn()
            box["seconds"] = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return round(box["seconds"], 2), box.get("value")


def opening(report: Report, root, year: int) -> None:
    from chibo.accounts.policy import SYSTEM
    from chibo.quality import periods

    print(f"  opening a review of {year} at the root (rolled back)…", flush=True)
    raw_s, raw_rows = _rolled_back(lambda: _raw_insert(root, year))
    open_s, period = _rolled_back(lambda: periods.open_period(actor=SYSTEM, issuer=root, year=year,
                                                               **_timeline(year)))
    report.figures.append(Figure(
        "open a year's review at the root", open_s, "s", baseline=raw_s,
        baseline_name="raw INSERT … SELECT of the same rows", budget=BUDGET_OPEN_S,
        extra={"units": period.units, "members": period.members, "raw_rows": raw_rows}))
    print(f"    {open_s} s for {period.units:,} organizations and {period.members:,} members "
          f"(raw insert {raw_s} s, {raw_rows:,} rows)", flush=True)


def _raw_insert(root, year: int) -> int:
    """The same rows with constant values: what writing them costs without any rule."""
    from django.db import connection

    from chibo.org import paths
    from chibo.quality.models import Period

    period = Period.objects.create(issuer=root, unit_path=root.path, year=year, quarter=0, ends_on=f"{year}-12-31",
                                   **_timeline(year))
    lo, hi = root.path, paths.upper_bound(root.path)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO quality_unitreview (period_id, year, quarter, unit_path, decider_id, peer_group, step, "
            "self_text, self_scores, verify_note, capped_by, level, unit_id, kind, depth) "
            "SELECT %s, %s, 0, u.path, u.parent_id, 'x', 'open', '', '{}', '', '', '', u.id, u.kind, u.depth "
            "FROM org_unit u WHERE u.path > %s AND u.path < %s AND u.closed_on IS NULL", [period.pk, year, lo, hi])
        units = cursor.rowcount
        cursor.execute(
            "INSERT INTO quality_memberreview (period_id, year, quarter, unit_path, decider_id, peer_group, step, "
            "self_text, self_scores, verify_note, capped_by, level, member_id, unit_id, form, excluded, is_first, "
            "self_level, cell_note) "
            "SELECT %s, %s, 0, m.unit_path, m.unit_id, 'x', 'open', '', '{}', '', '', '', m.id, m.unit_id, '2C', '', "
            "false, '', '' FROM members_member m WHERE m.status IN ('official', 'probationary')", [period.pk, year])
        return units + cursor.rowcount


def prepare(root, year: int) -> dict[str, Any]:
    """The bench year's review, opened once and given levels by SQL, its tallies rebuilt."""
    from django.db import connection, transaction

    from chibo.accounts.policy import SYSTEM
    from chibo.quality import periods, tallies
    from chibo.quality.models import Period

    period = Period.objects.filter(issuer=root, year=year, quarter=0).first()
    if period is not None:
        return {"year": year, "units": period.units, "members": period.members, "made_now": False}
    print(f"  opening and deciding the bench review of {year} (kept)…", flush=True)
    start = time.perf_counter()
    with transaction.atomic():
        period = periods.open_period(actor=SYSTEM, issuer=root, year=year, **_timeline(year))
        levels = ("CASE WHEN id %% 10 = 0 THEN 'excellent' WHEN id %% 10 < 7 THEN 'good' "
                  "WHEN id %% 10 < 9 THEN 'completion' ELSE 'non_completion' END")
        with connection.cursor() as cursor:
            for table in ("quality_unitreview", "quality_memberreview"):
                cursor.execute(f"UPDATE {table} SET step = 'decided', level = {levels}, final_score = 80 "  # noqa: S608
                               "WHERE year = %s AND quarter = 0 AND step = 'open'", [year])
        tallies.rebuild()
    return {"year": year, "units": period.units, "members": period.members, "made_now": True,
            "seconds": round(time.perf_counter() - start, 1)}


def drop(year: int) -> None:
    from django.db import transaction

    from chibo.quality import tallies
    from chibo.quality.models import MemberReview, Period, QualityTally, UnitReview

    with transaction.atomic():
        MemberReview.objects.filter(year=year).delete()
        UnitReview.objects.filter(year=year).delete()
        QualityTally.objects.filter(year=year).delete()
        Period.objects.filter(year=year).delete()
    print(f"removed the review of {year}; tallies check: {len(tallies.verify())} wrong")


def _direct_results(year: int) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT level, COUNT(*) FROM quality_unitreview WHERE year = %s AND quarter = 0 "
                       "GROUP BY level", [year])
        units = cursor.fetchall()
        cursor.execute("SELECT level, COUNT(*) FROM quality_memberreview WHERE year = %s AND quarter = 0 "
                       "GROUP BY level", [year])
        return units + cursor.fetchall()


def results(report: Report, root, year: int, reps: int) -> None:
    from chibo.quality import results as quality_results

    print("  the results at the root…", flush=True)
    value = median_ms(lambda: quality_results.results(root, year), reps)
    baseline = median_ms(lambda: _direct_results(year), max(3, reps // 2))
    report.figures.append(Figure("classification results at the root", value, "ms", baseline=baseline,
                                 baseline_name="direct GROUP BY over the year's review rows", budget=BUDGET_MS))


def decision_page(report: Report, root, year: int, reps: int) -> None:
    """A province decides 3,000 organizations (set so inside a rolled-back transaction)."""
    from django.db import transaction
    from django.test import Client, override_settings
    from django.urls import reverse

    from bench.checks import bench_admin
    from chibo.quality.enums import Step
    from chibo.quality.models import UnitReview

    province = max(root.children.filter(closed_on__isnull=True).select_related("tally"), key=lambda u: u.tally.total)
    ids = list(UnitReview.objects.filter(unit_path__gt=province.path, unit_path__lt=province.path_upper, year=year)
               .order_by("id").values_list("id", flat=True)[:PAGE_ROWS])
    client = Client()
    client.force_login(bench_admin(), backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("console:review_decide", args=[province.pk, year])
    print(f"  the decision page of {province.name} for {len(ids):,} organizations…", flush=True)

    def plain() -> list:
        return list(UnitReview.objects.filter(decider=province, year=year).select_related("unit")
                    .values_list("id", "unit__name", "step", "verified_score"))

    try:
        with transaction.atomic(), override_settings(REQUIRE_STAFF_2FA=False, DEBUG=False):
            UnitReview.objects.filter(id__in=ids).update(decider=province, step=Step.VERIFIED, level="",
                                                         verified_score=80, peer_group=f"bench@{province.pk}")
            status = client.get(url).status_code
            if status != 200:
                raise SystemExit(f"The decision page answered {status}.")
            value = median_ms(lambda: client.get(url), reps)
            baseline = median_ms(plain, reps)
            raise _Rollback
    except _Rollback:
        pass
    report.figures.append(Figure("decision page, 3,000 organizations with the head-room", value, "ms",
                                 baseline=baseline, baseline_name="the same rows by one plain query",
                                 budget=BUDGET_MS, extra={"status": status, "rows": len(ids)},
                                 note="the page shows them 200 at a time; the head-room covers all"))


def _grouped_by_child(root, year: int) -> list:
    from django.db.models import Count
    from django.db.models.functions import Substr

    from chibo.org import paths
    from chibo.quality.models import MemberReview, UnitReview

    width = len(root.path) + paths.STEP
    return [list(model.objects.filter(year=year, quarter=0).annotate(prefix=Substr("unit_path", 1, width))
                 .values("prefix", "step").annotate(n=Count("id")).order_by())
            for model in (UnitReview, MemberReview)]


def progress_page(report: Report, root, year: int, reps: int) -> None:
    from django.test import Client, override_settings
    from django.urls import reverse

    from bench.checks import bench_admin

    client = Client()
    client.force_login(bench_admin(), backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("console:review_progress", args=[root.pk, year])
    print("  the review's progress at the root…", flush=True)
    with override_settings(REQUIRE_STAFF_2FA=False, DEBUG=False):
        status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"The progress page answered {status}.")
        value = median_ms(lambda: client.get(url), reps)
    baseline = median_ms(lambda: _grouped_by_child(root, year), max(3, reps // 2))
    report.figures.append(Figure("review progress page at the root", value, "ms", baseline=baseline,
                                 baseline_name="GROUP BY of the year's rows by province and step",
                                 budget=BUDGET_MS))
