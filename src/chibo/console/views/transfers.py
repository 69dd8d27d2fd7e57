"""Console pages: transfers of party activity (issue 13).

A unit's page (outgoing, incoming, overdue; filtered by state), a transfer's page with the forms
of the steps the user's side may take, the decision form on a member, the whole cell at once, and
the introduction letter (DOCX). The receiving side sees, until it accepts, only the limited
dossier (``members.transfers.queries``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error, styled
from chibo.console.views.common import attachment, console_view
from chibo.console.widgets import DayInput
from chibo.core import audit
from chibo.core.errors import DomainError
from chibo.core.forms import TypedTextForm
from chibo.members import queries as member_queries
from chibo.members.enums import Status
from chibo.members.models import Member
from chibo.members.transfers import cells, letter, queries, rules, services
from chibo.members.transfers.enums import Reason, State, Step, TransferKind
from chibo.members.transfers.models import Transfer
from chibo.org import queries as org_queries
from chibo.org.enums import UnitKind
from chibo.org.models import Unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_CELLS = 300  # the receiving cells offered in a list; beyond, the cell's code is typed


def _day(label: Any, required: bool = True) -> forms.DateField:
    """A day field; a required one starts at today."""
    return forms.DateField(label=label, widget=DayInput(), required=required,
                           initial=timezone.localdate if required else None)


class UnitCodeInput(forms.TextInput):
    """The code typed, or picked from the units whose name or code matches what is typed (any
    province: a unit's name and code are no secret; its members are)."""

    template_name = "console/transfers/_unit_input.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = {**(attrs or {}), "list": f"{name}-units", "autocomplete": "off",
                 "hx-get": reverse("console:transfer_units"), "hx-trigger": "input changed delay:300ms",
                 "hx-target": f"#{name}-units", "hx-swap": "innerHTML"}
        return super().get_context(name, value, attrs)


class UnitCodeField(forms.CharField):
    """A unit named by its code (the sender may name a unit outside its own scope)."""

    widget = UnitCodeInput

    def clean(self, value: Any) -> Unit | None:  # type: ignore[override]
        code = super().clean(value)
        if not code:
            return None
        unit = Unit.objects.filter(code=code.strip()).first()
        if unit is None:
            raise forms.ValidationError(_("No unit has this code."))
        return unit


class DecideForm(TypedTextForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TransferKind.choices)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Reason.choices)
    to_unit = UnitCodeField(label=gettext_lazy("Receiving unit (its code)"), max_length=32,
                            help_text=gettext_lazy("The committee or cell the member goes to, in any province: "
                                                   "type a word of its name and pick it, or type its code."))
    decided_on = _day(gettext_lazy("Decision date"))
    decided_by = forms.CharField(label=gettext_lazy("Deciding body"), max_length=200)
    decision_number = forms.CharField(label=gettext_lazy("Decision number"), max_length=64, required=False)
    temporary_until = _day(gettext_lazy("Temporary until (temporary transfers)"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=255, required=False)


class CellForm(TypedTextForm):
    to_unit = UnitCodeField(label=gettext_lazy("Receiving unit (its code)"), max_length=32,
                            help_text=gettext_lazy("Type a word of its name and pick it, or type its code."))
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Reason.choices,
                               initial=Reason.ORGANIZATION_CLOSED)
    decided_on = _day(gettext_lazy("Decision date"))
    decided_by = forms.CharField(label=gettext_lazy("Deciding body"), max_length=200)
    decision_number = forms.CharField(label=gettext_lazy("Decision number"), max_length=64, required=False)
    letters_on = _day(gettext_lazy("Letters handed over on (leave empty if not yet)"), required=False)
    accept_into = UnitCodeField(label=gettext_lazy("Accept at once into the cell (its code; only within your scope)"),
                                max_length=32, required=False)


class HandOverForm(TypedTextForm):
    on = _day(gettext_lazy("Handed over on"))
    letter_number = forms.CharField(label=gettext_lazy("Letter number"), max_length=32, required=False,
                                    help_text=gettext_lazy("Leave empty to number it automatically."))


class PresentForm(TypedTextForm):
    on = _day(gettext_lazy("Presented on"))


class AcceptForm(TypedTextForm):
    on = _day(gettext_lazy("Accepted on"))
    excuse_lateness = forms.BooleanField(label=gettext_lazy("The delay had a valid reason (no gap in party age)"),
                                         required=False)

    def __init__(self, *args: Any, cells: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if 0 < len(cells) <= MAX_CELLS:
            self.fields["cell"] = forms.TypedChoiceField(label=_("Cell"), coerce=int,
                                                         choices=[(c.pk, c.name) for c in cells])
        else:
            self.fields["cell"] = UnitCodeField(label=_("Cell (its code)"), max_length=32)
        self.order_fields(["cell", "on", "excuse_lateness"])


class ReturnForm(TypedTextForm):
    on = _day(gettext_lazy("Returned on"))


class CancelForm(TypedTextForm):
    on = _day(gettext_lazy("Cancelled on"))
    note = forms.CharField(label=gettext_lazy("Why"), max_length=255)


STEP_FORMS: dict[str, type[TypedTextForm]] = {
    Step.HAND_OVER: HandOverForm, Step.PRESENT: PresentForm, Step.ACCEPT: AcceptForm, Step.RETURN: ReturnForm,
    Step.CANCEL: CancelForm,
}


def _receiving_cells(user: Any, transfer: Transfer) -> list[Unit]:
    receiving = services.receiving_unit(transfer)  # the successor of a unit closed in transit
    if receiving is None:
        return []
    return list(Unit.objects.subtree(receiving.path).filter(kind__in=UnitKind.member_holding(),
                                                              closed_on__isnull=True)
                .filter(policy.scope_for(user, Perm.MEMBERS_CHANGE).q("path"))
                .order_by("name_folded", "pk")[:MAX_CELLS + 1])


def _steps_for(user: Any, transfer: Transfer) -> list[str]:
    """The steps the user's side may take now."""
    allowed = rules.allowed_steps(transfer.state, transfer.kind)
    send, receive = services.may_send(user, transfer.from_path), services.may_receive(user, transfer.to_path)
    return [s for s in allowed if (s in rules.SENDER_STEPS and send) or (s in rules.RECEIVER_STEPS and receive)
            or (s == Step.RETURN and (send or receive))]


def _form(step: str, user: Any, transfer: Transfer, data: Any = None) -> forms.BaseForm:
    if step == Step.ACCEPT:
        return styled(AcceptForm(data, cells=_receiving_cells(user, transfer), prefix=step))
    return styled(STEP_FORMS[step](data, prefix=step))


@console_view
def unit_transfers(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    today = timezone.localdate()
    direction = request.GET.get("show", queries.OUTGOING)
    direction = direction if direction in queries.DIRECTIONS else queries.OUTGOING
    state = request.GET.get("state", "")
    state = state if state in State.values else ""
    return render(request, "console/transfers/unit.html", {
        "unit": unit, "today": today, "show": direction, "state": state, "states": State.choices,
        "page": queries.for_unit(request.user, unit, direction, today=today, state=state,
                                 after=request.GET.get("after")),
        "counts": queries.counts(request.user, unit, today),
        "may_move_cell": unit.holds_members and unit.is_open and services.may_send(request.user, unit.path),
    })


@console_view
def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = queries.get_transfer_for_user(request.user, pk)
    full = queries.is_full(request.user, transfer)
    return render(request, "console/transfers/detail.html", _detail_context(request, transfer, full))


def _detail_context(request: HttpRequest, transfer: Transfer, full: bool,
                    failed: tuple[str, forms.BaseForm] | None = None) -> dict[str, Any]:
    steps = _steps_for(request.user, transfer)
    step_forms = [(s, Step(s).label, failed[1] if failed and failed[0] == s else _form(s, request.user, transfer))
                  for s in steps]
    member_visible = member_queries.members_for_user(request.user).filter(pk=transfer.member_id).exists()
    return {"transfer": transfer, "full": full, "step_forms": step_forms, "member_visible": member_visible,
            "may_print": queries.may_print_letter(request.user, transfer),
            "today": timezone.localdate(), "overdue": rules.is_overdue(
                state=transfer.state, start_by=transfer.start_by, present_by=transfer.present_by,
                today=timezone.localdate())}


@console_view
@require_POST
def transfer_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    transfer = queries.get_transfer_for_user(request.user, pk)
    if step not in STEP_FORMS:
        raise Http404(step)
    if step not in _steps_for(request.user, transfer) and step in rules.allowed_steps(transfer.state, transfer.kind):
        raise Forbidden(step)
    form = _form(step, request.user, transfer, request.POST)
    if form.is_valid():
        try:
            _run(step, request.user, transfer, form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Recorded: %(step)s.") % {"step": Step(step).label})
            return redirect("console:transfer", transfer.pk)
    full = queries.is_full(request.user, transfer)
    return render(request, "console/transfers/detail.html", _detail_context(request, transfer, full, (step, form)),
                  status=400 if form.errors else 200)


def _run(step: str, user: Any, transfer: Transfer, data: dict[str, Any]) -> None:
    if step == Step.HAND_OVER:
        services.hand_over_letter(transfer, actor=user, on=data["on"], letter_number=data["letter_number"])
    elif step == Step.PRESENT:
        services.record_presented(transfer, actor=user, on=data["on"])
    elif step == Step.ACCEPT:
        cell = data["cell"] if isinstance(data["cell"], Unit) else Unit.objects.get(pk=data["cell"])
        services.accept_transfer(transfer, actor=user, cell=cell, on=data["on"],
                                 excuse_lateness=data["excuse_lateness"])
    elif step == Step.RETURN:
        services.return_from_temporary(transfer, actor=user, on=data["on"])
    else:
        services.cancel_transfer(transfer, actor=user, on=data["on"], note=data["note"])


@console_view
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The sending committee's decision to transfer a member."""
    member = member_queries.get_member_for_user(request.user, pk)
    if not services.may_send(request.user, member.unit_path):
        raise Forbidden("transfer")
    form = styled(DecideForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            transfer = services.decide_transfer(
                member, actor=request.user, kind=data["kind"], reason=data["reason"], to_unit=data["to_unit"],
                decided_on=data["decided_on"], decided_by=data["decided_by"],
                decision_number=data["decision_number"], temporary_until=data["temporary_until"], note=data["note"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The transfer of %(name)s was recorded.") % {"name": member.full_name})
            return redirect("console:transfer", transfer.pk)
    return render(request, "console/transfers/form.html", {
        "form": form, "member": member, "unit": member.unit, "title": _("Transfer %(name)s") % {
            "name": member.full_name}})


@console_view
@require_http_methods(["GET", "POST"])
def cell_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Every active member of a cell at once (an enterprise closes): all or nothing."""
    cell = org_queries.get_unit_for_user(request.user, pk=pk)
    if not cell.holds_members:
        raise Http404("not a cell")
    if not services.may_send(request.user, cell.path):
        raise Forbidden("transfer")
    form = styled(CellForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = cells.transfer_cell(
                cell, actor=request.user, to_unit=data["to_unit"], decided_on=data["decided_on"],
                decided_by=data["decided_by"], decision_number=data["decision_number"], reason=data["reason"],
                letters_on=data["letters_on"], accept_into=data["accept_into"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("%(n)d members of %(cell)s were transferred.") % {"n": len(done),
                                                                                          "cell": cell.name})
            return redirect(f"{reverse('console:transfers', args=[cell.pk])}?show=outgoing")
    going = list(Member.objects.filter(unit=cell, status__in=Status.active()).order_by("name_folded", "pk")
                 .values_list("full_name", flat=True))
    return render(request, "console/transfers/form.html", {
        "form": form, "unit": cell, "whole_cell": True, "going": going,
        "title": _("Transfer the whole cell %(cell)s") % {"cell": cell.name}})


@console_view
def transfer_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The introduction letter (DOCX): for those who see the whole dossier; audited (it carries
    the member's particulars)."""
    transfer = queries.get_transfer_for_user(request.user, pk)
    if not queries.is_full(request.user, transfer):
        raise Forbidden("letter")
    if not queries.may_print_letter(request.user, transfer):
        raise Http404("letter")  # accepted elsewhere: the member is out of the sender's scope
    data = letter.letter(transfer)
    filename = f"giay-gioi-thieu-{transfer.pk}.docx"
    # an export of one member's paper: on their "who can see my data" page (core.audit_queries)
    audit.record("reports.exported", actor=request.user, obj=transfer, unit_path=transfer.member.unit_path,
                 payload={"kind": "transfer_letter", "format": "docx", "member": transfer.member_id,
                          "title": f"Giấy giới thiệu sinh hoạt đảng ({filename})"})
    return attachment(data, DOCX, filename)


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member page's panel for transfers: their transfers and the button to start one."""
    rows = queries.of_member(request.user, member)
    in_one = any(r.transfer.is_open for r in rows)
    may_start = member.is_active and not in_one and services.may_send(request.user, member.unit_path)
    if not rows and not may_start:
        return None
    return {"template": "console/transfers/_panel.html", "rows": rows, "may_start": may_start, "member": member}


@console_view
def receiving_units(request: HttpRequest) -> HttpResponse:
    """The unit picker of the transfer forms (htmx): open units of any province by name or code, for
    whoever may send a transfer somewhere."""
    user = request.user
    if not (policy.has_perm_anywhere(user, Perm.MEMBERS_CHANGE) or policy.has_perm_anywhere(user, Perm.MEMBERS_DECIDE)):
        raise Forbidden
    text = next((request.GET[k] for k in ("to_unit", "accept_into", "q") if request.GET.get(k)), "")[:80]
    units = org_queries.matching_units(Unit.objects.select_related("parent"), text, limit=15) if text.strip() else []
    return render(request, "console/transfers/_unit_options.html", {"units": units})


urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/transfers/", unit_transfers, name="transfers"),
    path("transfers/receiving-units/", receiving_units, name="transfer_units"),
    path("units/<int:pk>/transfers/whole-cell/", cell_transfer, name="transfer_cell"),
    path("members/<int:pk>/transfers/new/", transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", transfer_detail, name="transfer"),
    path("transfers/<int:pk>/letter.docx", transfer_letter, name="transfer_letter"),
    path("transfers/<int:pk>/<str:step>/", transfer_step, name="transfer_step"),
]
