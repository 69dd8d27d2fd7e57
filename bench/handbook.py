"""The handbook benchmark: ``python -m chibo bench handbook --size nation``.

Two parts (``--skip invitations`` or ``--skip load`` leaves one out), the load test first, since
the other part's bulk writes and deletes leave the database vacuuming for minutes:

**The invitations of a whole province.** The province with the members nearest to 150,000 gets
a schedule for every open cell, the month's regular meetings (about one per cell) with a topic,
and one user account per active member (setup, not timed). Then the job that sends the
invitations runs (``meetings.services.invite_all``): the invitations and the notifications of
every meeting, with a budget of 60 s. The baseline, in the same run, is the per-meeting service
(``services.invite``, as a secretary's button does it) on a sample of meetings, extrapolated to
the province.

**The handbook under load** (``bench/handbook_load.py``): a meeting evening in the same province
served by gunicorn, the meeting-evening mix sent from a second process on loopback at
``--rate`` requests/s for ``--duration`` seconds (≥ 150 req/s sustained, p95 ≤ 300 ms, no
errors), beside the same load on a minimal Django view.

Everything the bench creates is deleted afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Report

RESULTS = Path(__file__).resolve().parent / "results"
SAMPLE = 200


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chibo bench handbook", description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=("province", "nation"), default="province")
    p.add_argument("--members", type=int, default=150_000, help="pick the province nearest this many members")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--skip", action="append", default=[], choices=("invitations", "load"))
    p.add_argument("--users", type=int, default=6000, help="members with a session in the load test")
    p.add_argument("--rate", type=float, default=160, help="requests per second offered in the load test")
    p.add_argument("--duration", type=float, default=300, help="seconds of load (and of the baseline)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> Report:
    from django.core.management import call_command
    from django.db import connection

    args = parse(argv)
    call_command("migrate", verbosity=0)
    out = args.out or RESULTS / f"handbook-{args.size}.json"
    report = Report("handbook", args.size, connection.vendor)
    print(f"handbook bench, size {args.size}, {connection.vendor}")
    province = _province(args.members)
    if "load" not in args.skip:  # first: the invitations' bulk writes and deletes leave the database busy
        from bench.handbook_load import load

        load(report, province, users=args.users, rate=args.rate, duration=args.duration, workers=args.workers)
    if "invitations" not in args.skip:
        invitations(report, province)
    print()
    print(report.table())
    report.write(out)
    print(f"\nwritten to {out}")
    return report


def _province(members: int) -> Any:
    from chibo.members.models import UnitMemberTally
    from chibo.org.models import Unit

    root = Unit.objects.get(parent__isnull=True)
    tallies = UnitMemberTally.objects.filter(unit__parent=root).select_related("unit")
    return min(tallies, key=lambda t: abs(t.total - members)).unit


def _setup(province: Any, first: dt.date) -> dict[str, Any]:
    """Schedules, the month's meetings with a topic, one account per active member."""
    from django.contrib.auth import get_user_model

    from chibo.meetings import services
    from chibo.meetings.models import Meeting, Schedule
    from chibo.members.models import Member
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    cells = list(Unit.objects.subtree(province).filter(closed_on__isnull=True,
                                                       kind__in=UnitKind.member_holding()))
    Schedule.objects.bulk_create([Schedule(unit=c, day=4, time=dt.time(19, 30)) for c in cells],
                                 ignore_conflicts=True, batch_size=5000)
    services.generate_month(first)
    meetings = Meeting.objects.filter(unit__in=cells, starts_at__date__gte=first, kind="regular")
    meetings.update(topic="Sinh hoạt chi bộ thường kỳ")
    User = get_user_model()
    members = (Member.objects.filter(unit_path__gte=province.path, unit_path__lt=province.path_upper,
                                     status__in=["official", "probationary"], account__isnull=True)
               .values_list("pk", flat=True))
    User.objects.bulk_create([User(username=f"bench-m{pk}", member_id=pk, password="!") for pk in members.iterator()],
                             batch_size=5000, ignore_conflicts=True)
    from chibo.demo import dbtools

    dbtools.analyze(["accounts_user", "meetings_meeting", "meetings_invitation"])  # as after any bulk load
    return {"cells": len(cells), "meetings": meetings.count()}


def invitations(report: Report, province: Any) -> None:
    from django.db import transaction

    from chibo.accounts.policy import SYSTEM
    from chibo.meetings import services
    from chibo.meetings.models import Meeting
    from chibo.notifications.models import Notification

    first = dt.date(2031, 1, 1)  # a month of its own, far from real data
    setup = _setup(province, first)
    ids = list(Meeting.objects.filter(unit_path__gte=province.path, unit_path__lt=province.path_upper,
                                      starts_at__date__gte=first).values_list("pk", flat=True))
    try:
        sample = ids[:SAMPLE]
        started = time.perf_counter()
        with transaction.atomic():
            for meeting in Meeting.objects.filter(pk__in=sample):
                services.invite(meeting, actor=SYSTEM)
            transaction.set_rollback(True)  # the sample is measured, not kept
        per_meeting = (time.perf_counter() - started) / max(len(sample), 1)
        started = time.perf_counter()
        added = services.invite_all(actor=SYSTEM, unit=province, first=first)
        elapsed = time.perf_counter() - started
        notified = Notification.objects.filter(kind="invitation", key__startswith="meeting:",
                                               link__startswith="/handbook/meetings/").count()
        report.add(Figure(f"invitations of {province.name} (job)", round(elapsed, 1), "s",
                          baseline=round(per_meeting * len(ids), 1),
                          baseline_name=f"services.invite per meeting ({len(sample)} timed, extrapolated)",
                          budget=60, note=f"{len(ids):,} meetings, {added:,} invitations, {notified:,} notifications; "
                                          f"{setup['cells']:,} cells"))
    finally:
        teardown(province, first)


def teardown(province: Any, first: dt.date) -> None:
    """Delete what ``_setup`` made: the province's meetings from ``first`` on, their notifications,
    the bench's accounts."""
    from django.contrib.auth import get_user_model

    from chibo.meetings.models import Meeting
    from chibo.notifications.models import Notification

    ids = list(Meeting.objects.filter(unit_path__gte=province.path, unit_path__lt=province.path_upper,
                                      starts_at__date__gte=first).values_list("pk", flat=True))
    Meeting.objects.filter(pk__in=ids).delete()
    Notification.objects.filter(key__in=[f"meeting:{i}" for i in ids]).delete()
    get_user_model().objects.filter(username__startswith="bench-m").delete()
