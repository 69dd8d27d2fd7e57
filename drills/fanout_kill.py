"""A worker killed (kill -9) in the middle of a province's "send all the month's
invitations" loses nothing and sends nothing twice.

A province officer posts the console's "send all the month's invitations" (the meetings page of
the province) over a month with several meetings in every cell; while the worker runs the job
(the job ledger shows it running, on host:pid), that process is killed with SIGKILL. Proved: the
sweeper finds the dead job and runs it again, and afterwards every invitee of every meeting has
exactly one invitation and every invitee with an account exactly one notification (SQL: no
duplicates, counts equal to the expected invitees).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import sys
import time
from typing import Any

from drills.common import (
    DEFAULT_SWEEPER,
    SHORT_SWEEPER,
    Browser,
    DrillFailed,
    Options,
    Report,
    drill_cluster,
    made,
    province_officer,
    restart_dead_workers,
    run_drill,
    wait_until,
)

NAME = "fanout_kill"
JOB = "chibo.meetings.tasks.invite_month"
MEETINGS_PER_CELL = {True: 6, False: 20}  # --short, full
TOPIC = "Sinh hoạt chi bộ (drill fanout_kill)"


def run(args: Any = None) -> int:
    return run_drill(NAME, __doc__, args, _drill)


def _drill(report: Report, opts: Options) -> None:
    with drill_cluster(report, opts, NAME, sweeper=True) as cluster:
        officer = province_officer(NAME)
        first = _next_month()
        meeting_ids = month_of_meetings(officer.unit_id, first, MEETINGS_PER_CELL[opts.short])
        made("meetings", meeting_ids)
        made("users", ensure_accounts(officer.unit_id))
        expected = _expected(cluster, meeting_ids)
        report.step(f"{len(meeting_ids):,} meetings in {first:%Y-%m}: {expected['invitations']:,} invitees, "
                    f"{expected['notifications']:,} with an account")
        browser = Browser(cluster.url)
        browser.log_in(officer)
        t0 = time.monotonic()
        answer = browser.post(f"/units/{officer.unit_id}/meetings/", {"action": "invite_month",
                                                                     "month": f"{first:%Y-%m}"})
        if answer.status != 302:
            raise DrillFailed(f"the console's 'send all the month's invitations' answered {answer.status}")
        ledger = wait_until(lambda: _ledger(officer.user_id, officer.unit_id, first, running=True),
                            "the job ledger never showed the fan-out running", 120, every=0.05)
        time.sleep(0.3)  # well inside the job's transaction
        killed_at, pid = _kill(report, cluster, ledger)
        # read at once: the short sweeper may find the job dead and queue it again ~3 s after the kill,
        # before the restarted worker is up
        state, committed = _ledger_state(ledger.pk), _counts(cluster, meeting_ids)
        report.check(state == "running" and committed["invitations"] == 0,
                     f"the kill came mid-run (ledger row {state} just after the kill, {committed['invitations']} "
                     "invitations committed)")
        restart_dead_workers(report, cluster)
        again = wait_until(lambda: _rerun(ledger.pk), "the sweeper did not run the dead fan-out again", 180)
        rerun_start = again.started_at.timestamp() - killed_at  # one machine: one clock
        done = wait_until(lambda: _done(ledger.pk), "the fan-out run again did not finish", 300)
        total = time.monotonic() - t0
        expected = _expected(cluster, meeting_ids)  # again: the members may have changed meanwhile
        _prove(report, cluster, meeting_ids, expected, done)
        report.figure("meetings", len(meeting_ids))
        report.figure("invitations", expected["invitations"], "", f"{expected['notifications']:,} notifications")
        report.figure("time from the kill to the re-run's start", max(rerun_start, 0.0), "s",
                      _budget_note())
        report.figure("total, from the console's POST to all sent", total, "s",
                      f"attempts {done.attempts}, killed pid {pid}")


def _next_month() -> dt.date:
    today = dt.date.today()
    return (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_of_meetings(province_id: int, first: dt.date, per_cell: int) -> list[int]:
    """``per_cell`` planned meetings with a topic in every open member-holding cell of the province
    in the month of ``first``, each on its own day (a new hour each run: the drill may run again)."""
    from django.utils import timezone

    from chibo.meetings.models import Meeting
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    province = Unit.objects.get(pk=province_id)
    cells = list(Unit.objects.subtree(province).filter(closed_on__isnull=True, kind__in=UnitKind.member_holding())
                 .values_list("pk", "path"))
    hour = secrets.randbelow(12) + 7
    minute = secrets.randbelow(60)
    starts = [timezone.make_aware(dt.datetime.combine(first.replace(day=1 + d), dt.time(hour, minute)))
              for d in range(per_cell)]
    made = Meeting.objects.bulk_create(
        [Meeting(unit_id=pk, unit_path=path, starts_at=when, topic=TOPIC) for pk, path in cells for when in starts],
        batch_size=2000, ignore_conflicts=True)
    ids = list(Meeting.objects.filter(unit_id__in=[pk for pk, _ in cells], starts_at__in=starts, topic=TOPIC,
                                      state="planned").values_list("pk", flat=True))
    if len(ids) != len(made):
        raise DrillFailed(f"{len(made)} meetings made, {len(ids)} found: the month already has meetings at that hour")
    return ids


def _meetings(meeting_ids: list[int]) -> str:
    """SQL selecting the drill's meetings (by id range and topic: thousands of ids do not fit a
    command line)."""
    topic = TOPIC.replace("'", "''")
    return (f"SELECT id FROM meetings_meeting WHERE id BETWEEN {min(meeting_ids)} AND {max(meeting_ids)} "
            f"AND topic = '{topic}'")


def _expected(cluster: Any, meeting_ids: list[int]) -> dict[str, int]:
    """Invitees (official and probationary members of the meeting's cell, or there temporarily)
    and those of them with an active account, counted in SQL."""
    invitees = (f"SELECT m.id AS meeting_id, mem.id AS member_id FROM meetings_meeting m JOIN members_member mem "
                f"ON (mem.unit_id = m.unit_id AND mem.temp_unit_id IS NULL) OR mem.temp_unit_id = m.unit_id "
                f"WHERE m.id IN ({_meetings(meeting_ids)}) AND mem.status IN ('official', 'probationary')")
    row = cluster.psql(f"WITH i AS ({invitees}) SELECT count(*), (SELECT count(*) FROM i JOIN accounts_user u "
                       "ON u.member_id = i.member_id AND u.is_active) FROM i").split("|")
    return {"invitations": int(row[0]), "notifications": int(row[1])}


def ensure_accounts(province_id: int) -> list[int]:
    """An account for every active member of the province who has none (the notifications' readers);
    the new accounts' ids."""
    from django.contrib.auth import get_user_model

    from chibo.members.models import Member
    from chibo.org.models import Unit

    User = get_user_model()
    province = Unit.objects.get(pk=province_id)
    members = set(Member.objects.filter(unit_path__startswith=province.path, status__in=["official", "probationary"])
                  .values_list("pk", flat=True))
    members -= set(User.objects.filter(member_id__in=members).values_list("member_id", flat=True))
    new = User.objects.bulk_create([User(username=f"drill-m{pk}", member_id=pk, password="!") for pk in members],
                                   batch_size=5000)
    return [user.pk for user in new]


def _ledger(user_id: int, unit_id: int, first: dt.date, *, running: bool) -> Any:
    from chibo.core.models import Job

    job = Job.objects.filter(name=JOB, args__args=[user_id, unit_id, first.isoformat()]).order_by("-pk").first()
    if job is not None and job.state in ("done", "failed"):
        raise DrillFailed(f"the fan-out ended ({job.state}) before it could be killed: use more meetings")
    return job if job is not None and (job.state == "running" or not running) else None


def _ledger_state(pk: int) -> str:
    from chibo.core.models import Job

    return Job.objects.get(pk=pk).state


def _kill(report: Report, cluster: Any, ledger: Any) -> tuple[float, int]:
    pid = int(ledger.worker.rsplit(":", 1)[1])
    names = {cluster.pid(name): name for name in ("worker-1", "worker-2")}
    os.kill(pid, signal.SIGKILL)
    report.step(f"kill -9 {pid} ({names.get(pid, 'a worker process')}) running ledger job {ledger.pk}")
    return time.time(), pid


def _rerun(pk: int) -> Any:
    from chibo.core.models import Job

    job = Job.objects.get(pk=pk)
    return job if job.attempts >= 2 and job.state in ("running", "done") else None


def _done(pk: int) -> Any:
    from chibo.core.models import Job

    job = Job.objects.get(pk=pk)
    if job.state == "failed":
        raise DrillFailed(f"the fan-out run again failed: {job.error[-300:]}")
    return job if job.state == "done" else None


def _counts(cluster: Any, meeting_ids: list[int]) -> dict[str, int]:
    marks = _meetings(meeting_ids)
    keys = f"SELECT 'meeting:' || id FROM ({marks}) k"
    row = cluster.psql(
        f"SELECT (SELECT count(*) FROM meetings_invitation WHERE meeting_id IN ({marks})), "
        f"(SELECT count(*) FROM notifications_notification WHERE key IN ({keys})), "
        f"(SELECT count(*) FROM (SELECT 1 FROM meetings_invitation WHERE meeting_id IN ({marks}) "
        "GROUP BY meeting_id, member_id HAVING count(*) > 1) d), "
        f"(SELECT count(*) FROM (SELECT 1 FROM notifications_notification WHERE key IN ({keys}) "
        "GROUP BY user_id, key HAVING count(*) > 1) d)").split("|")
    return dict(zip(["invitations", "notifications", "duplicate_invitations", "duplicate_notifications"],
                    map(int, row), strict=True))


def _prove(report: Report, cluster: Any, meeting_ids: list[int], expected: dict[str, int], job: Any) -> None:
    got = _counts(cluster, meeting_ids)
    report.check(job.attempts >= 2, f"the dead job was run again by the sweeper (attempts {job.attempts})")
    report.check(got["duplicate_invitations"] == 0 and got["duplicate_notifications"] == 0,
                 f"no member has two invitations to a meeting ({got['duplicate_invitations']}) nor two "
                 f"notifications of one ({got['duplicate_notifications']})")
    report.check(got["invitations"] == expected["invitations"],
                 f"invitations {got['invitations']:,} = invitees {expected['invitations']:,}")
    report.check(got["notifications"] == expected["notifications"],
                 f"notifications {got['notifications']:,} = invitees with an account {expected['notifications']:,}")


def _budget_note() -> str:
    short = ", ".join(f"{k.removeprefix('CHIBO_JOB_')}={v}" for k, v in SHORT_SWEEPER.items())
    return (f"with {short}; with the defaults (DEAD_SECONDS={DEFAULT_SWEEPER['CHIBO_JOB_DEAD_SECONDS']}, "
            f"SWEEP_SECONDS={DEFAULT_SWEEPER['CHIBO_JOB_SWEEP_SECONDS']}) at most 75 s: budget 120 s")


if __name__ == "__main__":
    sys.exit(run())
