"""Console pages: party dues (issue 13).

A unit's dues page (the month's closed figures, the shares kept and remitted, closing a month,
reopening a cell's month for the committee), a cell's register (members × months), the arrears
list at any scope, a member's dues (basis, exemptions and reductions, cash payments) and the
upload of the public-service portal's statement (the imports' job page follows it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error, styled
from chibo.console.views.common import console_view, require_on
from chibo.console.widgets import DayInput
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm
from chibo.core.replica import replica_reads
from chibo.dues import closing, grounds, queries, rules, services
from chibo.dues.enums import Category, MonthState, ReliefGround, ReliefKind
from chibo.dues.models import MonthClose
from chibo.members import queries as member_queries
from chibo.members.models import Member
from chibo.org import paths

# ---- forms ------------------------------------------------------------------------------------


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month picker) or MM/YYYY: its first day."""

    widget = MonthInput

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        try:
            month, year = text.split("/") if "/" in text else reversed(text.split("-")[:2])
            return dt.date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as MM/YYYY.")) from None

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


def _this_month() -> dt.date:
    return rules.month_of(timezone.localdate())


def _last_month() -> dt.date:
    """The latest month that has ended (the one a cell usually closes)."""
    return rules.add_months(_this_month(), -1)


class BasisForm(TypedTextForm):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    income = forms.IntegerField(label=gettext_lazy("Income of the previous month (VND)"), min_value=0, required=False,
                                help_text=gettext_lazy("The social-insurance salary or the pension; empty for the "
                                                       "fixed amounts."))
    from_month = MonthField(label=gettext_lazy("From month"), initial=_this_month)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


class ReliefForm(TypedTextForm):
    kind = forms.ChoiceField(label=gettext_lazy("Decision"), choices=ReliefKind.choices)
    ground = forms.ChoiceField(label=gettext_lazy("Ground"),
                               choices=[c for c in ReliefGround.choices if c[0] != ReliefGround.PARTY_AGE])
    percent = forms.TypedChoiceField(label=gettext_lazy("Reduction"), coerce=int, required=False,
                                     choices=[("", "—")] + [(p, f"{p} %") for p in rules.REDUCTION_PERCENTS])
    from_month = MonthField(label=gettext_lazy("From month"), initial=_this_month)
    months = forms.IntegerField(label=gettext_lazy("For how many months"), min_value=1, required=False,
                                help_text=gettext_lazy("A reduction: 1 to 12. An exemption: empty until further "
                                                       "notice."))
    decision = forms.CharField(label=gettext_lazy("Decision (number, deciding body)"), max_length=128)
    decided_on = forms.DateField(label=gettext_lazy("Decided on"), widget=DayInput(), initial=timezone.localdate)


class PaymentForm(TypedTextForm):
    months = forms.MultipleChoiceField(label=gettext_lazy("Months paid"), widget=forms.CheckboxSelectMultiple)
    amount = forms.IntegerField(label=gettext_lazy("Amount received (VND)"), min_value=1)
    receipt = forms.CharField(label=gettext_lazy("Receipt number"), max_length=64)
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DayInput(), initial=timezone.localdate)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = choices  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    month = MonthField(label=gettext_lazy("Month to close"), initial=_last_month)
    early = forms.BooleanField(label=gettext_lazy("Close it before the month ends"), required=False)


class StatementForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("The portal's statement (CSV or XLSX)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx", "class": "form-control"}))


# ---- helpers ----------------------------------------------------------------------------------

def _year(request: HttpRequest) -> int:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if grounds.FIRST_YEAR <= year <= today.year + 1 else today.year


def _month(request: HttpRequest, default: dt.date | None = None) -> dt.date:
    value = MonthField(required=False).to_python(request.GET.get("month", ""))
    return value if isinstance(value, dt.date) else (default or _this_month())



def _member(request: HttpRequest, pk: int) -> Member:
    return member_queries.get_member_for_user(request.user, pk)


def _payable_choices(dues: queries.MemberDues) -> list[tuple[str, str]]:
    return [(v.month.isoformat(), f"{v.month:%m/%Y} — {v.due:,} đ".replace(",", "."))
            for v in dues.months if v.state == MonthState.UNPAID and not v.closed]


def _member_context(request: HttpRequest, member: Member, **forms_: forms.BaseForm) -> dict[str, Any]:
    user = request.user
    dues = queries.member_dues(member, today=timezone.localdate())
    manage = policy.can(user, Perm.DUES_MANAGE, member.unit_path)
    record = policy.can(user, Perm.DUES_RECORD, member.unit_path)
    return {
        "member": member, "dues": dues, "may_manage": manage, "may_record": record,
        "basis_form": forms_.get("basis") or (styled(BasisForm()) if manage else None),
        "relief_form": forms_.get("relief") or (styled(ReliefForm()) if manage else None),
        "payment_form": forms_.get("payment") or (
            styled(PaymentForm(choices=_payable_choices(dues))) if record else None),
    }


# ---- a member's dues --------------------------------------------------------------------------

@console_view
def member_dues(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    return render(request, "console/dues/member.html", _member_context(request, member))


def _member_post(request: HttpRequest, member: Member, form: forms.Form, key: str,
                 save: Callable[[dict[str, Any]], object], done: str) -> HttpResponse:
    """A form of the member's dues page: saved through ``save`` and back to the page, or the page
    again with the form's errors (400)."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, done)
            return redirect("console:member_dues", member.pk)
    return render(request, "console/dues/member.html", _member_context(request, member, **{key: form}), status=400)


@console_view
@require_POST
def member_basis(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    require_on(request.user, Perm.DUES_MANAGE, member.unit_path)
    return _member_post(request, member, styled(BasisForm(request.POST)), "basis", lambda data: services.set_basis(
        member, actor=request.user, category=data["category"], income=data["income"] or 0,
        from_month=data["from_month"], note=data["note"]), _("The dues basis was saved."))


@console_view
@require_POST
def member_relief(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    require_on(request.user, Perm.DUES_MANAGE, member.unit_path)
    form = styled(ReliefForm(request.POST))
    return _member_post(request, member, form, "relief", lambda data: services.decide_relief(
        member, actor=request.user, kind=data["kind"], ground=data["ground"], percent=data["percent"] or 100,
        from_month=data["from_month"], months=data["months"], decision=data["decision"],
        decided_on=data["decided_on"]), _("The decision was saved."))


@console_view
@require_POST
def member_payment(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    require_on(request.user, Perm.DUES_RECORD, member.unit_path)
    dues = queries.member_dues(member, today=timezone.localdate())
    form = styled(PaymentForm(request.POST, choices=_payable_choices(dues)))
    return _member_post(request, member, form, "payment", lambda data: services.record_payment(
        member, actor=request.user, amount=data["amount"], receipt=data["receipt"],
        months=[dt.date.fromisoformat(v) for v in data["months"]], paid_on=data["paid_on"]),
        _("The payment was recorded."))


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member page's panel for dues: this month's amount, reliefs, unpaid months."""
    dues = queries.member_dues(member, today=timezone.localdate())
    return {"template": "console/dues/_panel.html", "member": member, "dues": dues,
            "may_change": policy.can(request.user, Perm.DUES_RECORD, member.unit_path)
            or policy.can(request.user, Perm.DUES_MANAGE, member.unit_path)}


# ---- a unit: figures, closing, register, arrears, statement -----------------------------------

@console_view
def unit_dues(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.get_unit_for_user(request.user, pk)
    month = _month(request, default=_last_month())
    summary = queries.remittance(unit, month)
    parent_path = unit.path[: -paths.STEP]
    return render(request, "console/dues/unit.html", {
        "unit": unit, "month": month, "summary": summary,
        "close_form": CloseForm(initial={"month": month}) if policy.can(request.user, Perm.DUES_RECORD, unit.path)
        else None,
        "may_reopen": bool(parent_path) and policy.can(request.user, Perm.DUES_MANAGE, parent_path),
        "may_import": policy.can(request.user, Perm.DUES_RECORD, unit.path),
    })


@console_view
@require_POST
def unit_close(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.get_unit_for_user(request.user, pk)
    require_on(request.user, Perm.DUES_RECORD, unit.path)
    form = CloseForm(request.POST)
    month = form.cleaned_data["month"] if form.is_valid() else None
    if month is None:
        messages.error(request, _("Enter a month as MM/YYYY."))
        return redirect("console:dues", unit.pk)
    if month >= _this_month() and not form.cleaned_data.get("early"):
        messages.error(request, _("%(m)s has not ended: members may still pay. Nothing was closed. To close it now, "
                                  "tick “Close it before the month ends”.") % {"m": f"{month:%m/%Y}"})
        return redirect(f"{_url('console:dues', unit.pk)}?month={month:%Y-%m}")
    try:
        closed = closing.close_month(unit, month, actor=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(m)s closed for %(n)d cells.") % {"m": f"{month:%m/%Y}", "n": closed})
    return redirect(f"{_url('console:dues', unit.pk)}?month={month:%Y-%m}")


@console_view
@require_POST
def close_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    close = MonthClose.objects.filter(pk=pk).first()
    if close is None or not policy.can(request.user, Perm.MEMBERS_VIEW, close.unit_path):
        raise NotFound("close")
    try:
        closing.reopen_month(close, actor=request.user)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("%(m)s is open again: the cell may change it and close it again.")
                         % {"m": f"{close.month:%m/%Y}"})
    return redirect(f"{_url('console:dues', close.unit_id)}?month={close.month:%Y-%m}")


@console_view
def unit_register(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.get_unit_for_user(request.user, pk)
    if not unit.holds_members:
        raise NotFound("register")
    year = _year(request)
    return render(request, "console/dues/register.html", {
        "unit": unit, "year": year, "register": queries.register(unit, year, today=timezone.localdate()),
        "may_record": policy.can(request.user, Perm.DUES_RECORD, unit.path),
    })


@console_view
@replica_reads
def unit_arrears(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.get_unit_for_user(request.user, pk)
    year = _year(request)
    page = queries.arrears_page(unit, year, after=request.GET.get("after"), today=timezone.localdate())
    return render(request, "console/dues/arrears.html", {"unit": unit, "year": year, "page": page})


@console_view
@require_http_methods(["GET", "POST"])
def unit_statement(request: HttpRequest, pk: int) -> HttpResponse:
    unit = queries.get_unit_for_user(request.user, pk)
    require_on(request.user, Perm.DUES_RECORD, unit.path)
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from chibo.imports.services import submit_import

        try:
            job = submit_import(actor=request.user, kind="dues_portal", uploaded_file=form.cleaned_data["file"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return redirect("console:import_job", job.pk)
    return render(request, "console/dues/statement.html", {"unit": unit, "form": form})


def _url(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/dues/", unit_dues, name="dues"),
    path("units/<int:pk>/dues/close/", unit_close, name="dues_close"),
    path("units/<int:pk>/dues/register/", unit_register, name="dues_register"),
    path("units/<int:pk>/dues/arrears/", unit_arrears, name="dues_arrears"),
    path("units/<int:pk>/dues/statement/", unit_statement, name="dues_statement"),
    path("dues/closes/<int:pk>/reopen/", close_reopen, name="dues_reopen"),
    path("members/<int:pk>/dues/", member_dues, name="member_dues"),
    path("members/<int:pk>/dues/basis/", member_basis, name="member_dues_basis"),
    path("members/<int:pk>/dues/relief/", member_relief, name="member_dues_relief"),
    path("members/<int:pk>/dues/payment/", member_payment, name="member_dues_payment"),
]
