"""The admissions benchmark: ``python -m chibo bench admissions --size province|nation``.

On a data set loaded by ``bench foundation --size <size>``, with about 200,000 admission cases
for the national set (``bench/admission_cases.py``: written in bulk on the first run, reused
afterwards, ``--reload-cases`` regenerates them), it measures, each beside a baseline in the
same run:

* the committee inbox of the biggest province (``queries.inbox``, first page) for a committee
  leader of that province, and of that province's biggest commune;
* the national overdue report (``queries.overdue`` first page + ``queries.overdue_by_child``)
  for a committee leader of the central unit;
* the board of the cell with the most open cases (``queries.board``);
  — each beside the very same call with the three indexes of the admissions migration
  (``case_cell_stage``, ``case_awaits_path_due``, ``case_due_path``) dropped inside a
  transaction that is rolled back afterwards;
* recording a stage transition (``services.advance``, committed, a fresh case each repetition):
  course → application and cell resolution → committee resolution beside a single-row UPDATE of
  a case in its own transaction, and sympathizer → course (which adds to the admission tallies
  of the cell and its ancestors) beside the same advance with the tally update switched off.

The query plans of every measured query (``EXPLAIN ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY
PLAN`` on SQLite) are kept with the results, and which of the three indexes each plan uses is
checked. The table is printed and written to ``bench/results/admissions-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import admission_cases, checks
from bench.report import Figure, Report, median_ms

RESULTS = Path(__file__).resolve().parent / "results"
INDEXES = ("case_cell_stage", "case_awaits_path_due", "case_due_path")
BUDGET = {"inbox": 150, "overdue": 300, "board": 50, "advance": 30}
NO_INDEXES = "without the 3 case indexes"
GENERATION = "admission cases (bulk generation)"
GRANTS_FROM = dt.date(2020, 1, 1)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench admissions", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province",
                   help="the data set loaded by 'bench foundation --size …' (names the results file)")
    p.add_argument("--reps", type=int, default=7, help="repetitions per figure (median)")
    p.add_argument("--cases", type=int, default=None,
                   help="admission cases to generate (default: 200,000 per 5.6 million active members)")
    p.add_argument("--reload-cases", action="store_true", help="regenerate the cases even if some are present")
    p.add_argument("--skip", action="append", default=[], choices=("inbox", "overdue", "board", "advance"),
                   help="leave a part out (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="results file (default bench/results/...)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from chibo.demo import dbtools

    args = parse(argv)
    call_command("migrate", verbosity=0)
    if dbtools.is_empty():
        raise SystemExit(f"No data set: load it first with 'python -m chibo bench foundation --size {args.size}'.")
    out = args.out or RESULTS / f"admissions-{args.size}.json"
    report = Report("admissions", args.size, connection.vendor)
    today = timezone.localdate()
    print(f"admissions bench, size {args.size}, {connection.vendor} — medians of {args.reps} runs")
    cases = admission_cases.ensure(args.cases, reload=args.reload_cases, as_of=today)
    report.context["cases"] = asdict(cases)
    report.context["today"] = today.isoformat()
    phases = ", ".join(f"{k} {v:.0f}s" for k, v in cases.phases.items())
    seconds, how = cases.seconds, phases
    if cases.reused:
        seconds, how = _previous_generation(out)
    report.add(Figure(
        GENERATION, seconds, "s",
        note=(f"{cases.cases:,} cases ({cases.linked_members:,} linked to their member), "
              f"{cases.overdue:,} overdue, {cases.awaiting_committee:,} awaiting a committee, "
              f"busiest cell {cases.busiest_cell_cases}; {how}")))
    probe = probe_units()
    users = bench_users(probe)
    report.context["probe"] = {k: {"id": u.pk, "name": u.name, "path": u.path} for k, u in probe.items()}
    steps: list[tuple[str, Callable[[], None]]] = [
        ("inbox", lambda: inbox(report, args.reps, probe, users)),
        ("overdue", lambda: overdue(report, args.reps, probe, users, today)),
        ("board", lambda: board(report, args.reps, probe)),
        ("advance", lambda: advance(report, args.reps, probe, users, today)),
    ]
    for name, step in steps:
        if name in args.skip:
            continue
        started = time.perf_counter()
        step()
        report.context.setdefault("step_seconds", {})[name] = round(time.perf_counter() - started, 1)
        report.write(out)
    report.context["plans_checked"] = sorted(report.plans)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def _previous_generation(path: Path) -> tuple[float | None, str]:
    """The generation time of the run that wrote the cases, from the previous results file."""
    import json

    try:
        data = json.loads(path.read_text())
        for f in data["figures"]:
            if f["name"] == GENERATION and f["value"] is not None:
                return f["value"], f"cases reused; generation time carried over from the run of {data['when']}"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None, "cases reused from an earlier run"


# ---- where and who -----------------------------------------------------------------------------

def probe_units() -> dict:
    """The root, the biggest province and its biggest commune, and the cell with the most open cases."""
    from django.db.models import Count

    from chibo.admissions.models import AdmissionCase
    from chibo.admissions.stages import FINAL
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    province = Unit.objects.filter(parent=root, kind=UnitKind.PROVINCE).order_by("-tally__total", "path").first()
    commune = (Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE).order_by("-tally__total", "path").first()
               or province)
    busiest = (AdmissionCase.objects.exclude(stage__in=FINAL).values("cell_id").annotate(n=Count("id"))
               .order_by("-n", "cell_id").first())
    cell = Unit.objects.get(pk=busiest["cell_id"]) if busiest else province
    return {"root": root, "province": province, "commune": commune, "cell": cell}


def bench_users(probe: dict) -> dict:
    """A committee leader of the central unit, one of the province, and a board officer of the
    province (who records the cell's steps)."""
    from chibo.accounts.models import RoleGrant, User
    from chibo.accounts.roles import Role

    wanted = {"central": ("bench-central-leader", Role.COMMITTEE_LEADER, probe["root"]),
              "leader": ("bench-province-leader", Role.COMMITTEE_LEADER, probe["province"]),
              "staff": ("bench-province-staff", Role.BOARD_STAFF, probe["province"])}
    users = {}
    for key, (username, role, unit) in wanted.items():
        user, _created = User.objects.get_or_create(username=username)
        RoleGrant.objects.filter(user=user).exclude(unit=unit, role=role).delete()
        RoleGrant.objects.get_or_create(user=user, unit=unit, role=role, valid_from=GRANTS_FROM)
        users[key] = user
    return users


def _fresh(user: Any) -> Any:
    """The user as a new request sees them: grants not yet loaded."""
    from chibo.accounts import policy

    policy.forget(user)
    return user


# ---- the baseline and the plans ----------------------------------------------------------------

def indexes_dropped() -> AbstractContextManager[None]:
    """The three indexes of the admissions migration dropped, inside a transaction rolled back on
    exit."""
    return checks.indexes_dropped(INDEXES)


def captured(fn: Callable[[], Any]) -> list[str]:
    """The SQL of the admission-case queries ``fn`` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries
            if "admissions_admissioncase" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]


def plans(report: Report, label: str, fn: Callable[[], Any], tag: str = "") -> list[str]:
    """Record the plan of each case query of ``fn`` (``checks._plan``); the indexes they use.

    ``tag`` goes into an SQL comment: the sqlite3 module caches statements by their text, and a
    cached EXPLAIN is not prepared again after the schema changed (it would show a dropped index).
    """
    used: set[str] = set()
    for number, sql in enumerate(captured(fn)):
        key = f"{label} [{number + 1}]"
        checks._plan(report, key, sql=f"/* {tag} */ {sql}" if tag else sql, params=None)
        used |= {name for name in INDEXES if name in report.plans[key]}
    return sorted(used)


def compare(report: Report, name: str, fn: Callable[[], Any], reps: int, *, budget: float | None,
            expect: tuple[str, ...], note: str = "") -> Figure:
    """``fn`` with the indexes, beside ``fn`` without them; the plans of both, checked."""
    fast = median_ms(fn, reps)
    used = plans(report, name, fn)
    with indexes_dropped():
        slow = median_ms(fn, reps)
        plans(report, f"{name} (baseline: {NO_INDEXES})", fn, tag="baseline")
    ok = bool(set(expect) & set(used))
    report.context.setdefault("index_use", {})[name] = {"used": used, "expected_any_of": list(expect), "ok": ok}
    uses = f"plan uses {', '.join(used)}" if used else "PLAN USES NO CASE INDEX"
    return report.add(Figure(name, fast, "ms", baseline=slow, baseline_name=NO_INDEXES, budget=budget,
                             note="; ".join(x for x in (note, uses) if x)))


# ---- the reads -------------------------------------------------------------------------------------

def inbox(report: Report, reps: int, probe: dict, users: dict) -> None:
    from chibo.admissions import queries

    province, leader = probe["province"], users["leader"]
    found = queries.inbox(_fresh(leader), province)
    compare(report, f"committee inbox, {province.name} (first page)",
            lambda: queries.inbox(_fresh(leader), province), reps, budget=BUDGET["inbox"],
            expect=("case_awaits_path_due", "case_due_path"),
            note=f"{len(found.rows)} rows{', more pages' if found.next_cursor else ''}")
    commune = probe["commune"]  # a small subtree: the planner takes the other index
    found = queries.inbox(_fresh(leader), commune)
    compare(report, f"committee inbox, {commune.name} (a commune)",
            lambda: queries.inbox(_fresh(leader), commune), reps, budget=BUDGET["inbox"],
            expect=("case_awaits_path_due", "case_due_path"),
            note=f"{len(found.rows)} rows{', more pages' if found.next_cursor else ''}")


def overdue(report: Report, reps: int, probe: dict, users: dict, today: dt.date) -> None:
    from chibo.admissions import queries

    root, central = probe["root"], users["central"]
    page = queries.overdue(_fresh(central), root, today)
    children = queries.overdue_by_child(_fresh(central), root, today)
    expect = ("case_due_path", "case_awaits_path_due")
    compare(report, "overdue report at the root (page + counts)",
                   lambda: (queries.overdue(_fresh(central), root, today),
                            queries.overdue_by_child(_fresh(central), root, today)),
                   reps, budget=BUDGET["overdue"], expect=expect,
                   note=f"{sum(n for _u, n in children):,} overdue under {len(children)} child units")
    report.context["overdue_first_page"] = len(page.rows)
    compare(report, "  of which: first page (50, longest overdue)",
            lambda: queries.overdue(_fresh(central), root, today), reps, budget=None, expect=expect)
    compare(report, "  of which: counts by child unit",
            lambda: queries.overdue_by_child(_fresh(central), root, today), reps, budget=None, expect=expect)


def board(report: Report, reps: int, probe: dict) -> None:
    from chibo.admissions import queries

    cell = probe["cell"]
    open_cases = sum(len(c.cases) for c in queries.board(cell))
    compare(report, "cell board (busiest cell)", lambda: queries.board(cell), reps, budget=BUDGET["board"],
            expect=("case_cell_stage",), note=f"{open_cases} open cases in {cell.name}")


# ---- the writes ------------------------------------------------------------------------------------

TRANSITIONS = (
    # (label, from, to, who records it, facts, extra filter)
    ("advance course → application", "course", "application", "staff", {}, {}),
    ("advance cell_voted → committee_resolved", "cell_voted", "committee_resolved", "leader",
     {"number": "12-NQ/ĐU", "committee_members": 7, "yes": 7}, {"cell__kind": "cell"}),
    ("advance sympathizer → course (+ tallies)", "sympathizer", "course", "staff",
     {"certificate_no": "BENCH/GCN", "certificate_issuer": "Trung tâm Chính trị"}, {}),
)


def advance(report: Report, reps: int, probe: dict, users: dict, today: dt.date) -> None:
    """Each repetition records a real step on a fresh case of the province and commits it, so the
    time includes the lock, the rules, the step row, the tallies, the audit line, the commit and
    the notifications queued on commit."""
    for label, frm, to, who, facts, extra in TRANSITIONS:
        transition(report, reps, label, frm, to, users[who], facts, extra, probe["province"], today)


def transition(report: Report, reps: int, label: str, frm: str, to: str, actor: Any, facts: dict, extra: dict,
               province: Any, today: dt.date) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chibo.admissions import queries, services, tallying
    from chibo.admissions.models import AdmissionCase

    need = 2 * (reps + 1) + 1
    cases = list(queries.in_subtree(AdmissionCase.objects.all(), province)
                 .filter(stage=frm, stage_on__lte=today, **extra).order_by("id")[:need])
    if len(cases) < need:
        report.add(Figure(label, None, "ms", note=f"only {len(cases)} cases at {frm} in the province"))
        return
    mine, theirs = iter(cases[1:reps + 2]), iter(cases[reps + 2:])

    def move(case: AdmissionCase) -> None:
        services.advance(case, actor=_fresh(actor), to=to, on=today, facts=facts, expected=frm)

    with CaptureQueriesContext(connection) as ctx:
        move(cases[0])
    fast = median_ms(lambda: move(next(mine)), reps)
    if to == "course":  # the same step with the tally update off, then the deltas it skipped
        moved: list[AdmissionCase] = []

        def untallied() -> None:
            case = next(theirs)
            move(case)
            moved.append(case)

        original = services._tally
        services._tally = lambda *_args: None
        try:
            slow = median_ms(untallied, reps)
        finally:
            services._tally = original
        for case in moved:
            tallying.apply(case.unit_path, today, {"course": 1})
        baseline = "same advance, no tally update"
    else:
        slow = median_ms(lambda: _touch(next(theirs).pk), reps)
        baseline = "1-row UPDATE + commit"
    report.add(Figure(label, fast, "ms", baseline=slow, baseline_name=baseline, budget=BUDGET["advance"],
                      note=f"{len(ctx.captured_queries)} queries, committed; fresh case each run"))


def _touch(pk: int) -> None:
    """The least a transition writes: one UPDATE of the case row, in its own transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE admissions_admissioncase SET updated_at = %s WHERE id = %s", [timezone.now(), pk])
