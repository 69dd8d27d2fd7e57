"""The exports benchmark (issue 4): ``python -m chibo bench exports --size province|nation``.

On a data set loaded by ``bench foundation --size <size>`` (read only: nothing is written to the
database), it measures the background export job's own code path (``chibo.reports.tasks.
write_file``: permission check and row count, the member list as a ``Table`` from
``chibo.members.export``, then ``chibo.reports.exports``), each run in a fresh child process so
that its peak RSS is its own, beside a baseline in the same run:

* XLSX of the member list of the province closest to 150,000 members (all statuses), beside
  openpyxl's write-only mode fed the same rows by a plain ``values_list`` (no masking, no typed
  or formatted cells) — time (budget ≤ 60 s) and peak RSS (budget < 500 MB);
* CSV of the national member list (the root unit), beside a raw ``COPY (SELECT …) TO STDOUT`` of
  the same rows on PostgreSQL, or ``csv.writer`` over a plain ``values_list`` on SQLite — rows
  per second (budget ≥ 100,000 rows/s) and peak RSS;
* CSV of the province's list with the sensitive fields masked (rows go through Python and the
  csv module instead of the server), beside the same list unmasked.

The actor is ``bench-central-leader`` (a committee leader of the root unit, created by ``bench
admissions``) when present, else the system actor. The table is printed and written to
``bench/results/exports-<size>.json``; the files are written under ``$CHIBO_MEDIA_DIR/exports``
and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Figure, Report, rss_mb

RESULTS = Path(__file__).resolve().parent / "results"
PROVINCE_ROWS = 150_000
BUDGET = {"xlsx_s": 60, "xlsx_mb": 500, "csv_rows_s": 100_000}
ACTOR = "bench-central-leader"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench exports", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province",
                   help="the data set loaded by 'bench foundation --size …' (names the results file)")
    p.add_argument("--reps", type=int, default=1, help="runs per figure (median; each export is long)")
    p.add_argument("--unit", default=None, help="code of the unit for the XLSX figure (default: the province "
                                                "with the member count closest to 150,000)")
    p.add_argument("--skip", action="append", default=[], choices=("xlsx", "csv", "masked"),
                   help="leave a part out (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="results file (default bench/results/...)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.db import connection

    from chibo.demo import dbtools

    args = parse(argv)
    if dbtools.is_empty():
        raise SystemExit(f"No data set: load it first with 'python -m chibo bench foundation --size {args.size}'.")
    out = args.out or RESULTS / f"exports-{args.size}.json"
    report = Report("exports", args.size, connection.vendor)
    root, province = probe_units(args.unit)
    actor = bench_actor()
    report.context.update(
        actor=getattr(actor, "username", "system"), parent_rss_mb=rss_mb(),
        province={"code": province.code, "name": province.name, "path": province.path},
        root={"code": root.code, "name": root.name})
    print(f"exports bench, size {args.size}, {connection.vendor}, as {report.context['actor']} — "
          f"{args.reps} run(s) per figure, each in a child process")
    steps: list[tuple[str, Callable[[], None]]] = [
        ("xlsx", lambda: xlsx(report, args.reps, actor, province)),
        ("csv", lambda: national_csv(report, args.reps, actor, root)),
        ("masked", lambda: masked_csv(report, args.reps, actor, province)),
    ]
    for name, step in steps:
        if name in args.skip:
            continue
        started = time.perf_counter()
        step()
        report.context.setdefault("step_seconds", {})[name] = round(time.perf_counter() - started, 1)
        report.write(out)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


# ---- where and who -----------------------------------------------------------------------------

def probe_units(code: str | None):
    from django.db.models import F
    from django.db.models.functions import Abs

    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if code:
        return root, Unit.objects.get(code=code)
    province = (Unit.objects.filter(kind=UnitKind.PROVINCE, tally__isnull=False)
                .annotate(distance=Abs(F("tally__total") - PROVINCE_ROWS)).order_by("distance", "path").first())
    return root, province or root


def bench_actor() -> Any:
    from chibo.accounts.models import User
    from chibo.accounts.policy import SYSTEM

    return User.objects.filter(username=ACTOR, is_active=True).first() or SYSTEM


# ---- one measured run in a child process -------------------------------------------------------

def in_child(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``fn`` in a forked child (its own database connection, its own peak RSS); its result
    with ``seconds`` and ``peak_rss_mb`` (the child's VmHWM) added."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        code = 0
        try:
            start = time.perf_counter()
            result = fn()
            result["seconds"] = round(time.perf_counter() - start, 2)
            result["peak_rss_mb"] = rss_mb("self", "VmHWM")
        except BaseException as exc:  # noqa: BLE001 — reported to the parent
            result, code = {"error": f"{type(exc).__name__}: {exc}"}, 1
        with os.fdopen(write, "w") as pipe:
            pipe.write(json.dumps(result, default=str))
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    result = json.loads(data or '{"error": "no result"}')
    if "error" in result:
        raise RuntimeError(f"bench child failed: {result['error']}")
    return result


def median_run(fn: Callable[[], dict[str, Any]], reps: int) -> dict[str, Any]:
    runs = sorted((in_child(fn) for _ in range(max(reps, 1))), key=lambda r: r["seconds"])
    best = dict(runs[len(runs) // 2])
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    best["runs"] = [r["seconds"] for r in runs]
    return best


def job_run(actor: Any, unit: Any, fmt: str, *, masked: bool = False) -> Callable[[], dict[str, Any]]:
    """The export job's path for ``unit``'s member list as ``fmt``, without its row in the
    database (an unsaved job: nothing is written but the file)."""

    def run() -> dict[str, Any]:
        from chibo.reports.models import ExportJob
        from chibo.reports.tasks import write_file

        if masked:
            hide_sensitive_fields()
        job = ExportJob(kind="members", params={"unit": unit.pk}, format=fmt)
        if getattr(actor, "pk", None):
            job.user = actor
        else:  # the system actor is no saved user: put it where the job's ``user`` is read from
            job._state.fields_cache["user"] = actor
        calls = []
        rows = write_file(job, calls.append)
        path = Path(job.file.path)
        size = path.stat().st_size
        path.unlink()
        return {"rows": rows, "file_mb": round(size / 2**20, 1), "progress_calls": len(calls),
                "cpu_s": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime, 1)}

    return run


def hide_sensitive_fields() -> None:
    """In this (child) process only: committee leaders no longer see sensitive fields, so their
    exports are masked row by row in Python."""
    from chibo.accounts.roles import ROLE_PERMISSIONS, Perm, Role

    ROLE_PERMISSIONS[Role.COMMITTEE_LEADER] = ROLE_PERMISSIONS[Role.COMMITTEE_LEADER] - {
        Perm.MEMBERS_VIEW_SENSITIVE}


def plain_query(unit: Any):
    """The same rows as the export, as a plain ``values_list``: no scope, no masking, no casts."""
    from chibo.members.models import Member
    from chibo.members.services import PROFILE_FIELDS

    return (Member.objects.filter(unit_path__gte=unit.path, unit_path__lt=unit.path_upper)
            .order_by("unit_path", "name_folded", "pk").values_list(*PROFILE_FIELDS, "unit__code"))


def scratch(name: str) -> Path:
    from django.conf import settings

    path = Path(settings.MEDIA_ROOT) / "exports" / "bench" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def openpyxl_baseline(unit: Any) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        from openpyxl import Workbook

        path = scratch("baseline.xlsx")
        book = Workbook(write_only=True)
        sheet = book.create_sheet("members")
        rows = 0
        from chibo.reports.tasks import _reading

        with _reading():  # as the job reads: one transaction on PostgreSQL, none on SQLite
            for row in plain_query(unit).iterator(chunk_size=2000):
                sheet.append(row)
                rows += 1
        book.save(path)
        size = path.stat().st_size
        path.unlink()
        return {"rows": rows, "file_mb": round(size / 2**20, 1)}

    return run


def csv_baseline(unit: Any) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        import csv

        from django.db import connection, transaction

        path = scratch("baseline.csv")
        query = plain_query(unit)
        if connection.vendor == "postgresql":
            sql, params = query.query.get_compiler(using=query.db).as_sql()
            with transaction.atomic(), connection.cursor() as cursor, path.open("wb") as out:
                with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
                    for block in copy:
                        out.write(block)
                rows = cursor.cursor.rowcount
            how = "raw COPY (SELECT …) TO STDOUT"
        else:
            with path.open("w", newline="", buffering=1 << 20) as out:
                writer = csv.writer(out)
                rows = 0
                for row in query.iterator(chunk_size=2000):
                    writer.writerow(row)
                    rows += 1
            how = "csv.writer of a plain values_list"
        size = path.stat().st_size
        path.unlink()
        return {"rows": rows, "file_mb": round(size / 2**20, 1), "how": how}

    return run


# ---- the figures -------------------------------------------------------------------------------

def xlsx(report: Report, reps: int, actor: Any, unit: Any) -> None:
    print(f"  XLSX of {unit.name} ({unit.code})…", flush=True)
    mine = median_run(job_run(actor, unit, "xlsx"), reps)
    base = median_run(openpyxl_baseline(unit), reps)
    report.context["xlsx"] = {"export": mine, "baseline": base}
    report.add(Figure(
        f"XLSX, member list of {unit.code} ({mine['rows']:,} rows)", mine["seconds"], "s",
        baseline=base["seconds"], baseline_name="openpyxl write-only, plain rows", budget=BUDGET["xlsx_s"],
        note=(f"{mine['rows'] / mine['seconds']:,.0f} rows/s, file {mine['file_mb']} MB "
              f"(baseline {base['file_mb']} MB); runs {mine['runs']}")))
    report.add(Figure(
        "XLSX export, peak RSS of the process", mine["peak_rss_mb"], "MB", baseline=base["peak_rss_mb"],
        baseline_name="openpyxl write-only, plain rows", budget=BUDGET["xlsx_mb"],
        note=f"parent process before forking: {report.context['parent_rss_mb']} MB"))


def national_csv(report: Report, reps: int, actor: Any, root: Any) -> None:
    print(f"  CSV of the national list ({root.name})…", flush=True)
    mine = median_run(job_run(actor, root, "csv"), reps)
    base = median_run(csv_baseline(root), reps)
    report.context["csv"] = {"export": mine, "baseline": base}
    report.add(Figure(
        f"CSV, national member list ({mine['rows']:,} rows)", round(mine["rows"] / mine["seconds"]), "rows/s",
        baseline=round(base["rows"] / base["seconds"]), baseline_name=base["how"], budget=BUDGET["csv_rows_s"],
        budget_kind="min",
        note=(f"{mine['seconds']} s (baseline {base['seconds']} s), file {mine['file_mb']} MB; "
              f"runs {mine['runs']}")))
    report.add(Figure("CSV export, peak RSS of the process", mine["peak_rss_mb"], "MB",
                      baseline=base["peak_rss_mb"], baseline_name=base["how"]))


def masked_csv(report: Report, reps: int, actor: Any, unit: Any) -> None:
    if not getattr(actor, "pk", None):
        report.add(Figure("CSV, masked province list", None, "rows/s",
                          note=f"needs the user {ACTOR} (run 'bench admissions' once)"))
        return
    print(f"  CSV of {unit.name}, masked…", flush=True)
    mine = median_run(job_run(actor, unit, "csv", masked=True), reps)
    base = median_run(job_run(actor, unit, "csv"), reps)
    report.context["masked_csv"] = {"export": mine, "baseline": base}
    report.add(Figure(
        f"CSV, member list of {unit.code}, masked (Python)", round(mine["rows"] / mine["seconds"]), "rows/s",
        baseline=round(base["rows"] / base["seconds"]), baseline_name="the same list unmasked",
        note=f"{mine['seconds']} s (unmasked {base['seconds']} s); runs {mine['runs']}"))
