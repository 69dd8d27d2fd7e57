"""Who hears of a transfer, and when (Kind.TRANSFER; each message keyed, so a re-run adds nothing).

- The letter handed over: the receiving committee's staff, right after the commit.
- The daily job ``run`` (a working day; its window starts where the previous working day's ended,
  so weekends and Tết miss nothing): 7 and 1 working days before the start-by day, and its first
  day overdue, to the sending committee's staff (and the member); the same for the present-by day,
  to the receiving committee's staff (and the member); 10 and 1 working days before the end of a
  temporary stay, to both sides (and the member).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chibo.accounts.models import User
from chibo.accounts.roles import Perm
from chibo.core.calendar import add_working_days, is_working_day
from chibo.members.enums import Status
from chibo.members.transfers.enums import State, TransferKind
from chibo.members.transfers.models import Transfer
from chibo.notifications.models import Kind
from chibo.notifications.services import Message, holders, notify

AHEAD = (7, 1)  # working days before the start-by and present-by days
AHEAD_OF_END = (10, 1)  # working days before a temporary stay ends


def _link(transfer: Transfer) -> str:
    return reverse("console:transfer", args=[transfer.pk])


def _staff(path: str) -> list[int]:
    return [u for ids in holders(path, Perm.MEMBERS_CHANGE).values() for u in ids]


def _member_user(transfer: Transfer) -> list[int]:
    return list(User.objects.filter(member_id=transfer.member_id, is_active=True).values_list("pk", flat=True))


def letter_sent(transfer_id: int) -> int:
    transfer = Transfer.objects.select_related("member", "from_unit").get(pk=transfer_id)
    assert transfer.left_on is not None and transfer.present_by is not None
    title = _("Incoming transfer: %(name)s") % {"name": transfer.member.full_name}
    body = _("%(unit)s handed over letter %(number)s on %(day)s; it is to be presented by %(due)s.") % {
        "unit": transfer.from_unit.name, "number": transfer.letter_number,
        "day": date_format(transfer.left_on, "SHORT_DATE_FORMAT"),
        "due": date_format(transfer.present_by, "SHORT_DATE_FORMAT")}
    return notify(_staff(transfer.to_path), [Message(Kind.TRANSFER, title, body, _link(transfer),
                                                     f"transfer:{transfer.pk}:letter")])


def run(today: dt.date) -> int:
    """The reminders of ``today`` (a working day; other days send nothing)."""
    if not is_working_day(today):
        return 0
    previous = add_working_days(today, -1)
    sent = 0
    for days in (*AHEAD, 0):
        offset = days or -1  # 0: the deadline was the previous working day, today is its first day overdue
        after, until = add_working_days(previous, offset), add_working_days(today, offset)
        sent += sum(_remind(t, "start", days) for t in _due("start_by", State.DECIDED, after, until))
        sent += sum(_remind(t, "present", days) for t in _due("present_by", State.LEFT, after, until))
    for days in AHEAD_OF_END:
        window = (add_working_days(previous, days), add_working_days(today, days))
        sent += sum(_remind(t, "end", days) for t in _due("temporary_until", State.ACCEPTED, *window)
                    if t.kind == TransferKind.TEMPORARY)
    return sent


def _due(field: str, state: str, after: dt.date, until: dt.date) -> QuerySet[Transfer]:
    """Transfers in ``state`` whose ``field`` lies in (after, until]: an index range."""
    return Transfer.objects.filter(state=state, member__status__in=Status.active(),  # not a departed member
                                   **{f"{field}__gt": after, f"{field}__lte": until}).select_related(
        "member", "to_unit", "from_unit")


def _remind(transfer: Transfer, which: str, days: int) -> int:
    name = transfer.member.full_name
    due = {"start": transfer.start_by, "present": transfer.present_by, "end": transfer.temporary_until}[which]
    assert due is not None
    day = date_format(due, "SHORT_DATE_FORMAT")
    if which == "start":
        staff = _staff(transfer.from_path)
        what = _("Hand the introduction letter to %(name)s (transfer to %(unit)s) by %(day)s.")
    elif which == "present":
        staff = _staff(transfer.to_path)
        what = _("%(name)s is to present the introduction letter to %(unit)s by %(day)s.")
    else:
        staff = _staff(transfer.from_path) + _staff(transfer.to_path)
        what = _("The temporary stay of %(name)s in %(unit)s ends on %(day)s: record the return.")
    body = what % {"name": name, "unit": transfer.to_unit.name, "day": day}
    if days == 0:
        title = _("Transfer overdue: %(name)s") % {"name": name}
    else:
        title = ngettext("Transfer deadline in %(n)d working day: %(name)s",
                         "Transfer deadline in %(n)d working days: %(name)s", days) % {"n": days, "name": name}
    key = f"transfer:{transfer.pk}:{which}:{due.isoformat()}:{days}"
    return notify(set(staff) | set(_member_user(transfer)), [Message(Kind.TRANSFER, title, body, _link(transfer), key)])
