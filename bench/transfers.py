"""The transfers benchmark: ``python -m chibo bench transfers --size nation``.

On a data set loaded by ``bench foundation`` (the national one on PostgreSQL), every write inside
a transaction that is rolled back (the shared data set is left as it was), each figure beside a
baseline measured in the same run:

* **start a transfer** (``transfers.services.decide_transfer``: an official member of a cell sent
  to a cell of another province; the letter's type from both units' ancestry, the deadlines, the
  audit line); beside the bare placement move of the same member (``members.services.
  transfer_member``, what restructuring uses: no workflow);
* **accept it** (``accept_transfer`` after the decision and the letter, which are not timed: the
  placement closed and opened, the tallies moved along both chains, the lateness checked); beside
  the same bare placement move;
* **a whole cell of 100 members** (``transfer_cell`` with the letters handed over and the
  acceptance into one cell: 100 transfers through every step, all or nothing); beside the bulk
  move of the same members that a merge does (``members.services.transfer_all``), and a raw
  ``UPDATE`` of their rows.

The bench applies the members migrations up to ``0008_transfers`` when they are missing (never
backwards). Results: ``bench/results/transfers-<size>.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Figure, Report

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_STEP_MS = 50
BUDGET_CELL_S = 2
CELL_SIZE = 100


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench transfers", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--reps", type=int, default=7, help="repetitions per figure (median)")
    p.add_argument("--cell-reps", type=int, default=3, help="repetitions of the whole-cell figure (median)")
    p.add_argument("--out", type=Path, default=None)
    return p.parse_args(argv)


def _migrate() -> None:
    """The members migrations up to 0008 when missing; never unapply a later one."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder
    from django.db.utils import OperationalError

    applied = {name for app, name in MigrationRecorder(connection).applied_migrations() if app == "members"}
    if "0008_transfers" in applied:
        return
    print("  applying the members migrations up to 0008_transfers…", flush=True)
    for attempt in range(60):  # the shared database is busy: never queue behind a long statement
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '3s'")
            call_command("migrate", "members", "0008_transfers", verbosity=0)
            break
        except OperationalError as exc:
            print(f"    waiting for a lock ({attempt + 1}): {str(exc).splitlines()[0]}", flush=True)
            time.sleep(5)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")


class _Rollback(Exception):
    pass


WRITTEN = ("members_member", "members_placement", "members_unitmembertally", "members_transfer", "core_auditentry")


def _wait_for_writes() -> None:
    """On the shared database, wait until the tables written here take rows (another helper's index
    build on the audit log blocks every insert): a timed write must not time a queue."""
    from django.db import OperationalError, connection, transaction

    if connection.vendor != "postgresql":
        return
    for attempt in range(240):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                cursor.execute(f"LOCK TABLE {', '.join(WRITTEN)} IN ROW EXCLUSIVE MODE")
            return
        except OperationalError:
            if attempt % 6 == 0:
                print("    waiting: another session blocks writes to the tables measured…", flush=True)
            time.sleep(3)


def _rolled_back(prepare: Callable[[], Any], timed: Callable[[Any], Any]) -> float:
    """Seconds of ``timed(prepare())`` inside a transaction that is then rolled back."""
    from django.db import transaction

    box: dict[str, float] = {}
    try:
        with transaction.atomic():
            ready = prepare()
            start = time.perf_counter()
            timed(ready)
            box["s"] = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return box["s"]


def _median_ms(prepare: Callable[[], Any], timed: Callable[[Any], Any], reps: int) -> float:
    return _interleaved({"x": (prepare, timed)}, reps)["x"]


def _interleaved(cases: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]], reps: int) -> dict[str, float]:
    """The median milliseconds of each case, the cases run in turn in every round (after a warm-up
    round), so that a figure and its baseline see the same load on the shared machine."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(reps + 1):
        for name, (prepare, timed) in cases.items():
            seconds = _rolled_back(prepare, timed)
            if round_:
                times[name].append(seconds * 1000)
    return {name: round(statistics.median(values), 2) for name, values in times.items()}


def main(argv: list[str] | None = None) -> Report:
    from django.db import connection

    from chibo.members.models import Member

    args = parse(argv)
    _migrate()
    if not Member.objects.exists():
        raise SystemExit(f"No members: run 'python -m chibo bench foundation --size {args.size}' first.")
    out = args.out or RESULTS / f"transfers-{args.size}.json"
    report = Report("transfers", args.size, connection.vendor)
    print(f"transfers bench, size {args.size}, {connection.vendor} — medians of {args.reps} runs (rolled back)")
    case = _pick()
    report.context.update({k: v for k, v in case.items() if k.endswith("_code") or k == "cell_members"})
    steps(report, case, args.reps)
    report.write(out)
    whole_cell(report, case, args.cell_reps)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def _pick() -> dict[str, Any]:
    """A member of a cell of the first province, a cell of another province, and a cell with at
    least 100 active members (the largest there is when none has that many) and a cell to take them."""
    from chibo.members.enums import Status
    from chibo.members.models import Member, UnitMemberTally
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    provinces = list(Unit.objects.filter(kind=UnitKind.PROVINCE, closed_on__isnull=True).order_by("path")[:2])
    cells = UnitMemberTally.objects.filter(unit__kind__in=UnitKind.member_holding(), unit__closed_on__isnull=True)

    def a_cell(province: Unit, least: int) -> Unit:
        found = cells.filter(unit__path__gte=province.path, unit__path__lt=province.path_upper, total__gte=least)
        return found.select_related("unit").order_by("unit__path").first().unit  # type: ignore[union-attr]

    here, there = a_cell(provinces[0], 5), a_cell(provinces[1], 5)
    member = Member.objects.filter(unit=here, status=Status.OFFICIAL).order_by("pk").first()
    big = (cells.filter(total__gte=CELL_SIZE).select_related("unit").order_by("unit__path").first()
           or cells.select_related("unit").order_by("-total").first())
    assert member is not None and big is not None
    target = a_cell(provinces[1], 1) if not big.unit.path.startswith(provinces[1].path) else a_cell(provinces[0], 1)
    return {"member": member, "there": there, "cell": big.unit, "target": target, "member_code": here.code,
            "there_code": there.code, "cell_code": big.unit.code, "target_code": target.code,
            "cell_members": big.total}


def steps(report: Report, case: dict[str, Any], reps: int) -> None:
    from django.utils import timezone

    from chibo.accounts.policy import SYSTEM
    from chibo.members import services as member_services
    from chibo.members.transfers import services

    today, member, there = timezone.localdate(), case["member"], case["there"]

    def decide(_ready: Any = None):
        return services.decide_transfer(member, actor=SYSTEM, kind="official", reason="job_change", to_unit=there,
                                        decided_on=today, decided_by="Ban Thường vụ", decision_number="1-QĐ")

    def letter_handed_over():
        return services.hand_over_letter(decide(), actor=SYSTEM, on=today, letter_number="1-GGT")

    def bare_move(_ready: Any):
        member_services.transfer_member(member, actor=SYSTEM, to_unit=there, on=today)

    def accept(transfer: Any):
        services.accept_transfer(transfer, actor=SYSTEM, cell=there, on=today)

    _wait_for_writes()
    found = _interleaved({"baseline": (lambda: None, bare_move), "start": (lambda: None, decide),
                          "accept": (letter_handed_over, accept)}, reps)
    report.add(Figure("start a transfer (decide)", found["start"], "ms", baseline=found["baseline"],
                      baseline_name="bare placement move", budget=BUDGET_STEP_MS))
    report.add(Figure("accept a transfer (other province)", found["accept"], "ms", baseline=found["baseline"],
                      baseline_name="bare placement move", budget=BUDGET_STEP_MS))


def whole_cell(report: Report, case: dict[str, Any], reps: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from chibo.accounts.policy import SYSTEM
    from chibo.members import services as member_services
    from chibo.members.transfers import cells

    today, cell, target = timezone.localdate(), case["cell"], case["target"]
    missing = max(0, CELL_SIZE - case["cell_members"])
    joined = {"n": 0}

    def top_up():
        """The largest cell of the data set may hold fewer than 100: members of a sibling cell
        join it first (not timed; rolled back with the rest), with the tallies kept."""
        if not missing:
            return None
        from chibo.members import tallies
        from chibo.members.enums import Status
        from chibo.members.models import Member

        joining = list(Member.objects.filter(unit__parent_id=cell.parent_id, status__in=Status.active())
                       .exclude(unit=cell).select_related("unit").order_by("pk")[:missing])
        for member in joining:
            vector = tallies.member_vector(member)
            tallies.move_between(member.unit_path, cell.path, vector)
        Member.objects.filter(pk__in=[m.pk for m in joining]).update(unit=cell, unit_path=cell.path)
        joined["n"] = len(joining)
        return None

    def move(_ready: Any):
        cells.transfer_cell(cell, actor=SYSTEM, to_unit=target, decided_on=today, decided_by="Ban Thường vụ",
                            decision_number="2-QĐ", letters_on=today, accept_into=target)

    def bulk(_ready: Any):
        member_services.transfer_all(cell, target, actor=SYSTEM, on=today)

    def raw(_ready: Any):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE members_member SET unit_id = %s, unit_path = %s WHERE unit_id = %s "
                           "AND status IN ('official', 'probationary', 'exempted')", [target.pk, target.path, cell.pk])

    _wait_for_writes()
    found = _interleaved({"raw": (top_up, raw), "bulk": (top_up, bulk), "cell": (top_up, move)}, reps)
    raw_ms, bulk_ms, cell_ms = found["raw"], found["bulk"], found["cell"]
    n = case["cell_members"] + joined["n"]
    report.add(Figure(f"whole cell ({n} members, every step)", round(cell_ms / 1000, 3), "s",
                      baseline=round(bulk_ms / 1000, 3), baseline_name="bulk move of a merge (transfer_all)",
                      budget=BUDGET_CELL_S, extra={"raw_update_s": round(raw_ms / 1000, 3), "members": n},
                      note=f"raw UPDATE {raw_ms:.0f} ms"))
