"""Demo data of the transfers of party activity (issue 13): one of each situation, so that every
list of the transfers page has something to show.

- an official transfer from the demo cell to the sibling province, its letter handed over ten days
  ago (in transit: the sibling province's officer sees it in its incoming list, limited);
- one completed within the demo commune three months ago (accepted, on time);
- one decided four months ago whose letter was never handed over (overdue: past its start-by day);
- a temporary transfer into the demo cell from the sibling province (study, ending in three weeks);
- one cancelled.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from chibo.accounts.models import User
from chibo.accounts.policy import SYSTEM
from chibo.demo.accounts import demo_units
from chibo.members.enums import Status
from chibo.members.models import Member, Transfer
from chibo.members.transfers import services
from chibo.members.transfers.enums import Reason, TransferKind
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

BODY = "Ban Thường vụ Đảng ủy {}"


def make_demo(as_of: dt.date) -> None:
    """Add the demo transfers (once: nothing when transfers exist)."""
    if Transfer.objects.exists():
        return
    units = demo_units()
    cell, commune, sibling = units["cell"], units["commune"], units["sibling"]
    other_cell = _cell(commune, exclude=cell)
    far_cell = _cell(sibling)
    if other_cell is None or far_cell is None:
        return
    linked = set(User.objects.filter(member__isnull=False).values_list("member_id", flat=True))
    here = [m for m in Member.objects.filter(unit=cell, status=Status.OFFICIAL).order_by("-pk")[:12]
            if m.pk not in linked]
    there = [m for m in Member.objects.filter(unit=far_cell, status=Status.OFFICIAL).order_by("-pk")[:4]
             if m.pk not in linked]
    if len(here) < 4 or not there:
        return
    day = lambda n: as_of - dt.timedelta(days=n)  # noqa: E731
    body = BODY.format(commune.name)
    with transaction.atomic():
        out = _decide(here[0], sibling, day(30), body, "21-QĐ/ĐU", Reason.JOB_CHANGE)
        services.hand_over_letter(out, actor=SYSTEM, on=day(10), letter_number="118-GGT")
        done = _decide(here[1], commune, day(120), body, "14-QĐ/ĐU", Reason.RESIDENCE)
        services.hand_over_letter(done, actor=SYSTEM, on=day(110), letter_number="97-GGT")
        services.record_presented(done, actor=SYSTEM, on=day(95))
        services.accept_transfer(done, actor=SYSTEM, cell=other_cell, on=day(94))
        _decide(here[2], sibling, day(125), body, "9-QĐ/ĐU", Reason.RETIREMENT)  # never handed over: overdue
        cancelled = _decide(here[3], commune, day(60), body, "17-QĐ/ĐU", Reason.JOB_CHANGE)
        services.cancel_transfer(cancelled, actor=SYSTEM, on=day(50), note="Đồng chí không chuyển công tác nữa")
        visiting = services.decide_transfer(
            there[0], actor=SYSTEM, kind=TransferKind.TEMPORARY, reason=Reason.STUDY, to_unit=cell,
            decided_on=day(160), decided_by=BODY.format(far_cell.parent.name if far_cell.parent else sibling.name),
            decision_number="5-QĐ/ĐU", temporary_until=day(160) + dt.timedelta(days=183))
        services.hand_over_letter(visiting, actor=SYSTEM, on=day(155), letter_number="31-GGT")
        services.accept_transfer(visiting, actor=SYSTEM, cell=cell, on=day(150))


def _decide(member: Member, to_unit: Unit, on: dt.date, body: str, number: str, reason: str) -> Transfer:
    return services.decide_transfer(member, actor=SYSTEM, kind=TransferKind.OFFICIAL, reason=reason,
                                    to_unit=to_unit, decided_on=on, decided_by=body, decision_number=number)


def _cell(unit: Unit, exclude: Unit | None = None) -> Unit | None:
    cells = Unit.objects.subtree(unit).filter(kind__in=UnitKind.member_holding(), closed_on__isnull=True)
    if exclude is not None:
        cells = cells.exclude(pk=exclude.pk)
    cells = cells.order_by("path")
    return next((c for c in cells[:50] if c.members.filter(status=Status.OFFICIAL).count() >= 5), None)
