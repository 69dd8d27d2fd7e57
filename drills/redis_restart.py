"""Jobs queued while Redis restarts (it keeps nothing on disk) are all done.

With both workers stopped, a province officer asks for member exports through nginx (the
console's export form) and the invitations of several cells are queued (``invite_month``, as the
console queues it); the messages sit in Redis. Redis is restarted (stop, start: the queue is
empty), then the workers start. Proved: every job of the ledger is done, every export's file is in
the shared media directory, every invitation and notification is there. Figures: jobs queued, lost
by Redis, sent again by the sweeper, time until all are done.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from pathlib import Path
from typing import Any

from drills.common import (
    SHORT_SWEEPER,
    Browser,
    DrillFailed,
    Options,
    Report,
    drill_cluster,
    made,
    province_officer,
    run_drill,
    wait_until,
)

NAME = "redis_restart"
EXPORTS = {True: 4, False: 20}  # --short, full
FANOUTS = {True: 4, False: 20}
QUEUED_NAMES = ["chibo.reports.tasks.run_export", "chibo.meetings.tasks.invite_month"]
TOPIC = "Sinh hoạt chi bộ (drill redis_restart)"


def run(args: Any = None) -> int:
    return run_drill(NAME, __doc__, args, _drill)


def _drill(report: Report, opts: Options) -> None:
    with drill_cluster(report, opts, NAME, sweeper=True) as cluster:
        officer = province_officer(NAME)
        browser = Browser(cluster.url)
        browser.log_in(officer)
        for name in ("worker-1", "worker-2"):
            cluster.stop(name)
        report.step("both workers stopped")
        since = _now()
        exports = [_ask_export(browser, officer.unit_id) for _ in range(EXPORTS[opts.short])]
        made("exports", exports)
        meetings = _queue_fanouts(officer, FANOUTS[opts.short])
        jobs = _ledger_since(since)
        queued_in_redis = _pending()
        report.step(f"{len(exports)} exports asked through nginx, {len(meetings)} cells' invitations queued: "
                    f"{len(jobs)} ledger jobs, {queued_in_redis} messages in Redis")
        cluster.stop("redis")
        cluster.start("redis")
        lost = queued_in_redis - _pending()
        restarted = _now()
        report.step(f"Redis restarted: {_pending()} messages left in it")
        t0 = time.monotonic()
        for name in ("worker-1", "worker-2"):
            cluster.start(name)
        wait_until(lambda: _all_done(jobs), "not every queued job was done after Redis restarted", 180)
        took = time.monotonic() - t0
        resent = _resent(jobs, restarted)
        report.figure("jobs queued", len(jobs), "", f"{len(exports)} exports, {len(meetings)} invitation fan-outs")
        report.figure("lost by Redis", lost, "messages")
        report.figure("sent again by the sweeper", resent, "jobs",
                      f"CHIBO_JOB_RESEND_SECONDS={SHORT_SWEEPER['CHIBO_JOB_RESEND_SECONDS']} (default 60)")
        report.figure("time from the workers' start until all are done", took, "s",
                      "the default resend after 60 s and a sweep every 15 s would add up to 75 s")
        _prove(report, cluster, jobs, exports, meetings, queued_in_redis, lost)


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def _ask_export(browser: Browser, unit_id: int) -> int:
    answer = browser.post(f"/units/{unit_id}/members/export/", {"format": "csv"})
    found = re.match(r"^/exports/(\d+)/$", answer.location)
    if answer.status != 302 or not found:
        raise DrillFailed(f"the export form answered {answer.status} {answer.location!r}, not the export's page")
    return int(found.group(1))


def _queue_fanouts(officer: Any, cells: int) -> list[int]:
    """A meeting with a topic next month in each of ``cells`` cells, and each cell's "send all the
    month's invitations" queued as the console queues it."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from chibo.meetings import tasks
    from chibo.meetings.models import Meeting
    from chibo.members.models import Member
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    province = Unit.objects.get(pk=officer.unit_id)
    active = Member.objects.filter(status__in=["official", "probationary"], temp_unit__isnull=True)
    chosen = list(Unit.objects.subtree(province).filter(closed_on__isnull=True, kind__in=UnitKind.member_holding(),
                                                        pk__in=active.values("unit_id")).order_by("-path")[:cells])
    first = (dt.date.today().replace(day=28) + dt.timedelta(days=40)).replace(day=1)  # the month after next
    starts = timezone.make_aware(dt.datetime.combine(first.replace(day=27), dt.time(20, int(time.time()) % 60)))
    meetings = [Meeting.objects.create(unit=cell, unit_path=cell.path, starts_at=starts, topic=TOPIC).pk
                for cell in chosen]
    made("meetings", meetings)
    actor = get_user_model().objects.get(pk=officer.user_id)
    for cell in chosen:
        tasks.invite_month(actor.pk, cell.pk, first.isoformat())
    return meetings


def _ledger_since(since: dt.datetime) -> list[int]:
    from chibo.core.models import Job

    return list(Job.objects.filter(enqueued_at__gte=since, name__in=QUEUED_NAMES).values_list("pk", flat=True))


def _pending() -> int:
    from huey.contrib.djhuey import HUEY

    return HUEY.pending_count()


def _all_done(jobs: list[int]) -> bool:
    from chibo.core.models import Job

    states = dict(Job.objects.filter(pk__in=jobs).values_list("pk", "state"))
    if failed := [pk for pk, state in states.items() if state == "failed"]:
        raise DrillFailed(f"ledger jobs {failed} failed after Redis restarted")
    return all(state == "done" for state in states.values())


def _resent(jobs: list[int], restarted: dt.datetime) -> int:
    from chibo.core.models import Job

    return Job.objects.filter(pk__in=jobs, sent_at__gt=restarted).count()


def _prove(report: Report, cluster: Any, jobs: list[int], exports: list[int], meetings: list[int],
           queued: int, lost: int) -> None:
    from chibo.core.models import Job
    from chibo.meetings.models import Invitation
    from chibo.reports.models import ExportJob

    report.check(queued >= len(jobs) and lost == queued,
                 f"Redis lost every message of the queue ({lost} of {queued})")
    done = Job.objects.filter(pk__in=jobs, state="done").count()
    report.check(done == len(jobs), f"every ledger job is done ({done} of {len(jobs)})")
    media = Path(cluster.dir) / "media"
    rows = list(ExportJob.objects.filter(pk__in=exports).values_list("state", "file"))
    files = [name for state, name in rows if state == "done" and name and (media / name).is_file()]
    report.check(len(files) == len(exports), f"every export is done with its file in {media} "
                                             f"({len(files)} of {len(exports)})")
    invited = set(Invitation.objects.filter(meeting_id__in=meetings).values_list("meeting_id", flat=True))
    report.check(len(invited) == len(meetings), f"every queued fan-out invited its meeting's members "
                                                f"({len(invited)} of {len(meetings)} meetings)")


if __name__ == "__main__":
    sys.exit(run())
