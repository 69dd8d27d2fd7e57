"""Demo data of exemption, removal, discipline and leaving (issue 13), in the demo cell, one of each
situation so that the member page's panel and the committee's pages have something to show:

- a member exempted for age and health seven months ago, and one temporarily exempted while
  working far away (ending in five months);
- a removal proposal awaiting the commune committee, on 3 absences without reason this year (the
  cell's meetings, when the demo has held some; the cell's account otherwise);
- a member removed from the list three months ago, with a complaint pending;
- a warning decided by the cell two months ago;
- a member who died last month.

Made through the services (tallies, party-age gaps and audit lines as in real use), with the
system as the actor; members with an account (the personas) are left alone.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chibo.accounts.policy import SYSTEM
from chibo.demo.accounts import demo_units
from chibo.meetings.models import Attendance, Invitation
from chibo.members.enums import ExemptionKind, RemovalGround, Status
from chibo.members.leaving import complaints, services
from chibo.members.leaving.models import Exemption, Removal
from chibo.members.models import Member


def make_demo(as_of: dt.date) -> None:
    """Add the demo leaving records (once: nothing when exemptions or removals exist)."""
    if Exemption.objects.exists() or Removal.objects.exists():
        return
    cell = demo_units()["cell"]
    day = lambda n: as_of - dt.timedelta(days=n)  # noqa: E731
    settled = Q(status_since__lte=day(230)) | Q(status_since__isnull=True)  # official before the first event
    members = list(Member.objects.filter(settled, unit=cell, status=Status.OFFICIAL, account__isnull=True,
                                         temp_unit__isnull=True).order_by("-pk")[:6])
    if len(members) < 6:
        return
    elder, away, absent, gone, warned, late = members
    with transaction.atomic():
        services.exempt(elder, actor=SYSTEM, kind=ExemptionKind.AGE_HEALTH, applied_on=day(220),
                        reason="Tuổi cao, sức khỏe yếu, xin miễn công tác và sinh hoạt đảng", resolved_on=day(210),
                        resolution="14-NQ/CB")
        services.exempt(away, actor=SYSTEM, kind=ExemptionKind.WORKING_AWAY, applied_on=day(45),
                        reason="Đi làm ăn xa tại Bình Dương, không có điều kiện sinh hoạt", resolved_on=day(40),
                        resolution="21-NQ/CB", ends_on=day(40) + dt.timedelta(days=180))
        _absences(absent, as_of)
        services.propose_removal(absent, actor=SYSTEM, ground=RemovalGround.ABSENCES, proposed_on=day(6),
                                 proposal="25-NQ/CB", year=as_of.year,
                                 note="Ba lần bỏ sinh hoạt không lý do; chi bộ đã nhắc nhở nhưng không chuyển biến")
        removal = services.propose_removal(gone, actor=SYSTEM, ground=RemovalGround.NO_PROGRESS, proposed_on=day(110),
                                           proposal="17-NQ/CB", year=as_of.year,
                                           note="Sau 12 tháng giáo dục không tiến bộ, không tham gia sinh hoạt")
        removal = services.decide_removal(removal, actor=SYSTEM, decided_on=day(95), decision="102-QĐ/ĐU")
        complaints.lodge(gone, actor=SYSTEM, against=removal, lodged_on=day(80),
                         text="Đề nghị xem xét lại vì có hoàn cảnh gia đình khó khăn")
        services.discipline(warned, actor=SYSTEM, kind="warning", decided_on=day(60), body=cell.name,
                            decision="03-QĐ/CB", reason="Vi phạm quy định về sinh hoạt đảng")
        services.record_death(late, actor=SYSTEM, on=day(30), cause="Bệnh nặng", report="BC-05/CB")


def _absences(member: Member, as_of: dt.date) -> None:
    """Mark three of the cell's held meetings this year as absences without reason, when there are."""
    start = timezone.make_aware(dt.datetime(as_of.year, 1, 1))
    rows = list(Invitation.objects.filter(member=member, meeting__starts_at__gte=start,
                                          meeting__starts_at__lt=timezone.now()).order_by("meeting__starts_at")[:3])
    Invitation.objects.filter(pk__in=[r.pk for r in rows]).update(attendance=Attendance.UNEXCUSED)
