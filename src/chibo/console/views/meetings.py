"""Meetings in the console, for secretaries and committees: the unit's meetings and schedule, a
meeting's page (agenda, documents to read, invitations, check-in code, attendance, minutes and
score), draft resolutions with their comments, and the attendance statistics."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.views.common import attachment, console_view, require_on
from chibo.console.widgets import parse_day
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import check_posted_text
from chibo.core.replica import replica_reads
from chibo.library import queries as library_queries
from chibo.meetings import drafts, queries, services, tasks
from chibo.meetings.models import Attendance, Draft, Kind, Meeting, Schedule, State
from chibo.org import queries as org_queries
from chibo.quality import four_good_queries, frameworks

RECENT = 24


@console_view
@require_http_methods(["GET", "POST"])
def unit_meetings(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's meetings, its monthly schedule, and a new meeting outside the schedule."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    may_manage = policy.can(request.user, Perm.MEETINGS_MANAGE, unit.path)
    if request.method == "POST":
        require_on(request.user, Perm.MEETINGS_MANAGE, unit.path)
        _post_unit(request, unit)
        return redirect("console:meetings", unit.pk)
    meetings = Meeting.objects.filter(unit=unit).order_by("-starts_at")[:RECENT]
    return render(request, "console/meetings/unit.html", {
        "unit": unit, "meetings": meetings, "schedule": Schedule.objects.filter(unit=unit).first(),
        "kinds": Kind.choices, "may_manage": may_manage, "today": timezone.localdate()})


def _post_unit(request: HttpRequest, unit: Any) -> None:
    try:
        check_posted_text(request.POST)
        if request.POST.get("action") == "invite_month":
            first = dt.date.fromisoformat((request.POST.get("month") or "") + "-01")
            require_on(request.user, Perm.MEETINGS_MANAGE, unit.path)
            tasks.invite_month(request.user.pk, unit.pk, first.isoformat())
            messages.success(request, _("The invitations of the month's meetings are being sent: each member "
                                        "is told in the handbook."))
        elif request.POST.get("action") == "schedule":
            day, time = int(request.POST.get("day") or 0), dt.time.fromisoformat(request.POST.get("time") or "")
            services.set_schedule(actor=request.user, unit=unit, day=day, time=time,
                                  place=request.POST.get("place", ""))
            messages.success(request, _("The schedule was saved: the monthly meetings are created each month."))
        else:
            starts = _starts_at(request.POST)
            services.create_meeting(actor=request.user, unit=unit, kind=request.POST.get("kind", ""),
                                    starts_at=starts, place=request.POST.get("place", ""))
            messages.success(request, _("The meeting was added."))
    except ValueError:
        messages.error(request, _("Give a day of the month from 1 to 28 and a time such as 19:30; for another meeting, "
                                 "a day such as 10/12/2026 and a time."))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, str(error.message))


def _starts_at(data: Any) -> dt.datetime:
    """The day (dd/mm/yyyy, as typed or picked) and the time (HH:MM) of a new meeting; ``ValueError``
    when either is not one."""
    day = parse_day(data.get("starts_on") or "")
    if day is None:
        raise ValueError("day")
    return timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(data.get("starts_time") or "")))


def _qr_svg(text: str) -> str:
    import segno

    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@console_view
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = queries.get_meeting_for_user(request.user, pk)
    invitations = list(meeting.invitations.select_related("member").order_by("member__name_folded", "guest"))
    code_open = bool(meeting.code and meeting.code_expires_at and timezone.now() <= meeting.code_expires_at)
    may_manage = policy.can(request.user, Perm.MEETINGS_MANAGE, meeting.unit_path)
    framework = services.framework_on(meeting)
    over = meeting.state in (State.HELD, State.CANCELLED)
    q = request.GET.get("q", "")[:100].strip()
    return render(request, "console/meetings/meeting.html", {
        "meeting": meeting, "invitations": invitations, "attendance_choices": Attendance.choices,
        "may_manage": may_manage, "over": over, "documents": queries.attached_documents(meeting), "q": q,
        "matches": queries.attachable_documents(request.user, meeting, q) if q and may_manage and not over else None,
        "deadline": services.agenda_deadline(meeting), "code_open": code_open,
        "qr": mark_safe(_qr_svg(f"{request.build_absolute_uri('/handbook/')}check-in/{meeting.pk}/?code="  # noqa: S308
                                f"{meeting.code}")) if code_open else "",
        "framework": framework, "criteria": frameworks.shown(framework),
        "drafts": list(meeting.drafts.all()), "answered": sum(1 for i in invitations if i.answer),
        "four_good_month": four_good_queries.checklist_month(meeting),
    })


@console_view
@require_POST
def meeting_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting page's forms: agenda, documents, invite, check-in code, attendance, minutes, draft."""
    meeting = queries.get_meeting_for_user(request.user, pk)
    require_on(request.user, Perm.MEETINGS_MANAGE, meeting.unit_path)
    action, data = request.POST.get("action", ""), request.POST
    try:
        _act(request, meeting, action, data)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        details = "; ".join(str(m) for msgs in error.field_errors.values() for m in msgs)
        messages.error(request, f"{error.message} {details}".strip())
    anchor = "#documents" if action in ("attach", "detach") else ""
    return redirect(reverse("console:meeting", args=[meeting.pk]) + anchor)


def _act(request: HttpRequest, meeting: Meeting, action: str, data: Any) -> None:
    check_posted_text(data)
    user = request.user
    if action == "agenda":
        services.set_agenda(meeting, actor=user, topic=data.get("topic", ""), agenda=data.get("agenda", ""),
                            place=data.get("place", ""))
        messages.success(request, _("The agenda was saved."))
    elif action in ("attach", "detach"):
        _act_on_document(request, meeting, action, data.get("document"))
    elif action == "invite":
        guests = [g for g in data.get("guests", "").splitlines() if g.strip()]
        n = services.invite(meeting, actor=user, guests=guests)
        messages.success(request, _("%(n)d members were invited and notified.") % {"n": n})
    elif action == "code":
        services.open_check_in(meeting, actor=user)
    elif action == "attendance":
        marks = {int(k[4:]): v for k, v in data.items() if k.startswith("att_") and k[4:].isdigit() and v}
        services.record_attendance(meeting, actor=user, marks=marks)
        messages.success(request, _("The attendance was saved."))
    elif action == "minutes":
        framework = services.framework_on(meeting)
        scores = {c["key"]: _points(data.get(f"score_{c['key']}")) for c in frameworks.shown(framework)} \
            if framework else None
        services.record_minutes(meeting, actor=user, minutes=data.get("minutes", ""),
                                resolution=data.get("resolution", ""), scores=scores)
        messages.success(request, _("The minutes were saved."))
    elif action == "draft":
        drafts.publish(meeting, actor=user, title=data.get("title", ""), text=data.get("text", ""))
        messages.success(request, _("The draft was published to the cell."))


def _act_on_document(request: HttpRequest, meeting: Meeting, action: str, raw_id: str | None) -> None:
    """Attach a library document the user may read, or take an attached one off."""
    pk = int(raw_id) if raw_id and raw_id.isdigit() else 0
    if action == "attach":
        document = library_queries.get_document_for_user(request.user, pk)
        services.attach(meeting, actor=request.user, document=document)
        messages.success(request, _("The document was attached: the members find it on the meeting's page in "
                                    "their handbook."))
    else:
        services.detach(meeting, actor=request.user, document=queries.get_attached_document(meeting, pk))
        messages.success(request, _("The document was taken off the meeting."))


def _points(raw: str | None) -> int:
    """Posted points; anything not a whole number counts as -1, which the service refuses."""
    return int(raw) if raw and raw.isdigit() else -1


def _draft_for(request: HttpRequest, pk: int) -> Draft:
    draft = Draft.objects.select_related("meeting").filter(pk=pk).first()
    if draft is None:
        raise NotFound("draft")
    queries.get_meeting_for_user(request.user, draft.meeting_id)
    return draft


@console_view
@require_http_methods(["GET", "POST"])
def draft_review(request: HttpRequest, pk: int) -> HttpResponse:
    """All comments by paragraph; a new wording or the adopted text."""
    draft = _draft_for(request, pk)
    may_manage = policy.can(request.user, Perm.MEETINGS_MANAGE, draft.meeting.unit_path)
    if request.method == "POST":
        require_on(request.user, Perm.MEETINGS_MANAGE, draft.meeting.unit_path)
        try:
            check_posted_text(request.POST)
            drafts.publish(draft.meeting, actor=request.user, title="", text=request.POST.get("text", ""),
                           adopted=request.POST.get("adopted") == "1", draft=draft)
            messages.success(request, _("The new wording was published."))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("console:draft", draft.pk)
    return render(request, "console/meetings/draft.html", {
        "draft": draft, "review": drafts.review(draft), "may_manage": may_manage})


@console_view
def draft_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The comments by paragraph as XLSX (audited)."""
    from chibo.reports.services import render_export
    from chibo.reports.tables import Column, Table

    draft = _draft_for(request, pk)
    review = drafts.review(draft)
    rows = [{"paragraph": p.number + 1, "text": p.text, "author": c.author.get_username(), "comment": c.text}
            for p in review.paragraphs for c in p.comments]
    rows += [{"paragraph": None, "text": c.quote, "author": c.author.get_username(), "comment": c.text}
             for c in review.earlier]
    table = Table(title=draft.title, subtitle=_("Comments by paragraph"), row_count=len(rows), rows=rows, columns=[
        Column("paragraph", _("Paragraph"), "int", 10), Column("text", _("Text"), "text", 60),
        Column("author", _("From"), "text", 16), Column("comment", _("Comment"), "text", 60)])
    exported = render_export(actor=request.user, tables=[table], fmt="xlsx", name=f"gop-y-{draft.pk}",
                             unit_path=draft.meeting.unit_path, params={"draft": draft.pk})
    return attachment(exported.data, exported.content_type, exported.filename)


@console_view
@replica_reads
def attendance_stats(request: HttpRequest, pk: int) -> HttpResponse:
    """Attendance per member over a year in the unit's subtree, the flagged first."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    present, marked = queries.rate(unit, year)
    return render(request, "console/meetings/attendance.html", {
        "unit": unit, "year": year, "rows": queries.attendance(unit, year), "present": present, "marked": marked,
        "rate": round(100 * present / marked, 2) if marked else None})
