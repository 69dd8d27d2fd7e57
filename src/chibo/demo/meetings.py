"""The demo cell's next meeting: a thematic meeting a week ahead, with its agenda, the invitations
sent, and two library documents attached for the members to read (the Central Committee's
resolution and the commune's plan to study it). Made through the services, as the demo secretary.
Nothing is done when the cell already has a coming meeting with documents."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from chibo.accounts.models import User
from chibo.accounts.policy import SYSTEM
from chibo.demo.accounts import demo_units
from chibo.library import services as library
from chibo.library.models import Document
from chibo.meetings import services
from chibo.meetings.models import Kind, Meeting, MeetingDocument, State
from chibo.org.models import Unit

SAMPLE_NOTE = "Văn bản mẫu của bản trình diễn Chibo, rút gọn: toàn văn xem tại nguồn chính thức."
RESOLUTION = {"kind": "resolution", "number": "21-NQ/TW", "issued_on": dt.date(2022, 6, 16),
              "issuing_body": "Ban Chấp hành Trung ương",
              "title": "Về tăng cường củng cố, xây dựng tổ chức cơ sở đảng và nâng cao chất lượng đội ngũ "
                       "đảng viên trong giai đoạn mới"}
AGENDA = ("1. Quán triệt Nghị quyết 21-NQ/TW và kế hoạch học tập của Đảng ủy.\n"
          "2. Đảng viên thảo luận, liên hệ với nhiệm vụ của chi bộ.\n"
          "3. Thông qua chương trình hành động của chi bộ.")


def make_demo_meeting(today: dt.date) -> int:
    """Returns the number of documents attached (0 when the demo already has them)."""
    units = demo_units()
    cell, commune = units["cell"], units["commune"]
    start = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    if MeetingDocument.objects.filter(meeting__unit=cell, meeting__starts_at__gte=start).exists():
        return 0
    secretary = User.objects.get(username="secretary")
    meeting = _next_meeting(cell, secretary, today)
    plan = {"kind": "plan", "number": "15-KH/ĐU", "issued_on": today - dt.timedelta(days=10),
            "issuing_body": f"Ban Thường vụ Đảng ủy {commune.name}",
            "title": "Kế hoạch học tập, quán triệt Nghị quyết 21-NQ/TW trong các chi bộ"}
    documents = [_document(units["root"], RESOLUTION), _document(commune, plan)]
    for document in documents:
        services.attach(meeting, actor=secretary, document=document)
    return len(documents)


def _next_meeting(cell: Unit, secretary: User, today: dt.date) -> Meeting:
    meeting = (Meeting.objects.filter(unit=cell, starts_at__date__gt=today, state__in=[State.PLANNED, State.INVITED])
               .order_by("starts_at").first())
    if meeting is None:
        starts = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=7), dt.time(19, 30)))
        meeting = services.create_meeting(actor=secretary, unit=cell, kind=Kind.THEMATIC, starts_at=starts,
                                          place="Hội trường nhà văn hóa")
    if not meeting.topic:
        meeting = services.set_agenda(meeting, actor=secretary, topic="Học tập, quán triệt Nghị quyết 21-NQ/TW",
                                      agenda=AGENDA)
    if meeting.state == State.PLANNED:
        services.invite(meeting, actor=secretary)
    return meeting


def _document(unit: Unit, data: dict) -> Document:
    found = Document.objects.filter(number=data["number"], unit=unit).first()
    if found is not None:
        return found
    return library.publish(actor=SYSTEM, unit=unit, data=data, upload=SimpleUploadedFile(
        f"{data['number'].replace('/', '-')}.pdf", _pdf(data["title"]), content_type="application/pdf"))


def _pdf(title: str) -> bytes:
    import weasyprint

    html = f"<h1>{escape(title)}</h1><p>{escape(SAMPLE_NOTE)}</p>"
    return weasyprint.HTML(string=html).write_pdf()
