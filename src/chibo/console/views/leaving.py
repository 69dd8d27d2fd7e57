"""Console pages: leaving (issue 13). The member page's panel (the history of exemptions, removals,
sanctions, departures and complaints, the grounds the data offers, the actions the user may take),
one form page per action, a removal proposal's page for the committee, the removal candidates of
a cell or grassroots organization, and the committee's pending proposals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error, styled
from chibo.console.views.common import console_view, require_on
from chibo.console.widgets import DayInput
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm
from chibo.members import queries as member_queries
from chibo.members.enums import (
    ComplaintOutcome,
    DisciplineKind,
    ExemptionKind,
    RemovalGround,
    RemovalState,
    Status,
)
from chibo.members.leaving import complaints, grounds, queries, rules, services
from chibo.members.leaving.models import Complaint, Removal
from chibo.members.models import Member
from chibo.org import queries as org_queries

CELL, COMMITTEE = "cell", "committee"


class LeavingForm(TypedTextForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        styled(self)


def _day(label: Any, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, widget=DayInput(), required=required, help_text=help_text)


def _text(label: Any, max_length: int = 128, required: bool = True, area: bool = False,
          help_text: Any = "") -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3}) if area else None
    return forms.CharField(label=label, max_length=max_length, required=required, widget=widget, help_text=help_text)


class ExemptForm(LeavingForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ExemptionKind.choices)
    applied_on = _day(gettext_lazy("The member's application dated"))
    reason = _text(gettext_lazy("Reason (age and health, work far away)"), 255)
    resolved_on = _day(gettext_lazy("Exempted from (the cell's resolution)"))
    resolution = _text(gettext_lazy("Cell resolution number"))
    ends_on = _day(gettext_lazy("Planned end (temporary exemption only)"), required=False)


class ReturnForm(LeavingForm):
    asked_on = _day(gettext_lazy("The member asked to return on"))
    returned_on = _day(gettext_lazy("Active again from (the cell's resolution)"))
    resolution = _text(gettext_lazy("Cell resolution number"))


class ProposeForm(LeavingForm):
    ground = forms.ChoiceField(label=gettext_lazy("Ground"), choices=RemovalGround.choices)
    proposed_on = _day(gettext_lazy("Cell resolution dated"))
    proposal = _text(gettext_lazy("Cell resolution number"))
    note = _text(gettext_lazy("The cell's account"), 500, required=False, area=True, help_text=gettext_lazy(
        "Required when the registry shows no evidence for the ground: dates, the cell's own records."))


class SanctionForm(LeavingForm):
    kind = forms.ChoiceField(label=gettext_lazy("Sanction"), choices=DisciplineKind.choices)
    decided_on = _day(gettext_lazy("Decided on"))
    body = _text(gettext_lazy("Deciding body (as on the decision)"), 200)
    decision = _text(gettext_lazy("Decision number"))
    reason = _text(gettext_lazy("Violation"), 255)
    bars_readmission = forms.BooleanField(label=gettext_lazy(
        "Expulsion for corruption or a serious crime: never readmitted"), required=False)


class ResignForm(LeavingForm):
    on = _day(gettext_lazy("Resigned on (the committee's decision)"))
    decision = _text(gettext_lazy("Decision number"))
    cause = _text(gettext_lazy("The member's reason"), 255, required=False)


class DeathForm(LeavingForm):
    on = _day(gettext_lazy("Date of death"))
    cause = _text(gettext_lazy("Cause of death"), 255)
    report = _text(gettext_lazy("The cell's report (number)"), required=False)


class ComplaintForm(LeavingForm):
    against = forms.ChoiceField(label=gettext_lazy("Decision contested"))
    lodged_on = _day(gettext_lazy("Lodged on"))
    text = _text(gettext_lazy("What the member contests"), 500, area=True)

    def __init__(self, *args: Any, member: Member, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.subjects = {_key(r): r for r in queries.contestable(member)}
        field = self.fields["against"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(k, _subject_label(r)) for k, r in self.subjects.items()]


class SettleForm(LeavingForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=[
        c for c in ComplaintOutcome.choices if c[0] != ComplaintOutcome.PENDING])
    decided_on = _day(gettext_lazy("Settled on"))
    body = _text(gettext_lazy("Settled by (committee)"), 200)
    decision = _text(gettext_lazy("Decision number"))
    changed_to = forms.ChoiceField(label=gettext_lazy("New sanction (when changed)"), required=False,
                                   choices=[("", "—"), *DisciplineKind.choices])


class DecideForm(LeavingForm):
    decided_on = _day(gettext_lazy("Decided on"))
    decision = _text(gettext_lazy("Decision number (when removed)"), required=False)
    refusal = _text(gettext_lazy("Why not (when refused)"), 500, required=False, area=True)


def _key(record: Any) -> str:
    return f"{'removal' if isinstance(record, Removal) else 'discipline'}:{record.pk}"


def _subject_label(record: Any) -> str:
    if isinstance(record, Removal):
        return _("Removal from the list, %(day)s (%(number)s)") % {
            "day": record.decided_on.strftime("%d/%m/%Y") if record.decided_on else "", "number": record.decision}
    return _("%(kind)s, %(day)s (%(number)s)") % {
        "kind": record.get_kind_display(), "day": record.decided_on.strftime("%d/%m/%Y"), "number": record.decision}


# ---- the actions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    key: str
    title: Any
    form: type[LeavingForm]
    level: str  # CELL or COMMITTEE: who records it
    statuses: tuple[str, ...]
    run: Callable[[Member, Any, dict[str, Any], LeavingForm], Any]
    done: Any
    danger: bool = False


def _sanction(member: Member, actor: Any, data: dict[str, Any], form: LeavingForm) -> Any:
    return services.discipline(member, actor=actor, **data)


def _complaint(member: Member, actor: Any, data: dict[str, Any], form: LeavingForm) -> Any:
    assert isinstance(form, ComplaintForm)
    return complaints.lodge(member, actor=actor, against=form.subjects[data.pop("against")], **data)


ACTIONS = {a.key: a for a in (
    Action("exempt", gettext_lazy("Exempt from work and meetings"), ExemptForm, CELL, rules.EXEMPTIBLE,
           lambda m, u, d, f: services.exempt(m, actor=u, **d), gettext_lazy("The exemption was recorded.")),
    Action("return", gettext_lazy("Return from exemption"), ReturnForm, CELL, (Status.EXEMPTED,),
           lambda m, u, d, f: services.end_exemption(m, actor=u, **d), gettext_lazy("The return was recorded.")),
    Action("propose", gettext_lazy("Propose removal from the list"), ProposeForm, CELL, rules.ACTIVE,
           lambda m, u, d, f: services.propose_removal(m, actor=u, **d),
           gettext_lazy("The proposal was sent to the committee."), danger=True),
    Action("sanction", gettext_lazy("Record a sanction"), SanctionForm, CELL, rules.ACTIVE, _sanction,
           gettext_lazy("The sanction was recorded."), danger=True),
    Action("resign", gettext_lazy("Record a resignation"), ResignForm, COMMITTEE, rules.ACTIVE,
           lambda m, u, d, f: services.resign(m, actor=u, **d), gettext_lazy("The resignation was recorded."),
           danger=True),
    Action("death", gettext_lazy("Record a death"), DeathForm, CELL, rules.ACTIVE,
           lambda m, u, d, f: services.record_death(m, actor=u, **d), gettext_lazy("The death was recorded."),
           danger=True),
    Action("complaint", gettext_lazy("Record a complaint"), ComplaintForm, COMMITTEE, tuple(Status.values),
           _complaint, gettext_lazy("The complaint was recorded.")),
)}


def _may(user: Any, member: Member, action: Action) -> bool:
    if member.status not in action.statuses:
        return False
    if action.key == "sanction":  # the cell reprimands and warns; the committee does the rest
        return services.may(user, member, CELL) or services.may(user, member, COMMITTEE)
    return services.may(user, member, action.level)


def _form(action: Action, member: Member, data: Any = None) -> LeavingForm:
    if action.form is ComplaintForm:
        return ComplaintForm(data, member=member)
    return action.form(data, initial={"kind": ExemptionKind.AGE_HEALTH} if action.key == "exempt" else None)


@console_view
@require_http_methods(["GET", "POST"])
def leaving_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    todo = ACTIONS.get(action)
    if todo is None:
        raise Http404(action)
    member = member_queries.get_member_for_user(request.user, pk)
    if not _may(request.user, member, todo):
        raise PermissionDenied(_("Your role may not record this for this member, or their status does not allow it."))
    form = _form(todo, member, request.POST or None)
    offered = grounds.member_grounds(member, timezone.localdate().year) if action == "propose" else []
    if request.method == "POST" and form.is_valid():
        try:
            todo.run(member, request.user, dict(form.cleaned_data), form)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, str(todo.done))
            return redirect("console:member", member.pk)
    return render(request, "console/leaving/action.html", {
        "member": member, "form": form, "action": todo, "offered": offered})


# ---- the committee's side ------------------------------------------------------------------------

@console_view
@require_http_methods(["GET", "POST"])
def removal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    removal = queries.get_removal_for_user(request.user, pk)
    member = removal.member
    may_decide = removal.state == RemovalState.PROPOSED and services.may(request.user, member, COMMITTEE)
    form = DecideForm(request.POST or None)
    if request.method == "POST":
        require_on(request.user, Perm.MEMBERS_DECIDE, services.competent_path(member))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("answer") == "reject":
                    services.reject_removal(removal, actor=request.user, decided_on=data["decided_on"],
                                            refusal=data["refusal"])
                    messages.success(request, _("The proposal was refused; the member stays on the list."))
                else:
                    services.decide_removal(removal, actor=request.user, decided_on=data["decided_on"],
                                            decision=data["decision"])
                    messages.success(request, _("The member was removed from the list."))
            except DomainError as error:
                show_domain_error(form, error)
            else:
                return redirect("console:member", member.pk)
    return render(request, "console/leaving/removal.html", {
        "removal": removal, "member": member, "form": form, "may_decide": may_decide,
        "ground": grounds.Ground(removal.ground, removal.evidence)})


@console_view
@require_http_methods(["GET", "POST"])
def complaint_settle(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = Complaint.objects.select_related("member__unit", "removal", "discipline").filter(pk=pk).first()
    if complaint is None or not policy.can(request.user, Perm.MEMBERS_VIEW, complaint.member.unit_path):
        raise NotFound("complaint")
    member = complaint.member
    require_on(request.user, Perm.MEMBERS_DECIDE, services.competent_path(member))
    if complaint.outcome != ComplaintOutcome.PENDING:
        raise Http404("settled")
    form = SettleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaints.settle(complaint, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The outcome was recorded."))
            return redirect("console:member", member.pk)
    subject = complaint.removal or complaint.discipline
    return render(request, "console/leaving/settle.html", {
        "complaint": complaint, "member": member, "form": form, "subject": _subject_label(subject)})


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


@console_view
def removal_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    require_on(request.user, Perm.MEMBERS_PROPOSE, unit.path)
    year = _year(request)
    rows = grounds.candidates(unit, year) if unit.kind in grounds.CANDIDATE_UNITS else None
    pending = set(Removal.objects.filter(state=RemovalState.PROPOSED, member_id__in=[r.member_id for r in rows or []])
                  .values_list("member_id", flat=True))
    return render(request, "console/leaving/candidates.html", {
        "unit": unit, "year": year, "rows": rows, "pending": pending})


@console_view
def pending_removals(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    if not (policy.can(request.user, Perm.MEMBERS_DECIDE, unit.path)
            or policy.can(request.user, Perm.MEMBERS_PROPOSE, unit.path)):
        raise PermissionDenied(Perm.MEMBERS_DECIDE)
    rows = list(queries.pending_removals(request.user, unit)[:500])
    for r in rows:
        r.summary = grounds.Ground(r.ground, r.evidence).summary  # type: ignore[attr-defined]
    show = unit.kind in grounds.CANDIDATE_UNITS and policy.can(request.user, Perm.MEMBERS_PROPOSE, unit.path)
    return render(request, "console/leaving/pending.html", {"unit": unit, "rows": rows, "show_candidates": show})



@console_view
def member_grounds(request: HttpRequest, pk: int) -> HttpResponse:
    """The grounds the data shows for a member, loaded into the member page's panel after the page."""
    member = member_queries.get_member_for_user(request.user, pk)
    require_on(request.user, Perm.MEMBERS_PROPOSE, member.unit_path)
    offered = grounds.member_grounds(member, _year(request)) if member.status in rules.ACTIVE else []
    return render(request, "console/leaving/_grounds.html", {"offered": offered, "member": member})


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member page's panel for leaving: a dict with its template and context, or None.
    Five queries (the records); the grounds the data shows load after the page (``member_grounds``)."""
    user = request.user
    record = queries.record_of(member)
    may_committee = services.may(user, member, COMMITTEE)
    actions = [a for a in ACTIONS.values() if a.key != "complaint" and _may(user, member, a)]
    if may_committee and record.contestable:
        actions.append(ACTIONS["complaint"])
    if record.pending_removal is not None:
        actions = [a for a in actions if a.key != "propose"]
    return {
        "template": "console/leaving/_panel.html",
        "events": record.events,
        "actions": actions,
        "grounds": member.status in rules.ACTIVE and services.may(user, member, CELL),
        "pending": record.pending_removal,
        "complaints": record.pending_complaints if may_committee else [],
    }


urlpatterns: list[URLPattern] = [
    path("members/<int:pk>/leaving/grounds/", member_grounds, name="leaving_grounds"),
    path("members/<int:pk>/leaving/<slug:action>/", leaving_action, name="leaving_action"),
    path("removals/<int:pk>/", removal_detail, name="removal"),
    path("complaints/<int:pk>/settle/", complaint_settle, name="complaint_settle"),
    path("units/<int:pk>/removal-candidates/", removal_candidates, name="removal_candidates"),
    path("units/<int:pk>/removals/", pending_removals, name="pending_removals"),
]
