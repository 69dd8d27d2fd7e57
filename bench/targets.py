"""The targets benchmark: ``python -m chibo bench targets --size province|nation``.

On a data set loaded by ``bench foundation`` and given admission cases by ``bench admissions``
(about 200,000 for the nation), it makes sure the daily admission tallies, the member counts of
1 January and a year's targets exist (the root's and each province's, from the allocation
assistant), then measures, each beside a baseline in the same run:

* the national dashboard (``targets.progress.dashboard`` of the root, all its children, the
  category breakdown and the chart data), a province's dashboard, and the national dashboard as
  of a past day (30 June, with the structure of that day) — beside the same numbers computed by
  direct GROUP BY queries over the case and member tables (admissions and categories per child
  by the path prefix, course participants, active members per child);
* the year-end statistical tables of the biggest province (``reports.statistics.year_end_tables``:
  ten tables as at 31 December with that day's structure, the balance of changes included)
  beside the six profile tables alone by one GROUP BY each whose subtree is a ``LIKE 'prefix%'``
  (today's structure, no history).

The results go to ``bench/results/targets-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Report, median_ms

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET = {"national": 200, "province": 100, "as_of": 400, "year_end": 2000}
DIRECT = "direct GROUP BY over cases and members"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench targets", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--reps", type=int, default=7, help="repetitions per figure (median)")
    p.add_argument("--skip", action="append", default=[], choices=("dashboards", "year_end"))
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from chibo.admissions.models import AdmissionCase
    from chibo.org.models import Unit

    args = parse(argv)
    call_command("migrate", verbosity=0)
    if not AdmissionCase.objects.exists():
        raise SystemExit(f"No admission cases: run 'python -m chibo bench admissions --size {args.size}' first.")
    out = args.out or RESULTS / f"targets-{args.size}.json"
    report = Report("targets", args.size, connection.vendor)
    today = timezone.localdate()
    print(f"targets bench, size {args.size}, {connection.vendor} — medians of {args.reps} runs")
    report.context["setup"] = prepare(today)
    root = Unit.objects.get(parent__isnull=True)
    province = biggest_child(root)
    report.context.update(today=today.isoformat(), province=province.name)
    if "dashboards" not in args.skip:
        dashboards(report, args.reps, root, province, today)
        report.write(out)
    if "year_end" not in args.skip:
        year_end(report, max(3, args.reps // 2), province, today.year - 1)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def prepare(today: dt.date) -> dict[str, Any]:
    """Tallies, member counts of 1 January and this year's targets, made when missing."""
    from chibo.accounts.policy import SYSTEM
    from chibo.admissions import tallying
    from chibo.admissions.models import AdmissionTally
    from chibo.org.models import Unit
    from chibo.targets import assistant, services
    from chibo.targets.models import MemberCount, Method, Target

    done: dict[str, Any] = {}
    started = time.perf_counter()
    if not AdmissionTally.objects.exists():
        done["tally_rows"] = tallying.rebuild()
        done["tally_seconds"] = round(time.perf_counter() - started, 1)
    start = dt.date(today.year, 1, 1)
    if not MemberCount.objects.filter(day=start).exists():
        done["member_counts"] = services.snapshot_members(start)
    root = Unit.objects.get(parent__isnull=True)
    if not Target.objects.filter(unit=root, year=today.year).exists():
        proposal = assistant.propose(root, today.year, Method.RATE)
        services.set_targets(actor=SYSTEM, parent=root, year=today.year, indicator="admissions",
                             values={root.pk: proposal.parent, **proposal.children}, method=Method.RATE)
        for province in Unit.objects.filter(parent=root):
            split = assistant.propose(province, today.year, Method.RATE)
            if split.children:
                services.set_targets(actor=SYSTEM, parent=province, year=today.year, indicator="admissions",
                                     values=split.children, method=Method.RATE)
        done["targets"] = Target.objects.filter(year=today.year).count()
    return done


def biggest_child(unit: Any) -> Any:
    from chibo.members.models import UnitMemberTally

    best = UnitMemberTally.objects.filter(unit__parent=unit).order_by("-total").select_related("unit").first()
    return best.unit


def _dashboard(unit: Any, day: dt.date) -> int:
    from chibo.targets import progress

    board = progress.dashboard(unit, day)
    progress.chart_data(board)
    return len(board.children)


def direct(unit: Any, day: dt.date) -> int:
    """The baseline: the dashboard's numbers by GROUP BY over the case and member tables."""
    from django.db import connection

    from chibo.org import paths

    width = len(unit.path) + paths.STEP
    start = dt.date(day.year, 1, 1)
    lo, hi = unit.path, paths.upper_bound(unit.path)
    sql_cases = (
        f"SELECT substr(c.unit_path, 1, {width}) AS child, "
        "SUM(CASE WHEN c.member_id IS NOT NULL AND c.decision_on BETWEEN %s AND %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.member_id IS NOT NULL AND c.decision_on BETWEEN %s AND %s AND c.sex = 'F' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.member_id IS NOT NULL AND c.decision_on BETWEEN %s AND %s AND c.ethnicity <> '01' "
        "THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.member_id IS NOT NULL AND c.decision_on BETWEEN %s AND %s AND c.occupation = 'student' "
        "THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN c.certificate_date BETWEEN %s AND %s THEN 1 ELSE 0 END) "
        "FROM admissions_admissioncase c WHERE c.unit_path >= %s AND c.unit_path < %s GROUP BY child")
    sql_members = (
        f"SELECT substr(m.unit_path, 1, {width}) AS child, COUNT(*) FROM members_member m "
        "WHERE m.unit_path >= %s AND m.unit_path < %s AND m.status IN ('official', 'probationary', 'exempted') "
        "GROUP BY child")
    with connection.cursor() as cursor:
        cursor.execute(sql_cases, [start, day] * 5 + [lo, hi])
        rows = cursor.fetchall()
        cursor.execute(sql_members, [lo, hi])
        rows += cursor.fetchall()
    return len(rows)


def dashboards(report: Report, reps: int, root: Any, province: Any, today: dt.date) -> None:
    past = min(dt.date(today.year, 6, 30), today)
    for name, unit, day, budget in (
        ("national dashboard (root + children + breakdown + chart)", root, today, BUDGET["national"]),
        (f"province dashboard ({province.name})", province, today, BUDGET["province"]),
        (f"national dashboard as of {past.isoformat()}", root, past, BUDGET["as_of"]),
    ):
        children = _dashboard(unit, day)
        value = median_ms(lambda u=unit, d=day: _dashboard(u, d), reps)
        baseline = median_ms(lambda u=unit, d=day: direct(u, d), max(3, reps // 2))
        report.add(Figure(name, value, "ms", baseline=baseline, baseline_name=DIRECT, budget=budget,
                          note=f"{children} children"))


def year_end(report: Report, reps: int, province: Any, year: int) -> None:
    from django.db import connection

    from chibo.reports import statistics

    tables = statistics.year_end_tables(province, year)
    value = median_ms(lambda: statistics.year_end_tables(province, year), reps, warmup=0)

    def like_prefix() -> None:
        """The profile tables by one GROUP BY each, the subtree by LIKE 'prefix%' (today's
        structure only: no history, no balance)."""
        with connection.cursor() as cursor:
            for column in ("education_grade", "qualification", "political_theory", "occupation", "ethnicity",
                           "religion"):
                cursor.execute(f"SELECT {column}, COUNT(*) FROM members_member WHERE unit_path LIKE %s "
                               "AND status IN ('official', 'probationary', 'exempted') GROUP BY 1",
                               [province.path + "%"])
                cursor.fetchall()

    baseline = median_ms(like_prefix, reps, warmup=0)
    report.add(Figure(f"year-end tables, {province.name}, {year}", value, "ms", baseline=baseline,
                      baseline_name="6 profile tables by LIKE-prefix GROUP BY", budget=BUDGET["year_end"],
                      note=f"{len(tables)} tables"))
