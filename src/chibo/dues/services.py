"""Every write of party dues but the month close (:mod:`chibo.dues.closing`) and the portal
statement (:mod:`chibo.dues.portal`): a member's basis, reliefs, and cash payments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.rulebook import rule
from chibo.dues import rules
from chibo.dues.enums import Category, Method, MonthState, ReliefGround, ReliefKind
from chibo.dues.ledger import LEFT, MonthView, member_months
from chibo.dues.models import Basis, MonthClose, MonthLine, Payment, Relief
from chibo.members.enums import PlacementKind
from chibo.members.models import Member, Placement


def require(actor: Any, perm: str, path: str, *, what: str = "member") -> None:
    """404 outside the actor's view scope, 403 inside it without ``perm``."""
    if not policy.can(actor, Perm.MEMBERS_VIEW, path) and not policy.can(actor, perm, path):
        raise NotFound(what)
    if not policy.can(actor, perm, path):
        raise PermissionDenied(_("You may view the dues here but not change them."))


def _locked(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def set_basis(member: Member, *, actor: Any, category: str, income: int, from_month: dt.date,
              note: str = "") -> Basis:
    """The member's dues basis from ``from_month`` on (until the next recorded basis)."""
    require(actor, Perm.DUES_MANAGE, member.unit_path)
    month = rules.month_of(from_month)
    errors: dict[str, list] = {}
    if category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    if not isinstance(income, int) or income < 0:
        errors["income"] = [_("Enter the income in whole đồng (VND), zero or more.")]
    elif category in Category.with_income() and income == 0:
        errors["income"] = [_("Enter the social-insurance salary or the pension of the previous month.")]
    if errors:
        raise DomainError(_("The dues basis was not saved."), errors)
    with transaction.atomic():
        _locked(member)
        if Basis.objects.filter(member_id=member.pk, valid_from=month).exists():
            raise DomainError(_("A basis from this month is already recorded; choose the next month."),
                              {"from_month": [_("Already recorded for %(month)s.") % {"month": f"{month:%m/%Y}"}]})
        later = Basis.objects.filter(member_id=member.pk, valid_from__gt=month).order_by("valid_from").first()
        Basis.objects.filter(member_id=member.pk, valid_from__lt=month).filter(
            valid_to__isnull=True).update(valid_to=month)
        Basis.objects.filter(member_id=member.pk, valid_from__lt=month, valid_to__gt=month).update(valid_to=month)
        basis = Basis.objects.create(member_id=member.pk, category=category, income=income, valid_from=month,
                                     valid_to=later.valid_from if later else None, note=note[:255],
                                     recorded_by=actor if getattr(actor, "pk", None) else None)
        audit.record("dues.basis_set", actor=actor, obj=member, unit_path=member.unit_path,
                     payload={"category": category, "from": month.isoformat()})
    return basis


def decide_relief(member: Member, *, actor: Any, kind: str, ground: str, from_month: dt.date,
                  months: int | None, decision: str, decided_on: dt.date, percent: int = 100) -> Relief:
    """An exemption (open-ended when ``months`` is None) or a reduction of 30/50/70 % for 1–12 months."""
    require(actor, Perm.DUES_MANAGE, member.unit_path)
    month = rules.month_of(from_month)
    errors: dict[str, list] = {}
    if kind not in ReliefKind.values:
        errors["kind"] = [_("Choose an exemption or a reduction.")]
    if ground not in ReliefGround.values or ground == ReliefGround.PARTY_AGE:
        errors["ground"] = [_("Choose the ground (a party age of 50 years needs no decision: it applies by itself).")]
    if kind == ReliefKind.REDUCTION:
        longest = int(rule("dues.reduction_max_months", on=month))
        if percent not in rules.REDUCTION_PERCENTS:
            errors["percent"] = [_("A reduction is 30, 50 or 70 %.")]
        if months is None or not 1 <= months <= longest:
            errors["months"] = [_("A reduction lasts 1 to %(n)d months.") % {"n": longest}]
    else:
        percent = 100
        if months is not None and months < 1:
            errors["months"] = [_("Leave empty for an exemption until further notice, or enter 1 or more.")]
    if not decision.strip():
        errors["decision"] = [_("Enter the decision's number and date.")]
    if errors:
        raise DomainError(_("The decision was not saved."), errors)
    until = rules.add_months(month, months) if months else None
    with transaction.atomic():
        _locked(member)
        overlap = Relief.objects.filter(member_id=member.pk, valid_from__lt=until or dt.date.max).exclude(
            valid_to__lte=month)
        if overlap.exists():
            raise DomainError(_("Another exemption or reduction covers these months: end it first."),
                              {"from_month": [_("Months already covered.")]})
        relief = Relief.objects.create(member_id=member.pk, kind=kind, ground=ground, percent=percent,
                                       valid_from=month, valid_to=until, decision=decision.strip()[:128],
                                       decided_on=decided_on,
                                       recorded_by=actor if getattr(actor, "pk", None) else None)
        audit.record("dues.relief_decided", actor=actor, obj=member, unit_path=member.unit_path,
                     payload={"kind": kind, "ground": ground, "percent": percent, "from": month.isoformat(),
                              "until": until.isoformat() if until else None})
    return relief


def end_relief(relief: Relief, *, actor: Any, last_month: dt.date) -> Relief:
    """The relief covers months up to ``last_month`` and no later."""
    member = relief.member
    require(actor, Perm.DUES_MANAGE, member.unit_path)
    stop = rules.add_months(rules.month_of(last_month), 1)
    if stop <= relief.valid_from or (relief.valid_to is not None and stop > relief.valid_to):
        raise DomainError(_("Choose a last month within the decision's months."),
                          {"last_month": [_("Outside the decision's months.")]})
    with transaction.atomic():
        relief = Relief.objects.select_for_update().get(pk=relief.pk)
        relief.valid_to = stop
        relief.save(update_fields=["valid_to"])
        audit.record("dues.relief_ended", actor=actor, obj=member, unit_path=member.unit_path,
                     payload={"relief": relief.pk, "until": stop.isoformat()})
    return relief


def _last_day(member: Member, month: dt.date, end: dt.date) -> dt.date:
    """The member's last day of ``month`` as a member: its end, or the day before leaving."""
    if member.status in LEFT and member.status_since and month < member.status_since <= end:
        return member.status_since - dt.timedelta(days=1)
    return end


def closed_for(members: list[Member], months: list[dt.date]) -> set[tuple[int, dt.date]]:
    """The (member id, month) pairs of ``months`` that are closed for the member: the month has a
    line in an open close, or the cell of that month (the official placement covering its last
    day, or the day before a leaving in the month; the current cell without one) has closed it.
    Three queries for any number of members."""
    if not members or not months:
        return set()
    pks = [m.pk for m in members]
    closed = set(MonthLine.objects.filter(member_id__in=pks, close__month__in=months, close__reopened_at__isnull=True)
                 .values_list("member_id", "close__month"))
    ends = {month: rules.month_end(month) for month in months}
    places: dict[int, list[tuple[dt.date, dt.date | None, int]]] = {pk: [] for pk in pks}
    for pk, start, stop, unit_id in (Placement.objects.filter(member_id__in=pks, kind=PlacementKind.OFFICIAL,
                                                              valid_from__lte=max(ends.values()))
                                     .exclude(valid_to__lt=min(months))
                                     .values_list("member_id", "valid_from", "valid_to", "unit_id")):
        places[pk].append((start, stop, unit_id))
    cells: dict[tuple[int, dt.date], int] = {}
    for m in members:
        for month, end in ends.items():
            day = _last_day(m, month, end)
            cells[(m.pk, month)] = next((u for start, stop, u in places[m.pk]
                                         if start <= day and (stop is None or stop > day)), m.unit_id)
    shut = set(MonthClose.objects.filter(unit_id__in=set(cells.values()), month__in=months, reopened_at__isnull=True)
               .values_list("unit_id", "month"))
    return closed | {key for key, unit_id in cells.items() if (unit_id, key[1]) in shut}


def payable(member: Member, months: list[dt.date], *, today: dt.date) -> dict[dt.date, MonthView]:
    """The views of ``months`` a payment may cover; a DomainError names the months that may not."""
    views: dict[dt.date, MonthView] = {}
    for year in sorted({m.year for m in months}):
        for view in member_months([member.pk], year, today=today).get(member.pk, []):
            views[view.month] = view
    errors = []
    closed = {month for _pk, month in closed_for([member], months)}
    for month in months:
        v = views.get(month)
        label = f"{month:%m/%Y}"
        if month in closed:
            errors.append(_("%(m)s is closed: ask the committee to reopen it first.") % {"m": label})
        elif v is None:
            errors.append(_("%(m)s is not owed (before admission, after leaving, or not yet begun).") % {"m": label})
        elif v.state == MonthState.EXEMPT:
            errors.append(_("%(m)s is exempt.") % {"m": label})
        elif v.paid:
            errors.append(_("%(m)s is already paid.") % {"m": label})
    if errors:
        raise DomainError(_("The payment was not recorded."), {"months": errors})
    return views


def split(total: int, dues: list[int]) -> list[int]:
    """Each month gets its due; what is paid beyond the sum goes to the last month (voluntary)."""
    if not isinstance(total, int) or total < sum(dues):
        raise DomainError(_("The amount is less than the dues of these months (%(sum)s đ): record fewer months.")
                          % {"sum": f"{sum(dues):,}".replace(",", ".")},
                          {"amount": [_("Too small for the months chosen.")]})
    parts = list(dues)
    parts[-1] += total - sum(dues)
    return parts


def record_payment(member: Member, *, actor: Any, months: list[dt.date], amount: int, receipt: str,
                   paid_on: dt.date | None = None) -> list[Payment]:
    """A cash payment to the cell, with its receipt number, covering one or more months."""
    require(actor, Perm.DUES_RECORD, member.unit_path)
    today = timezone.localdate()
    paid_on = paid_on or today
    months = sorted({rules.month_of(m) for m in months})
    if not months:
        raise DomainError(_("Choose the month or months paid."), {"months": [_("Choose at least one month.")]})
    if not receipt.strip():
        raise DomainError(_("Enter the receipt number."), {"receipt": [_("Required for a cash payment.")]})
    if paid_on > today:
        raise DomainError(_("The payment date cannot be in the future."), {"paid_on": [_("After today.")]})
    with transaction.atomic():
        _locked(member)
        views = payable(member, months, today=today)
        parts = split(amount, [views[m].due for m in months])
        rows = [Payment(member_id=member.pk, month=m, amount=a, method=Method.CASH, receipt=receipt.strip()[:64],
                        paid_on=paid_on, unit_id=member.unit_id,
                        recorded_by=actor if getattr(actor, "pk", None) else None)
                for m, a in zip(months, parts, strict=True)]
        Payment.objects.bulk_create(rows)
        audit.record("dues.payment_recorded", actor=actor, obj=member, unit_path=member.unit_path,
                     payload={"months": [m.isoformat() for m in months], "amount": amount, "receipt": receipt})
    return rows
