"""Demo data of party dues: the demo cell's bases, a reduction and an exemption, this year's cash
payments with receipts (one member three months behind, one paying on the portal), and every past
month of the year closed for the cell."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from chibo.accounts.policy import SYSTEM
from chibo.demo.accounts import demo_units
from chibo.dues import closing, rules, services
from chibo.dues.enums import Category, Method, ReliefGround, ReliefKind
from chibo.dues.ledger import member_months
from chibo.dues.models import Basis, Payment
from chibo.members.enums import Occupation, Status
from chibo.members.models import Member


def _category(m: Member) -> tuple[str, int]:
    if m.is_retired:
        return Category.PENSIONER, 4_200_000 + (m.pk % 9) * 350_000
    if m.occupation == Occupation.STUDENT:
        return Category.STUDENT, 0
    if m.occupation in (Occupation.CIVIL_SERVANT, Occupation.ENTERPRISE_EMPLOYEE, Occupation.WORKER):
        return Category.SALARIED, 6_500_000 + (m.pk % 13) * 420_000
    return Category.OTHER, 0


def make_demo(as_of: dt.date) -> None:
    """Add the demo dues (once: nothing when bases exist)."""
    if Basis.objects.exists():
        return
    cell = demo_units()["cell"]
    members = list(Member.objects.filter(unit=cell, status__in=Status.active()).order_by("pk"))
    if len(members) < 4:
        return
    first = dt.date(as_of.year, 1, 1)
    with transaction.atomic():
        for m in members:
            category, income = _category(m)
            services.set_basis(m, actor=SYSTEM, category=category, income=income, from_month=first,
                               note="Kê khai đầu năm")
        services.decide_relief(members[1], actor=SYSTEM, kind=ReliefKind.REDUCTION, ground=ReliefGround.HARDSHIP,
                               percent=50, from_month=first, months=6, decision="NQ 03-NQ/CB",
                               decided_on=first - dt.timedelta(days=10))
        services.decide_relief(members[2], actor=SYSTEM, kind=ReliefKind.EXEMPTION,
                               ground=ReliefGround.SERIOUS_ILLNESS, from_month=rules.add_months(first, 3), months=None,
                               decision="NQ 11-NQ/CB", decided_on=rules.add_months(first, 3) - dt.timedelta(days=5))
        _payments(members, as_of)
        for month in rules.months_between(first, rules.month_of(as_of)):
            closing.close_month(cell, month, actor=SYSTEM)


def _payments(members: list[Member], as_of: dt.date) -> None:
    """Every owed month paid in cash by the 10th of the next, but the last three of members[0] and
    the last of members[3]; members[4] pays on the portal."""
    behind = {members[0].pk: 3, members[3].pk: 1}
    months = member_months([m.pk for m in members], as_of.year, today=as_of)
    receipt = 1
    for m in members:
        owed = [v for v in months.get(m.pk, []) if v.due and v.month < rules.month_of(as_of)]
        for view in owed[: len(owed) - behind.get(m.pk, 0)]:
            paid_on = min(view.month + dt.timedelta(days=9), as_of)
            portal = len(members) > 4 and m.pk == members[4].pk
            Payment.objects.create(member=m, month=view.month, amount=view.due, paid_on=paid_on, unit_id=m.unit_id,
                                   method=Method.PORTAL if portal else Method.CASH,
                                   portal_ref=f"DVC{view.month:%y%m}{m.pk:07d}" if portal else None,
                                   receipt=f"DVC{view.month:%y%m}{m.pk:07d}" if portal else f"BL-{receipt:04d}")
            receipt += 1
