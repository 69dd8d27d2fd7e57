"""Every write to meetings, as a verb: generate the month's meetings, set the agenda, attach the
library documents to read, invite, answer, check in with the code, take attendance, record the
minutes and the score."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.rulebook import rule
from chibo.library import queries as library_queries
from chibo.library.models import Document
from chibo.meetings.models import (
    Answer,
    Attendance,
    Invitation,
    Kind,
    Meeting,
    MeetingDocument,
    Schedule,
    State,
)
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.org import paths
from chibo.org.models import Unit
from chibo.quality import frameworks
from chibo.quality.enums import FrameworkKind
from chibo.quality.models import Framework


def _require(actor: Any, path: str) -> None:
    if not policy.can(actor, Perm.UNITS_VIEW, path):
        raise NotFound("meeting")
    if not policy.can(actor, Perm.MEETINGS_MANAGE, path):
        raise PermissionDenied(_("You may view this meeting but not manage it."))


def _aware(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def generate_month(first: dt.date) -> int:
    """Create the regular meeting of every scheduled cell for the month of ``first`` (a job run
    early each month; running it again adds nothing). Returns the number created."""
    first = first.replace(day=1)
    schedules = Schedule.objects.select_related("unit").filter(unit__closed_on__isnull=True)
    meetings = [Meeting(unit=s.unit, unit_path=s.unit.path, kind=Kind.REGULAR, place=s.place,
                        starts_at=_aware(first.replace(day=s.day), s.time)) for s in schedules]
    before = Meeting.objects.filter(kind=Kind.REGULAR, starts_at__date__gte=first).count()
    Meeting.objects.bulk_create(meetings, ignore_conflicts=True, batch_size=2000)
    return Meeting.objects.filter(kind=Kind.REGULAR, starts_at__date__gte=first).count() - before


@transaction.atomic
def set_schedule(*, actor: Any, unit: Unit, day: int, time: dt.time, place: str = "") -> Schedule:
    """When the cell's regular meeting takes place each month (the 1st's job creates it)."""
    _require(actor, unit.path)
    if not unit.holds_members:
        raise DomainError(_("Only a cell has a monthly meeting."))
    if not 1 <= day <= 28:
        raise DomainError(_("The schedule was not saved."), {"day": [_("Give a day from 1 to 28.")]})
    schedule, _created = Schedule.objects.update_or_create(
        unit=unit, defaults={"day": day, "time": time, "place": place.strip()[:200]})
    audit.record("meetings.schedule_set", actor=actor, obj=unit, unit_path=unit.path,
                 payload={"day": day, "time": time.isoformat(timespec="minutes")})
    return schedule


@transaction.atomic
def create_meeting(*, actor: Any, unit: Unit, kind: str, starts_at: dt.datetime, place: str = "",
                   topic: str = "") -> Meeting:
    """A meeting outside the schedule (thematic, committee, standing committee)."""
    _require(actor, unit.path)
    if kind not in Kind.values:
        raise DomainError(_("Choose a kind of meeting."), {"kind": [_("Choose a kind of meeting.")]})
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(unit=unit, unit_path=unit.path, kind=kind, starts_at=starts_at,
                                             place=place, topic=topic)
    except IntegrityError as exc:
        raise DomainError(_("This unit already has such a meeting at that time."),
                          {"starts_at": [_("Choose another time.")]}) from exc
    audit.record("meetings.created", actor=actor, obj=meeting, unit_path=unit.path,
                 payload={"kind": kind, "starts_at": starts_at.isoformat()})
    return meeting


def agenda_deadline(meeting: Meeting) -> dt.date:
    """The day the topic and agenda should be set by: the configured day of the month before
    (the 20th by default)."""
    start = timezone.localtime(meeting.starts_at).date()
    month_before = (start.replace(day=1) - dt.timedelta(days=1))
    return month_before.replace(day=min(int(rule("meetings.topic_deadline_day", on=start)), 28))


@transaction.atomic
def set_agenda(meeting: Meeting, *, actor: Any, topic: str, agenda: str, place: str | None = None) -> Meeting:
    _require(actor, meeting.unit_path)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state in (State.HELD, State.CANCELLED):
        raise DomainError(_("This meeting is over: its agenda cannot change."))
    if not topic.strip():
        raise DomainError(_("The agenda was not saved."), {"topic": [_("Give the meeting's topic.")]})
    meeting.topic, meeting.agenda, meeting.agenda_set_at = topic.strip(), agenda.strip(), timezone.now()
    if place is not None:
        meeting.place = place.strip()
    meeting.save(update_fields=["topic", "agenda", "agenda_set_at", "place"])
    audit.record("meetings.agenda_set", actor=actor, obj=meeting, unit_path=meeting.unit_path,
                 payload={"topic": meeting.topic, "late": timezone.localdate() > agenda_deadline(meeting)})
    return meeting


@transaction.atomic
def attach(meeting: Meeting, *, actor: Any, document: Document) -> MeetingDocument:
    """Attach a library document to the meeting, for the members to read before it (from their
    handbook, also offline). Its audience must cover the meeting's cell. Attaching it again
    changes nothing."""
    _require(actor, meeting.unit_path)
    if not library_queries.visible_documents(actor).filter(pk=document.pk).exists():
        raise NotFound("document")
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state in (State.HELD, State.CANCELLED):
        raise DomainError(_("This meeting is over: no more documents can be attached."))
    if not paths.is_within(meeting.unit_path, document.unit_path):
        raise DomainError(_("The members of this cell cannot read this document: it is addressed to another unit. "
                            "Choose a document addressed to the cell or to a unit above it."))
    found = MeetingDocument.objects.filter(meeting=meeting, document=document).first()
    if found is not None:
        return found
    last = MeetingDocument.objects.filter(meeting=meeting).order_by("-position").first()
    link = MeetingDocument.objects.create(meeting=meeting, document=document, added_by=_user(actor),
                                          position=last.position + 1 if last else 1)
    audit.record("meetings.document_attached", actor=actor, obj=meeting, unit_path=meeting.unit_path,
                 payload={"document": document.pk, "number": document.number})
    return link


@transaction.atomic
def detach(meeting: Meeting, *, actor: Any, document: Document) -> bool:
    """Take a document off the meeting; whether it was attached."""
    _require(actor, meeting.unit_path)
    deleted, _by_model = MeetingDocument.objects.filter(meeting=meeting, document=document).delete()
    if deleted:
        audit.record("meetings.document_detached", actor=actor, obj=meeting, unit_path=meeting.unit_path,
                     payload={"document": document.pk, "number": document.number})
    return deleted > 0


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def invitees(unit: Unit) -> Iterable[int]:
    """Who a cell's meeting invites: its active members who are not exempted and not temporarily
    in another cell, and the members temporarily attached to it."""
    own = Q(unit=unit, temp_unit__isnull=True)
    visiting = Q(temp_unit=unit)
    return (Member.objects.filter(own | visiting, status__in=[Status.OFFICIAL, Status.PROBATIONARY])
            .values_list("pk", flat=True))


@transaction.atomic
def invite(meeting: Meeting, *, actor: Any, guests: Iterable[str] = ()) -> int:
    """Invite the members (and guests) and tell them; a second call adds only the newcomers."""
    _require(actor, meeting.unit_path)
    meeting = Meeting.objects.select_for_update().select_related("unit").get(pk=meeting.pk)
    if meeting.state in (State.HELD, State.CANCELLED):
        raise DomainError(_("This meeting is over: no more invitations."))
    if not meeting.topic:
        raise DomainError(_("Set the topic and agenda before inviting."), {"topic": [_("Give the meeting's topic.")]})
    added = _invite_members(meeting, list(invitees(meeting.unit)))
    Invitation.objects.bulk_create([Invitation(meeting=meeting, guest=g.strip()) for g in guests if g.strip()])
    meeting.state = State.INVITED
    meeting.save(update_fields=["state"])
    audit.record("meetings.invited", actor=actor, obj=meeting, unit_path=meeting.unit_path, payload={"members": added})
    transaction.on_commit(lambda: _notify_invited(meeting.pk))
    return added


def _invite_members(meeting: Meeting, member_ids: list[int]) -> int:
    before = Invitation.objects.filter(meeting=meeting).count()
    Invitation.objects.bulk_create([Invitation(meeting=meeting, member_id=m) for m in member_ids],
                                   ignore_conflicts=True, batch_size=2000)
    return Invitation.objects.filter(meeting=meeting).count() - before


def _notify_invited(meeting_id: int) -> None:
    from chibo.meetings import reminders

    reminders.invited(meeting_id)


def _own_invitation(actor: Any, meeting: Meeting) -> Invitation:
    member_id = getattr(actor, "member_id", None)
    invitation = Invitation.objects.filter(meeting=meeting, member_id=member_id).first() if member_id else None
    if invitation is None:
        raise NotFound("meeting")
    return invitation


@transaction.atomic
def answer(meeting: Meeting, *, actor: Any, attending: bool, reason: str = "") -> Invitation:
    """A member answers their invitation: attending, or absent with a reason."""
    invitation = _own_invitation(actor, meeting)
    if meeting.state in (State.HELD, State.CANCELLED):
        raise DomainError(_("This meeting is over."))
    if not attending and not reason.strip():
        raise DomainError(_("Your answer was not sent."), {"reason": [_("Say why you cannot attend.")]})
    invitation.answer = Answer.ATTENDING if attending else Answer.ABSENT
    invitation.reason, invitation.answered_at = ("" if attending else reason.strip()[:500]), timezone.now()
    invitation.save(update_fields=["answer", "reason", "answered_at"])
    return invitation


@transaction.atomic
def open_check_in(meeting: Meeting, *, actor: Any) -> Meeting:
    """Give the meeting a check-in code (shown as a QR code on the secretary's screen), valid
    from now until a few hours after the start."""
    _require(actor, meeting.unit_path)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.code = f"{secrets.randbelow(10**6):06d}"
    hours = int(rule("meetings.check_in_hours", on=timezone.localtime(meeting.starts_at).date()))
    meeting.code_expires_at = max(meeting.starts_at, timezone.now()) + dt.timedelta(hours=hours)
    meeting.save(update_fields=["code", "code_expires_at"])
    return meeting


def check_in(meeting: Meeting, *, actor: Any, code: str) -> tuple[Invitation, bool]:
    """A member checks in with the code; returns (invitation, whether it was new). A wrong or
    expired code is refused; checking in twice changes nothing. After
    ``meetings.check_in_attempts`` wrong codes the member is refused: the secretary records them."""
    invitation = _own_invitation(actor, meeting)
    meeting = Meeting.objects.get(pk=meeting.pk)
    if invitation.attendance == Attendance.PRESENT:
        return invitation, False
    attempts = int(rule("meetings.check_in_attempts", on=timezone.localtime(meeting.starts_at).date()))
    if invitation.wrong_codes >= attempts:
        raise DomainError(_("Too many wrong codes: ask the secretary to record your attendance."))
    if not meeting.code or not secrets.compare_digest(code.strip(), meeting.code):
        Invitation.objects.filter(pk=invitation.pk).update(wrong_codes=F("wrong_codes") + 1)  # kept: not atomic
        raise DomainError(_("This is not the code of this meeting."), {"code": [_("Check the code on the screen.")]})
    if meeting.code_expires_at is None or timezone.now() > meeting.code_expires_at:
        raise DomainError(_("The check-in for this meeting has closed: ask the secretary to record you."),
                          {"code": [_("The code has expired.")]})
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.attendance == Attendance.PRESENT:
            return invitation, False
        invitation.attendance, invitation.checked_in_at = Attendance.PRESENT, timezone.now()
        invitation.save(update_fields=["attendance", "checked_in_at"])
    return invitation, True


@transaction.atomic
def record_attendance(meeting: Meeting, *, actor: Any, marks: dict[int, str]) -> int:
    """The secretary's attendance sheet: invitation id → present / excused / unexcused."""
    _require(actor, meeting.unit_path)
    bad = [i for i, mark in marks.items() if mark not in Attendance.values]
    if bad:
        raise DomainError(_("Choose present, absent with a reason or absent without a reason for everyone."))
    rows = {i.pk: i for i in Invitation.objects.select_for_update().filter(meeting=meeting, pk__in=list(marks))}
    for pk, mark in marks.items():
        if pk in rows:
            rows[pk].attendance = mark
    Invitation.objects.bulk_update(list(rows.values()), ["attendance"])
    audit.record("meetings.attendance", actor=actor, obj=meeting, unit_path=meeting.unit_path,
                 payload={"marked": len(rows)})
    return len(rows)


@transaction.atomic
def record_minutes(meeting: Meeting, *, actor: Any, minutes: str, resolution: str = "",
                   scores: dict[str, int] | None = None) -> Meeting:
    """The minutes and the resolution after the meeting, and its quality score on the criteria
    framework in force on the meeting's day. The meeting is then held."""
    _require(actor, meeting.unit_path)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not minutes.strip():
        raise DomainError(_("The minutes were not saved."), {"minutes": [_("Write the minutes.")]})
    if scores is not None:
        meeting.scores, meeting.score = _scored(meeting, scores)
    meeting.minutes, meeting.resolution, meeting.state = minutes.strip(), resolution.strip(), State.HELD
    meeting.save(update_fields=["minutes", "resolution", "state", "scores", "score"])
    audit.record("meetings.minutes", actor=actor, obj=meeting, unit_path=meeting.unit_path,
                 payload={"score": str(meeting.score) if meeting.score is not None else None})
    return meeting


def framework_on(meeting: Meeting) -> Framework | None:
    """The meeting-quality criteria in force for the meeting's unit on its day (``quality.frameworks``)."""
    return frameworks.in_force(FrameworkKind.MEETING, meeting.unit_path, timezone.localtime(meeting.starts_at).date())


def _scored(meeting: Meeting, scores: dict[str, int]) -> tuple[dict[str, int], Decimal]:
    framework = framework_on(meeting)
    if framework is None:
        raise DomainError(_("No criteria framework is in force for this meeting's date."))
    return frameworks.score(framework, scores)


def invite_all(*, actor: Any, unit: Unit, first: dt.date) -> int:
    """Invite the members of every meeting of the month of ``first`` in ``unit``'s subtree that
    has a topic (a committee's "send all the month's invitations"): two INSERT … SELECT for the
    invitations, then one INSERT … SELECT of notifications per meeting. Returns invitations added."""
    from django.db import connection

    from chibo.meetings import reminders

    _require(actor, unit.path)
    start = timezone.make_aware(dt.datetime.combine(first.replace(day=1), dt.time()))
    end = timezone.make_aware(dt.datetime.combine((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1),
                                                  dt.time()))
    ready = list(Meeting.objects.filter(policy.subtree_q("unit_path", unit.path), starts_at__gte=start,
                                        starts_at__lt=end, state__in=[State.PLANNED, State.INVITED])
                 .exclude(topic="").values_list("pk", flat=True))
    if not ready:
        return 0
    marks = ", ".join(["%s"] * len(ready))
    statuses = [Status.OFFICIAL.value, Status.PROBATIONARY.value]
    joins = ("mem.unit_id = m.unit_id AND mem.temp_unit_id IS NULL", "mem.temp_unit_id = m.unit_id")
    added = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for join in joins:  # the joins and the marks are fixed text; every value is a parameter
            cursor.execute(
                "INSERT INTO meetings_invitation (meeting_id, member_id, guest, answer, reason, attendance) "
                f"SELECT m.id, mem.id, '', '', '', '' FROM meetings_meeting m JOIN members_member mem ON {join} "
                f"WHERE m.id IN ({marks}) AND mem.status IN (%s, %s) ON CONFLICT DO NOTHING", [*ready, *statuses])
            added += max(cursor.rowcount, 0)
        Meeting.objects.filter(pk__in=ready).update(state=State.INVITED)
        reminders.invited_many(ready)
        audit.record("meetings.invited_all", actor=actor, obj=unit, unit_path=unit.path,
                     payload={"month": first.replace(day=1).isoformat(), "meetings": len(ready), "invitations": added})
    return added
