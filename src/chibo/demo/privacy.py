"""Demo data of "who can see my data" (issue 13): reads and exports of the demo member's record
over the last year, so that the handbook page has something to show."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from chibo.accounts.models import User
from chibo.core import audit
from chibo.core.models import AuditEntry
from chibo.demo.accounts import demo_units

# (days before as_of, the reader's username, what: "view" with the sensitive fields shown or
# not, or "export" of the reader's unit)
READS = [
    (3, "secretary", "view", False),
    (17, "commune", "view", True),
    (45, "province", "export", False),
    (70, "secretary", "view", False),
    (130, "commune", "export", True),
    (200, "province", "view", True),
    (400, "province", "view", True),  # older than a year: not shown
]


def make_demo(as_of: dt.date) -> None:
    """Add the demo member's reads (once: nothing when the demo member already has some)."""
    member_user = User.objects.filter(username="member").select_related("member").first()
    if member_user is None or member_user.member is None:
        return
    member = member_user.member
    if AuditEntry.objects.filter(object_type="member", object_id=str(member.pk), action="members.viewed",
                                 payload__demo=True).exists():
        return
    units = demo_units()
    readers = {u.username: u for u in User.objects.filter(username__in={r[1] for r in READS})}
    scope = {"secretary": units["cell"], "commune": units["commune"], "province": units["province"]}
    noon = timezone.make_aware(dt.datetime.combine(as_of, dt.time(10, 0)))
    with transaction.atomic():
        for days, username, what, shown in READS:
            reader = readers.get(username)
            if reader is None:
                continue
            if what == "view":
                entry = audit.record("members.viewed", actor=reader, obj=member, unit_path=member.unit_path,
                                     payload={"sensitive": shown, "demo": True})
            else:
                unit = scope[username]
                entry = audit.record("members.exported", actor=reader, obj=unit, unit_path=unit.path,
                                     payload={"count": 0, "format": "xlsx", "masked": not shown, "demo": True})
            AuditEntry.objects.filter(pk=entry.pk).update(at=noon - dt.timedelta(days=days, minutes=days * 7))
