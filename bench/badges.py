"""The cards benchmark: ``python -m chibo bench badges --size province|nation``.

On a data set loaded by ``bench foundation``, each figure beside a baseline in the same run:

* **the badge list of an award day at the root**, as the console shows it
  (``members.cards.badges.due_page``: the first page of 100, by cell and name); beside **the same
  page with index and bitmap scans turned off** (``SET LOCAL enable_indexscan/enable_bitmapscan =
  off`` in a transaction: the planner must scan every member's party age; nothing is dropped, so
  nobody else's work is blocked). Both must return the same rows.
* **the whole list at the root** (``badges.due_all``: every member of the country due a badge that
  day, as the background export writes it): one index range per tier on ``member_party_since``;
  beside the same queries with index scans off. (SQLite has no such switches: the baseline there is
  the list computed in Python from every member's ``since``.) **The rows counted up front** by the
  export (``badges.count_due``) are measured beside it.
* **party age for a member page** (``members.party_age.of_member``: the open gap looked up) and
  the whole panel (``members.cards.queries.of_member``: cards, age, badges, illness), per member,
  over 200 members spread over the registry; beside **reading the member row alone**.
* **the chip-card exchange's progress in a province** (``members.cards.queries.progress``: one
  GROUP BY on index ``card_campaign``) with a chip card written for every official member of the
  largest province (committed and vacuumed, so that the index is read alone as in a registry that
  autovacuum keeps; **deleted** at the end); beside the same counts grouped on the holders'
  current cells (a join to the members, what the stored path spares).

The national data set is shared: nothing is left behind (the cards and the campaign are deleted
in a ``finally``; the list and the ages only read). Results: ``bench/results/badges-<size>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Report, median_ms

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_LIST_MS = 2000
BUDGET_AGE_MS = 5
MEMBERS_SAMPLED = 200


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench badges", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--reps", type=int, default=5, help="repetitions per figure (median)")
    p.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 9, 2), help="the award day")
    p.add_argument("--skip", action="append", default=[], choices=("list", "age", "campaign"))
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
    out = args.out or RESULTS / f"badges-{args.size}.json"
    report = Report("badges", args.size, connection.vendor)
    root = Unit.objects.get(parent__isnull=True)
    print(f"badges bench, size {args.size}, {connection.vendor} — medians of {args.reps} runs")
    if "list" not in args.skip:
        badge_list(report, root, args.day, args.reps)
        report.write(out)
    if "age" not in args.skip:
        ages(report, args.reps)
        report.write(out)
    if "campaign" not in args.skip:
        campaign(report, root, args.reps)
        report.write(out)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


class _Rollback(Exception):
    pass


def _keys(rows: list[Any]) -> list[tuple[int, int, str]]:
    return [(r.member_id, r.tier, r.kind) for r in rows]


def _without_index(fn):
    """``fn()`` with index and bitmap scans off (PostgreSQL), inside a transaction rolled back."""
    from django.db import connection, transaction

    box: dict[str, Any] = {}
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("SET LOCAL enable_indexonlyscan = off")
            box["value"] = fn()
            raise _Rollback
    except _Rollback:
        pass
    return box["value"]


def _python_scan(root, day: dt.date) -> list[Any]:
    """SQLite's baseline: every member's ``since`` read and judged in Python."""
    from chibo.members.cards import badges, rules

    plan = badges.plan_for(day)
    found = []
    qs = (badges.Member.objects.filter(status__in=badges.DUE_STATUSES).annotate(since=badges._since())
          .values_list("pk", "since"))
    for pk, since in qs.iterator(chunk_size=5000):
        if since is not None and rules.tier_of(since, plan.on_time) is not None:
            found.append(pk)
    return found


def badge_list(report: Report, root, day: dt.date, reps: int) -> None:
    from django.db import connection

    from chibo.members.cards import badges

    print(f"  the badge list of {day} at the root…", flush=True)
    page = badges.due_page(root, day)
    value = median_ms(lambda: badges.due_page(root, day), reps)
    if connection.vendor == "postgresql":
        same_page = _without_index(lambda: badges.due_page(root, day))
        assert [r.member_id for r in same_page.rows] == [r.member_id for r in page.rows], "same rows"
        base = median_ms(lambda: _without_index(lambda: badges.due_page(root, day)), max(1, reps // 2), warmup=0)
        base_name = "same page, index scans off"
    else:
        base, base_name = None, ""
    report.add(Figure("badge list of an award day at the root (the console's first page)", value, "ms",
                      baseline=base, baseline_name=base_name, budget=BUDGET_LIST_MS,
                      extra={"day": day.isoformat(), "rows": len(page.rows)}))
    count = median_ms(lambda: badges.count_due(root, day), reps)
    report.add(Figure("rows of the whole list counted up front (the export's size check)", count, "ms"))
    rows = list(badges.due_all(root, day))
    value = median_ms(lambda: list(badges.due_all(root, day)), reps)
    if connection.vendor == "postgresql":
        same = _without_index(lambda: list(badges.due_all(root, day)))
        assert _keys(same) == _keys(rows), "the baseline must return the same rows"
        base = median_ms(lambda: _without_index(lambda: list(badges.due_all(root, day))), max(1, reps // 2),
                         warmup=0)
        base_name = "same queries, index scans off"
        report.plans["badge list (on time)"] = _explain(badges._reads(root, badges.plan_for(day), names=False)[0])
    else:
        base = median_ms(lambda: _python_scan(root, day), max(1, reps // 2), warmup=0)
        base_name = "every member's age in Python"
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    report.add(Figure("the whole list at the root (written by the background export)", value, "ms",
                      baseline=base, baseline_name=base_name,
                      extra={"day": day.isoformat(), "rows": len(rows), "by_kind": kinds}))


def _explain(qs) -> str:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def _sample_ids() -> list[int]:
    from django.db.models import Max, Min

    from chibo.members.models import Member

    bounds = Member.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    step = max(1, (bounds["hi"] - bounds["lo"]) // MEMBERS_SAMPLED)
    wanted = list(range(bounds["lo"], bounds["hi"] + 1, step))[:MEMBERS_SAMPLED]
    return list(Member.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def ages(report: Report, reps: int) -> None:
    from chibo.members import party_age
    from chibo.members.cards import queries
    from chibo.members.models import Member

    ids = _sample_ids()
    members = list(Member.objects.filter(pk__in=ids))
    today = dt.date.today()
    print(f"  party age of {len(members)} members…", flush=True)

    def row_alone() -> None:
        for pk in ids:
            Member.objects.get(pk=pk)

    def age_alone() -> None:
        for m in members:
            party_age.of_member(m, today)

    def panel() -> None:
        for m in members:
            queries.of_member(m, today)

    base = median_ms(row_alone, reps) / len(ids)
    report.add(Figure("party age of a member (per member)", round(median_ms(age_alone, reps) / len(ids), 3), "ms",
                      baseline=round(base, 3), baseline_name="the member row alone", budget=BUDGET_AGE_MS))
    report.add(Figure("the member page's cards panel (per member)", round(median_ms(panel, reps) / len(ids), 3),
                      "ms", baseline=round(base, 3), baseline_name="the member row alone",
                      note="cards, party age, badges, illness: 4 queries"))


def _province():
    from django.db.models import Count

    from chibo.members.models import UnitMemberTally
    from chibo.org.models import Unit

    provinces = Unit.objects.filter(depth=2).annotate(n=Count("pk")).values_list("pk", flat=True)
    tally = (UnitMemberTally.objects.filter(unit_id__in=list(provinces)).order_by("-official").first())
    return Unit.objects.get(pk=tally.unit_id) if tally else None


def _write_cards(province, campaign_id: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_partycard (number, member_id, kind, reason, state, state_since, issued_on, "
            "issuer_id, decision, unit_path, handed_over_on, note, recorded_at, campaign_id) "
            "SELECT 'B' || m.id, m.id, 'chip', 'exchange', CASE WHEN m.id %% 3 = 0 THEN 'issued' ELSE "
            "'handed_over' END, %s, %s, %s, '', m.unit_path, NULL, '', now(), %s FROM members_member m "
            "WHERE m.unit_path >= %s AND m.unit_path < %s AND m.status IN ('official', 'exempted')",
            [dt.date(2026, 6, 1), dt.date(2026, 6, 1), province.pk, campaign_id, province.path, province.path_upper])
        count = cursor.rowcount
        cursor.execute("ANALYZE members_partycard")
    return count


def _by_current_cell(campaign, unit) -> dict[str, tuple[int, int]]:
    from django.db.models import Count, Q
    from django.db.models.functions import Substr

    from chibo.members.cards.models import PartyCard

    width = len(unit.path) + 5
    rows = (PartyCard.objects.filter(campaign=campaign, state__in=("issued", "handed_over"),
                                     member__unit_path__gte=unit.path, member__unit_path__lt=unit.path_upper)
            .annotate(child=Substr("member__unit_path", 1, width)).values("child")
            .annotate(issued=Count("pk"), handed=Count("pk", filter=Q(state="handed_over"))))
    return {r["child"]: (r["issued"], r["handed"]) for r in rows}


def campaign(report: Report, root, reps: int) -> None:
    """The cards are written and committed (then VACUUM ANALYZE: index-only scans, as in a
    registry that autovacuum keeps), measured, and deleted in a ``finally``."""
    from django.db import connection, transaction

    from chibo.members.cards import queries
    from chibo.members.cards.models import CardCampaign, PartyCard

    province = _province()
    if province is None or connection.vendor != "postgresql":
        print("  campaign progress: skipped (PostgreSQL and a province needed)")
        return
    print(f"  the exchange's progress in {province.name} (cards written, then deleted)…", flush=True)
    c = CardCampaign.objects.create(unit=province, unit_path=province.path, name="bench",
                                    starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))
    try:
        start = time.perf_counter()
        with transaction.atomic():
            cards = _write_cards(province, c.pk)
        write_s = round(time.perf_counter() - start, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE members_partycard")
        total, rows = queries.progress(c, province)
        direct = _by_current_cell(c, province)
        assert sum(v[0] for v in direct.values()) == total.issued
        value = median_ms(lambda: queries.progress(c, province), reps)
        base = median_ms(lambda: _by_current_cell(c, province), reps)
    finally:
        PartyCard.objects.filter(campaign=c).delete()
        c.delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE members_partycard")
    report.add(Figure("exchange progress of a province, by child unit", value, "ms", baseline=base,
                      baseline_name="grouped on the holders' cells", budget=300,
                      extra={"province": province.name, "cards": cards, "children": len(rows),
                             "handed_over": total.handed_over, "written_in_s": write_s},
                      note="cards written, measured, deleted"))
