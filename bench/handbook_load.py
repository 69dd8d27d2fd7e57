"""The handbook under load: a meeting evening in one province, served by gunicorn.

Setup (not timed): the cells of the province, in path order, until ``users`` active members are
covered; a regular meeting for each cell starting in two hours with its check-in code open; a
library document (a generated PDF, through ``library.services.publish``) for the province,
attached to every meeting; the
invitations and their notifications through the job's own service (``invite_all``); one logged-in
session per member, written in bulk, on the member's own account or on one made for the bench.

Then the service runs under gunicorn (``chibo serve``'s arguments, ``--workers`` sync workers)
and ``bench/loadgen.py`` sends the load from a second process on loopback: a warm-up, then the
meeting-evening mix (open home, open the meeting, open the document, answer the invitation,
check in) at ``rate`` requests/s for ``duration`` seconds, then, as the baseline, the same load on
a minimal Django view (``bench/load_urls.py``) through the same middleware. Everything the setup
created is deleted afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.report import Figure, Report
from bench.worker import _free_port, _wait_for, stop

REPOSITORY = Path(__file__).resolve().parents[1]
MIX = [("home", 30), ("meeting", 30), ("document", 20), ("answer", 10), ("check_in", 10)]
WARM_UP_S = 20
PREFIX = "bench-h"
TOPIC = "Sinh hoạt chi bộ thường kỳ (bench)"
NUMBER = "99-NQ/BENCH"
PARAGRAPH = ("Tăng cường công tác xây dựng, chỉnh đốn Đảng và hệ thống chính trị; kiên quyết ngăn chặn, đẩy lùi sự "
             "suy thoái về tư tưởng chính trị, đạo đức, lối sống, những biểu hiện \"tự diễn biến\", \"tự chuyển hóa\" "
             "trong nội bộ. Mỗi cán bộ, đảng viên nêu cao tinh thần trách nhiệm, gương mẫu trong công tác "
             "và sinh hoạt. ")


def _cells(province: Any, users: int) -> tuple[list[int], int]:
    """The open member-holding cells of ``province`` in path order until ``users`` members."""
    from django.db.models import Count

    from chibo.members.models import Member
    from chibo.org.enums import UnitKind
    from chibo.org.models import Unit

    cells = (Unit.objects.subtree(province).filter(closed_on__isnull=True, kind__in=UnitKind.member_holding())
             .order_by("path").values_list("pk", flat=True))
    chosen: list[int] = []
    covered = 0
    for chunk in _chunks(cells.iterator(), 200):
        counts = dict(Member.objects.filter(unit_id__in=chunk, status__in=["official", "probationary"],
                                            temp_unit__isnull=True)
                      .values_list("unit_id").annotate(n=Count("pk")).order_by())
        for pk in chunk:
            if covered >= users:
                return chosen, covered
            if counts.get(pk):
                chosen.append(pk)
                covered += counts[pk]
    return chosen, covered


def _chunks(it: Iterator[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for item in it:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _document(province: Any) -> Any:
    import weasyprint
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from chibo.accounts.policy import SYSTEM
    from chibo.library import services

    html = "".join(f"<h2>Mục {i}</h2><p>{PARAGRAPH * 4}</p>" for i in range(1, 31))
    upload = SimpleUploadedFile("bench.pdf", weasyprint.HTML(string=html).write_pdf(), "application/pdf")
    return services.publish(actor=SYSTEM, unit=province, upload=upload, data={
        "kind": "resolution", "number": NUMBER, "title": "Nghị quyết (bench) về công tác xây dựng Đảng",
        "issued_on": timezone.localdate(), "issuing_body": "Ban Chấp hành (bench)"})


def _accounts(member_ids: list[int]) -> dict[int, tuple[str, str]]:
    """One session per member, on the member's own account or, for a member without one, on an
    account made for the bench: member id → (session key, CSRF secret). A member whose account
    is disabled gets none."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    User = get_user_model()

    def accounts_of(members: list[int], **only: Any) -> Iterator[Any]:
        for start in range(0, len(members), 5000):
            yield from User.objects.filter(member_id__in=members[start:start + 5000], **only)

    holders = {user.member_id for user in accounts_of(member_ids)}
    User.objects.bulk_create([User(username=f"{PREFIX}{pk}", member_id=pk, password="!")
                              for pk in member_ids if pk not in holders], batch_size=5000)
    store, expiry, sessions, out = SessionStore(), timezone.now() + dt.timedelta(days=1), [], {}
    for user in accounts_of(member_ids, is_active=True):
        key = secrets.token_hex(16)
        data = {SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expiry))
        out[user.member_id] = (key, secrets.token_hex(16))
    Session.objects.bulk_create(sessions, batch_size=5000)
    return out


def setup(province: Any, users: int) -> dict[str, Any]:
    from django.db.models import Q
    from django.utils import timezone

    from chibo.accounts.policy import SYSTEM
    from chibo.demo import dbtools
    from chibo.meetings import services
    from chibo.meetings.models import Invitation, Meeting, MeetingDocument
    from chibo.members.models import Member
    from chibo.org.models import Unit

    cells, covered = _cells(province, users)
    starts = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=2)
    paths = dict(Unit.objects.filter(pk__in=cells).values_list("pk", "path"))
    Meeting.objects.bulk_create([
        Meeting(unit_id=c, unit_path=paths[c], starts_at=starts, topic=TOPIC,
                agenda="1. Kiểm điểm công tác tháng\n2. Học tập nghị quyết\n3. Phương hướng tháng tới",
                code=f"{secrets.randbelow(10**6):06d}", code_expires_at=starts + dt.timedelta(hours=6))
        for c in cells], batch_size=5000)
    meetings = {m.unit_id: m for m in Meeting.objects.filter(unit_id__in=cells, starts_at=starts)}
    document = _document(province)
    MeetingDocument.objects.bulk_create([MeetingDocument(meeting=m, document=document) for m in meetings.values()])
    active = Member.objects.filter(Q(unit_id__in=cells) | Q(temp_unit_id__in=cells),
                                   status__in=["official", "probationary"])
    accounts = _accounts(list(active.values_list("pk", flat=True)))  # before the invitations: they notify
    invited = services.invite_all(actor=SYSTEM, unit=province, first=timezone.localdate(starts))
    rows = list(Invitation.objects.filter(meeting_id__in=[m.pk for m in meetings.values()], member__isnull=False)
                .values_list("member_id", "meeting_id"))
    codes = {m.pk: m.code for m in meetings.values()}
    dbtools.analyze(["accounts_user", "django_session", "meetings_meeting", "meetings_invitation",
                     "notifications_notification"])
    plan_users = [{"session": accounts[member][0], "csrf": accounts[member][1], "meeting": meeting,
                   "code": codes[meeting], "document": document.pk} for member, meeting in rows if member in accounts]
    return {"cells": len(cells), "members": covered, "meetings": len(meetings), "invited": invited,
            "meeting_ids": [m.pk for m in meetings.values()], "document": document.pk, "users": plan_users}


def cleanup(evening: dict[str, Any] | None) -> None:
    """Delete what the setup made, found by its marks, so a setup cut short leaves nothing either."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from chibo.library.models import Document
    from chibo.meetings.models import Meeting
    from chibo.notifications.models import Notification

    if evening:
        Session.objects.filter(session_key__in=[u["session"] for u in evening["users"]]).delete()
    meetings = list(Meeting.objects.filter(topic=TOPIC).values_list("pk", flat=True))
    Notification.objects.filter(key__in=[f"meeting:{i}" for i in meetings]).delete()
    Meeting.objects.filter(pk__in=meetings).delete()
    for document in Document.objects.filter(number=NUMBER):
        document.file.delete(save=False)
        document.delete()
    get_user_model().objects.filter(username__startswith=PREFIX).delete()


@contextlib.contextmanager
def gunicorn(workers: int, logs: Path) -> Iterator[int]:
    """The service under gunicorn with ``chibo serve``'s arguments; yields its port."""
    from chibo.demo.serving import gunicorn_argv

    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.load_settings",
           "PYTHONPATH": os.pathsep.join([str(REPOSITORY), os.environ.get("PYTHONPATH", "")])}
    with open(logs / "access.log", "wb") as out, open(logs / "gunicorn.log", "wb") as err:
        server = subprocess.Popen(gunicorn_argv(host="127.0.0.1", port=port, workers=workers), env=env,
                                  cwd=REPOSITORY, stdout=out, stderr=err)
        try:
            _wait_for(port)
            yield port
        finally:
            stop(server)


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the gunicorn processes (they live through the run) and by the
    whole machine (/proc/stat: PostgreSQL's backends come and go with the connections)."""
    tick = os.sysconf("SC_CLK_TCK")
    service = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text, cmdline = stat.read_text(), (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in cmdline:
            fields = text[text.rindex(")") + 2:].split()
            service += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(cpu) if i not in (3, 4)) / tick  # all but idle and iowait
    return {"service": service, "machine": busy}


def drive(port: int, users: list[dict[str, Any]], mix: list[tuple[str, int]], rate: float, duration: float,
          work: Path, *, seed: int = 1, actions: dict[str, tuple[str, str, int]] | None = None) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process against ``port``; returns its summary, with the
    CPU milliseconds per request of the service, of the load generator and of the rest of the
    machine (PostgreSQL, mostly). ``actions`` adds actions to the load generator's own."""
    plan, out = work / "plan.json", work / "result.json"
    plan.write_text(json.dumps({"port": port, "rate": rate, "duration": duration, "users": users,
                                "mix": mix, "seed": seed, "actions": actions or {}}))
    before = _cpu_seconds()
    subprocess.run([sys.executable, "-m", "bench.loadgen", str(plan), str(out)], cwd=REPOSITORY, check=True,
                   timeout=duration * 3 + 120)
    after, result = _cpu_seconds(), json.loads(out.read_text())
    per_request = 1000 / max(result["overall"]["requests"], 1)
    service, machine = ((after[k] - before[k]) * per_request for k in ("service", "machine"))
    generator = result.pop("cpu_s") * per_request
    result["cpu_ms_per_request"] = {"service": round(service, 2), "load_generator": round(generator, 2),
                                    "postgres_and_rest": round(machine - service - generator, 2)}
    return result


def _states(meeting_ids: list[int]) -> dict[str, int]:
    from chibo.meetings.models import Invitation

    invitations = Invitation.objects.filter(meeting_id__in=meeting_ids)
    return {"answered": invitations.exclude(answer="").count(),
            "checked_in": invitations.filter(attendance="present").count()}


def load(report: Report, province: Any, *, users: int, rate: float, duration: float, workers: int) -> None:
    evening = None
    cleanup(None)  # what an interrupted run may have left
    try:
        evening = setup(province, users)
        print(f"  evening: {evening['meetings']:,} meetings, {len(evening['users']):,} members with a session",
              flush=True)
        with tempfile.TemporaryDirectory(prefix="chibo-load-") as tmp, gunicorn(workers, Path(tmp)) as port:
            work = Path(tmp)
            warm = drive(port, evening["users"], MIX, rate, WARM_UP_S, work, seed=0)
            mix = drive(port, evening["users"], MIX, rate, duration, work)
            base = drive(port, evening["users"], [("minimal", 1)], rate, duration, work)
        report.context["handbook_load"] = {
            "province": province.name, "workers": workers, "rate": rate, "duration_s": duration,
            "mix": MIX, **{k: v for k, v in evening.items() if k not in ("users", "meeting_ids")},
            "sessions": len(evening["users"]), "warm_up": warm, "handbook": mix, "minimal": base,
            "after": _states(evening["meeting_ids"])}
        _figures(report, mix, base, rate, duration, workers)
    finally:
        cleanup(evening)


def _figures(report: Report, mix: dict, base: dict, rate: float, duration: float, workers: int) -> None:
    load_note = f"{rate:g} req/s offered for {duration:g} s, gunicorn {workers} sync workers"
    report.add(Figure("handbook mix: lowest 10-s rate", mix["lowest_window_rate"], "req/s",
                      baseline=base["lowest_window_rate"], baseline_name="minimal Django view",
                      budget=150, budget_kind="min", note=load_note))
    report.add(Figure("handbook mix: p95 latency", mix["overall"]["p95_ms"], "ms",
                      baseline=base["overall"]["p95_ms"], baseline_name="minimal Django view", budget=300,
                      note=f"p50 {mix['overall']['p50_ms']} ms vs {base['overall']['p50_ms']} ms; "
                           f"p99 {mix['overall']['p99_ms']} ms vs {base['overall']['p99_ms']} ms"))
    report.add(Figure("handbook mix: errors", mix["overall"]["errors"], "",
                      baseline=base["overall"]["errors"], baseline_name="minimal Django view", budget=0,
                      note=f"of {mix['overall']['requests']:,} and {base['overall']['requests']:,} requests"))
    cpu, base_cpu = mix["cpu_ms_per_request"], base["cpu_ms_per_request"]
    report.add(Figure("handbook mix: CPU per request", round(sum(cpu.values()), 2), "ms",
                      baseline=round(sum(base_cpu.values()), 2), baseline_name="minimal Django view",
                      note=", ".join(f"{k} {v} ms vs {base_cpu[k]} ms" for k, v in cpu.items())))
    for action, row in mix["by_action"].items():
        report.add(Figure(f"  {action}: p95", row["p95_ms"], "ms", note=f"{row['requests']:,} requests, "
                          f"p50 {row['p50_ms']} ms, {row['errors']} errors"))
