"""The measurements of the foundation benchmark, each beside its baseline (see foundation.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

from bench.report import Figure, Report, median_ms

BASELINE_REPS = 3  # the baselines are slow on purpose: fewer repetitions
ADMIN = "bench-admin"
BUDGET = {"count": 20, "first_page": 100, "search": 200, "unit_page": 250, "worker_mb": 300,
          "import_mb": 1024}


# ---- the data set ------------------------------------------------------------------------------

def load(report: Report, args, previous: Figure | None) -> None:
    from chibo.demo import dbtools
    from chibo.demo.loader import generate

    if not (args.reload or dbtools.is_empty()):
        if previous is not None:
            previous.note = (previous.note + "; " if previous.note else "") + "carried over from an earlier run"
            report.add(previous)
        else:
            report.add(Figure("load (generate + write)", None, "s",
                              note="data set already loaded: use --reload to measure the load"))
        return
    print(f"  loading the {args.size} data set…", flush=True)
    result = generate(args.size, members=args.members, replace=args.reload)
    alone = generator_alone(args.size, args.members, result.members, as_of=result.as_of)
    report.context["load"] = asdict(result)
    phases = ", ".join(f"{k} {v:.0f}s" for k, v in result.phases.items())
    report.add(Figure(
        "load (generate + write)", round(result.seconds, 1), "s", baseline=alone,
        baseline_name="generator alone", budget=600 if args.size == "nation" else None,
        note=(f"{result.members:,} member rows, {result.placements:,} placements, {result.units:,} units; "
              f"{phases}; peak RSS {result.peak_rss_mb:.0f} MB"
              + (f", generators {result.generator_peak_rss_mb:.0f} MB" if result.generator_peak_rss_mb else "")),
    ))


def generator_alone(size: str, members: int | None, rows: int, *, as_of: dt.date, sample: int = 200_000) -> float:
    """Seconds one process needs to generate the whole data set without writing it (timed on a sample).

    The loader runs two generating processes beside the writing one; this is the single-process
    cost of the rows alone."""
    from chibo.demo.people import People
    from chibo.demo.presets import PRESETS, plan_for
    from chibo.demo.streams import apportion, member_rows
    from chibo.demo.tree import TreeBuilder

    start = time.perf_counter()
    plan, active = plan_for(PRESETS[size], members=members, as_of=as_of)
    builder = TreeBuilder(plan, 1)
    for _unit in builder.units(collect=True):
        pass
    tree_seconds = (time.perf_counter() - start) * 3  # the loader walks the tree three times
    counts = apportion([c.capacity for c in builder.cells], active)
    people = People(seed=1, as_of=as_of, villages=builder.villages, province_places=builder.province_places)
    start, done = time.perf_counter(), 0
    for members, _placements in member_rows(people, builder.cells, counts):
        done += len(members)
        if done >= sample:
            break
    per_row = (time.perf_counter() - start) / max(done, 1)
    return round(tree_seconds + per_row * rows, 1)


# ---- probes --------------------------------------------------------------------------------------

def bench_admin():
    """An administrator on the root unit (the bench's viewer)."""
    from chibo.accounts.models import RoleGrant, User
    from chibo.accounts.roles import Role
    from chibo.org.models import Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    user, _created = User.objects.get_or_create(username=ADMIN)
    RoleGrant.objects.get_or_create(user=user, unit=root, role=Role.ADMIN, valid_from=dt.date(2020, 1, 1))
    return user


def probe_units() -> dict:
    """The root, its biggest province, that province's biggest commune and its biggest cell."""
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    province = Unit.objects.filter(parent=root, kind=UnitKind.PROVINCE).order_by("-tally__total", "path").first()
    commune = Unit.objects.filter(parent=province, kind=UnitKind.COMMUNE).order_by("-tally__total", "path").first()
    cell = (Unit.objects.subtree(commune).filter(kind__in=UnitKind.member_holding())
            .order_by("-tally__total", "path").first())
    return {"root": root, "province": province, "commune": commune, "cell": cell}


@contextmanager
def indexes_dropped(names: Iterable[str]) -> Iterator[None]:
    """The indexes ``names`` dropped inside a transaction rolled back on exit (PostgreSQL and SQLite
    both have transactional DDL): the baseline "the same query without the index"."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cur:
            for name in names:
                cur.execute(f'DROP INDEX "{name}"')
        try:
            yield
        finally:
            transaction.set_rollback(True)


def _plan(report: Report, key: str, qs=None, sql: str = "", params=(), analyze: bool = True) -> None:
    from django.db import connection

    try:
        if qs is not None:
            text = qs.explain(analyze=analyze) if connection.vendor == "postgresql" else qs.explain()
        else:
            prefix = ("EXPLAIN ANALYZE " if analyze else "EXPLAIN ") if connection.vendor == "postgresql" \
                else "EXPLAIN QUERY PLAN "
            with connection.cursor() as cur:
                cur.execute(prefix + sql, params)
                text = "\n".join(" ".join(str(c) for c in row) for row in cur.fetchall())
    except Exception as exc:  # a plan is a diagnostic: never fail the bench for it
        text = f"(no plan: {exc})"
    report.plans[key] = text


# ---- counts ----------------------------------------------------------------------------------

JOIN_COUNT = (
    "SELECT COUNT(*) FROM members_member m JOIN org_unit u ON u.id = m.unit_id "
    "WHERE u.path >= %s AND u.path < %s AND m.status IN (%s, %s, %s)"
)


def _join_count(unit) -> int:
    from django.db import connection

    from chibo.members.enums import Status

    with connection.cursor() as cur:
        cur.execute(JOIN_COUNT, [unit.path, unit.path_upper, *Status.active()])
        return int(cur.fetchone()[0])


def counts(report: Report, reps: int) -> None:
    from chibo.members.models import UnitMemberTally

    for label, unit in probe_units().items():
        def tally(unit=unit):
            return UnitMemberTally.objects.filter(unit_id=unit.pk).values_list("total", flat=True).first()

        fast = median_ms(tally, reps * 3)
        slow = median_ms(lambda unit=unit: _join_count(unit), BASELINE_REPS)
        agree = tally() == _join_count(unit)
        report.add(Figure(f"member count, {label} (tally)", fast, "ms", baseline=slow,
                          baseline_name="COUNT(*) join", budget=BUDGET["count"],
                          note=f"{tally():,} members{'' if agree else ' — TALLY DISAGREES'}"))
        if label == "root":
            _plan(report, "count root: tally", UnitMemberTally.objects.filter(unit_id=unit.pk).values_list("total"))
            _plan(report, "count root: COUNT(*) join (baseline)", sql=JOIN_COUNT,
                  params=[unit.path, unit.path_upper, "probationary", "official", "exempted"], analyze=False)


# ---- the member list (its search: bench/search.py) -----------------------------------------------

def member_list(report: Report, reps: int) -> None:
    from chibo.members import queries

    qs = queries.members_for_user(bench_admin())
    fast = median_ms(lambda: queries.page(qs), reps)
    slow = median_ms(lambda: list(qs.select_related("unit").order_by("full_name", "pk")[:51]), BASELINE_REPS)
    report.add(Figure("first page at root (50 by name, keyset)", fast, "ms", baseline=slow,
                      baseline_name="ORDER BY full_name", budget=BUDGET["first_page"]))
    _plan(report, "first page at root", qs.select_related("unit").order_by("name_folded", "pk")[:51])
    _plan(report, "unit page list at root", queries.in_unit(bench_admin(), probe_units()["root"])
          .select_related("unit").order_by("name_folded", "pk")[:51])
    depth = min(100_000, max(probe_units()["root"].tally.total // 2, 1))
    row = qs.order_by("name_folded", "pk").values_list("name_folded", "pk")[depth - 1]
    token = queries._encode((0, row[0], row[1]))  # the cursor a client would hold after `depth` rows
    fast = median_ms(lambda: queries.page(qs, after=token), reps)
    slow = median_ms(lambda: list(qs.select_related("unit").order_by("name_folded", "pk")[depth:depth + 51]),
                     BASELINE_REPS)
    report.add(Figure(f"page after {depth:,} rows (keyset)", fast, "ms", baseline=slow,
                      baseline_name=f"OFFSET {depth:,}", budget=BUDGET["first_page"]))
    after = queries._after(qs, row[0], row[1]).select_related("unit").order_by("name_folded", "pk")[:51]
    _plan(report, f"page after {depth:,} rows", after)


# ---- the unit page -------------------------------------------------------------------------------

def unit_page(report: Report, reps: int) -> None:
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    units = probe_units()
    try:
        urls = {k: reverse("console:unit", args=[units[k].pk]) for k in ("root", "cell")}
    except NoReverseMatch:
        report.add(Figure("unit page at root", None, "ms", note="console:unit is not available"))
        return
    client = Client()
    client.force_login(bench_admin(), backend="django.contrib.auth.backends.ModelBackend")
    with override_settings(REQUIRE_STAFF_2FA=False, DEBUG=False):
        status = {k: client.get(u).status_code for k, u in urls.items()}
        queries = {}
        for key, url in urls.items():
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            queries[key] = len(ctx)
        fast = median_ms(lambda: client.get(urls["root"]), reps)
        cell = median_ms(lambda: client.get(urls["cell"]), reps)
    report.add(Figure("unit page at root (HTML, test client)", fast, "ms", baseline=cell,
                      baseline_name="a cell's page", budget=BUDGET["unit_page"],
                      note=f"{queries['root']} queries at the root, {queries['cell']} at a cell; "
                           f"HTTP {status['root']}/{status['cell']}"))
    report.add(Figure("unit page queries at root", queries["root"], "queries", baseline=queries["cell"],
                      baseline_name="at a cell", note="must not grow with the data"))


# ---- the web worker and the import -------------------------------------------------------------

def worker_rss(report: Report) -> None:
    from bench.worker import serving_rss

    units = probe_units()
    idle, serving, pages = serving_rss(bench_admin(), units)
    report.add(Figure("web worker RSS after serving pages", serving, "MB", baseline=idle,
                      baseline_name="idle worker", budget=BUDGET["worker_mb"], note=pages))


def import_throughput(report: Report, rows: int) -> None:
    from bench.importing import measure_import

    if rows <= 0:
        return
    measure_import(report, rows)
