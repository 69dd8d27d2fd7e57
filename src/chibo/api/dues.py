"""API: dues (issue 13). The caller's own dues (``/me``) and a unit's arrears (scoped, keyset paged)."""
# mypy: disable-error-code="valid-type"

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from chibo.api.schemas import ERRORS, Id, UnitRef, text
from chibo.core.errors import NotFound
from chibo.core.replica import replica_reads
from chibo.dues import grounds, queries
from chibo.dues.ledger import MonthView
from chibo.members.models import Member

router = Router(tags=["dues"])


class MonthOut(Schema):
    month: dt.date = Field(description="The month's first day.")
    state: str = Field(description="paid, unpaid, partly, exempt.")
    full: int = Field(description="The amount before any reduction (VND).")
    due: int = Field(description="The amount owed after exemptions and reductions (VND).")
    paid: int
    relief: str = Field(description="The ground of an exemption or reduction (party_age, social_pension, …), or ''.")
    percent: int = Field(description="The reduction in percent (100: exempt).")
    closed: bool = Field(description="True when the cell has closed the month.")


class PaymentOut(Schema):
    month: dt.date
    amount: int
    method: str = Field(description="cash or portal.")
    receipt: str
    paid_on: dt.date


class ReliefOut(Schema):
    kind: str
    ground: str
    percent: int
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="The first month no longer covered; null: until further notice.")
    decision: str


class BasisOut(Schema):
    category: str
    income: int = Field(description="The reported income (VND): the social-insurance salary or pension; 0 for "
                                    "fixed amounts.")
    valid_from: dt.date


class MyDuesOut(Schema):
    member: int
    this_month: MonthOut | None
    basis: BasisOut | None
    reliefs: list[ReliefOut]
    party_age_exempt_from: dt.date | None
    months: list[MonthOut] = Field(description="This year's owed months.")
    unpaid: dict[int, list[dt.date]] = Field(description="Unpaid months by year (this year and last).")
    removal_threshold: int
    payments: list[PaymentOut] = Field(description="Payments since January of last year, newest first.")


class ArrearsQuery(Schema):
    year: int = Field(default_factory=lambda: timezone.localdate().year, ge=grounds.FIRST_YEAR, le=2100)
    after: text(100) | None = Field(None, description="The `next` value of the previous page.")
    limit: int = Field(50, ge=1, le=200)


class CountsOut(Schema):
    members: int
    months: int
    amount: int


class UnitCountsOut(CountsOut):
    unit: UnitRef


class ArrearOut(Schema):
    member_id: int
    member_name: str
    cell: UnitRef
    months: int = Field(description="Unpaid closed months of the year.")
    amount: int
    unpaid_months: list[dt.date] = Field(description="Every unpaid month of the year up to today, closed or not.")
    removal_ground: bool = Field(description="True when the unpaid months reach the removal threshold.")


class ArrearsOut(Schema):
    unit: UnitRef
    year: int
    total: CountsOut
    units: list[UnitCountsOut] = Field(description="The child units with members in arrears (first page only).")
    items: list[ArrearOut]
    removal_threshold: int
    next: str | None = Field(description="Pass as ?after= for the next page; null on the last.")


def _month(v: MonthView) -> dict[str, Any]:
    return {"month": v.month, "state": v.state, "full": v.full, "due": v.due, "paid": v.paid,
            "relief": v.relief, "percent": v.percent, "closed": v.closed}


def _ref(unit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


@router.get("/me", response={200: MyDuesOut, **ERRORS}, summary="My dues: amount, months, payments")
def dues_me(request):
    member_id = getattr(request.auth, "member_id", None)
    member = Member.objects.filter(pk=member_id).first() if member_id else None
    if member is None:
        raise NotFound(_("Your account is not linked to a member record."))
    d = queries.member_dues(member, today=timezone.localdate())
    return {
        "member": member.pk, "this_month": _month(d.now) if d.now else None,
        "basis": None if d.basis is None else {"category": d.basis.category, "income": d.basis.income,
                                               "valid_from": d.basis.valid_from},
        "reliefs": [{"kind": r.kind, "ground": r.ground, "percent": r.percent, "valid_from": r.valid_from,
                     "valid_to": r.valid_to, "decision": r.decision} for r in d.reliefs],
        "party_age_exempt_from": d.party_age_exempt_from, "months": [_month(v) for v in d.months],
        "unpaid": d.unpaid, "removal_threshold": d.threshold,
        "payments": [{"month": p.month, "amount": p.amount, "method": p.method, "receipt": p.receipt,
                      "paid_on": p.paid_on} for p in d.payments],
    }


@router.get("/units/{unit_id}/arrears", response={200: ArrearsOut, **ERRORS},
            summary="Members in arrears in a unit's subtree, by unit then member, paged")
@replica_reads
def unit_arrears(request, unit_id: Id, params: Query[ArrearsQuery]):
    unit = queries.get_unit_for_user(request.auth, unit_id)
    page = queries.arrears_page(unit, params.year, after=params.after, today=timezone.localdate(),
                                size=params.limit, with_children=not params.after)
    return {
        "unit": _ref(unit), "year": params.year, "total": page.total.__dict__,
        "units": [{"unit": _ref(u), **c.__dict__} for u, c in page.children],
        "items": [{"member_id": a.member_id, "member_name": a.member.full_name, "cell": _ref(a.unit),
                   "months": a.months, "amount": a.amount, "unpaid_months": months,
                   "removal_ground": len(months) >= page.threshold} for a, months in page.rows],
        "removal_threshold": page.threshold, "next": page.next_cursor,
    }
