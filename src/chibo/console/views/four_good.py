"""The "4 good" movement in the console: a unit's year (its registration, the months' checklists
beside their meetings' quality scores, the half-year votes, its recognition or what it still
lacks), the month's checklist form (reached from the meeting's page), and a committee's progress
as of a day, per child, with the recognition of the units it may recognise."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error
from chibo.console.views.common import console_view, require_on
from chibo.console.widgets import DayInput, parse_day
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm, check_posted_text
from chibo.org import queries as org_queries
from chibo.org.models import Unit
from chibo.quality import four_good, frameworks
from chibo.quality import four_good_queries as queries
from chibo.quality.enums import FrameworkKind
from chibo.quality.models import FourGoodMonth, FourGoodRecognition, FourGoodRegistration

FIRST_DAY = dt.date(2000, 1, 1)


def _styled(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
    return form


class RegisterForm(TypedTextForm):
    first_year = forms.IntegerField(label=gettext_lazy("From year"), min_value=2000, max_value=2100)
    last_year = forms.IntegerField(label=gettext_lazy("To year"), min_value=2000, max_value=2100)
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DayInput())
    signer_name = forms.CharField(label=gettext_lazy("Signed by (the secretary)"), max_length=120)
    commitment = forms.CharField(label=gettext_lazy("The commitment, as signed"), widget=forms.Textarea(
        attrs={"rows": 3}))


class ApproveForm(TypedTextForm):
    half = forms.TypedChoiceField(label=gettext_lazy("Results of"), coerce=int, choices=[
        (1, gettext_lazy("the first half of the year")), (2, gettext_lazy("the second half of the year"))])
    voted_on = forms.DateField(label=gettext_lazy("Voted on"), widget=DayInput())
    votes_for = forms.IntegerField(label=gettext_lazy("Votes for"), min_value=0)
    votes_present = forms.IntegerField(label=gettext_lazy("Members present"), min_value=1)
    meeting = forms.TypedChoiceField(label=gettext_lazy("At the meeting (optional)"), coerce=int, required=False,
                                     empty_value=None)

    def __init__(self, *args: Any, meetings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["meeting"])
        field.choices = [("", "—")] + [
            (m.pk, f"{timezone.localtime(m.starts_at):%d/%m/%Y} · {m.get_kind_display()}") for m in meetings]


class RecogniseForm(TypedTextForm):
    decided_on = forms.DateField(label=gettext_lazy("Decided on"), widget=DayInput())
    decision = forms.CharField(label=gettext_lazy("Decision number (optional)"), max_length=128, required=False)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    return int(raw) if raw.isdecimal() and 2000 <= int(raw) <= 2100 else timezone.localdate().year


def _unit_url(unit: Unit, year: int) -> str:
    return f"{reverse('console:four_good', args=[unit.pk])}?year={year}"


def _parent_path(unit: Unit) -> str | None:
    return unit.parent.path if unit.parent_id and unit.parent else None


@console_view
@require_http_methods(["GET", "POST"])
def unit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's year in the movement, with its forms: register, the half-year vote, recognise."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year = _year(request)
    meetings = queries.meetings_between(unit, dt.date(year, 1, 1), queries.year_end(year))
    forms_: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = _act(request, unit, year, action, meetings)
        if form is None:
            return redirect(_unit_url(unit, year))
        forms_[action] = form
    return render(request, "console/four_good/unit.html", _unit_context(request, unit, year, meetings, forms_))


def _act(request: HttpRequest, unit: Unit, year: int, action: str, meetings: list[Any]) -> forms.Form | None:
    """Run the posted action; ``None`` when done, else the form with its errors."""
    user, data = request.user, request.POST
    if action == "recognise":
        require_on(user, Perm.QUALITY_DECIDE, _parent_path(unit) or "-")
        form: forms.Form = RecogniseForm(data)
    elif action == "approve":
        require_on(user, Perm.QUALITY_ASSESS, unit.path)
        form = ApproveForm(data, meetings=meetings)
    elif action == "register":
        require_on(user, Perm.QUALITY_ASSESS, unit.path)
        form = RegisterForm(data)
    else:
        raise NotFound("action")
    if not form.is_valid():
        return _styled(form)
    values = form.cleaned_data
    try:
        if action == "recognise":
            four_good.recognise(unit, actor=user, year=year, decided_on=values["decided_on"],
                                decision=values["decision"])
            messages.success(request, _("%(unit)s was recognised as “4 good” for %(year)d.")
                             % {"unit": unit.name, "year": year})
        elif action == "approve":
            four_good.approve_half(unit, actor=user, year=year, half=values["half"], voted_on=values["voted_on"],
                                   votes_for=values["votes_for"], votes_present=values["votes_present"],
                                   meeting={m.pk: m for m in meetings}.get(values["meeting"]))
            messages.success(request, _("The half-year vote was recorded."))
        else:
            four_good.register(unit, actor=user, first_year=values["first_year"], last_year=values["last_year"],
                               signed_on=values["signed_on"], signed_by=values["signer_name"],
                               commitment=values["commitment"])
            messages.success(request, _("%(unit)s is registered for the “4 good” movement.")
                             % {"unit": unit.name})
    except DomainError as error:
        show_domain_error(form, error)
        return _styled(form)
    return None


def _unit_context(request: HttpRequest, unit: Unit, year: int, meetings: list[Any],
                  bound: dict[str, forms.Form]) -> dict[str, Any]:
    found = queries.standing(unit, year)
    today = timezone.localdate()
    by_month = {m.month: m for m in found.months}
    keys = [c["key"] for c in found.criteria]
    months = []
    for number in range(1, 13):
        first = dt.date(year, number, 1)
        row = by_month.get(first)
        months.append({"first": first, "row": row, "started": first <= today,
                       "meeting": queries.meeting_of_month(meetings, first, row.meeting_id if row else None),
                       "marks": [(key in row.passed) if row else None for key in keys]})
    votes = {a.half: a for a in found.approvals}
    halves = [(half, votes.get(half), queries.approved(votes[half].votes_for, votes[half].votes_present, found.rule)
               if half in votes else None) for half in (1, 2)]
    parent_path = _parent_path(unit)
    return {
        "unit": unit, "year": year, "standing": found, "months": months, "taking_part": unit.kind in queries.ELIGIBLE,
        "votes": halves,
        "registrations": queries.registrations(unit), "reasons": found.reasons(),
        "may_assess": policy.can(request.user, Perm.QUALITY_ASSESS, unit.path),
        "may_decide": bool(parent_path) and policy.can(request.user, Perm.QUALITY_DECIDE, parent_path or ""),
        "register_form": bound.get("register") or _styled(RegisterForm(initial={
            "first_year": year, "last_year": year + 2, "signed_on": today})),
        "approve_form": bound.get("approve") or _styled(ApproveForm(
            initial={"half": 1 if today < dt.date(year, 7, 1) else 2, "voted_on": today}, meetings=meetings)),
        "recognise_form": bound.get("recognise") or _styled(RecogniseForm(initial={"decided_on": today})),
    }


@console_view
@require_http_methods(["GET", "POST"])
def month_page(request: HttpRequest, pk: int, year: int, month: int) -> HttpResponse:
    """The pass / fail checklist of a month, beside the meeting it follows and its quality score."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    if not (1 <= month <= 12 and 2000 <= year <= 2100) or unit.kind not in queries.ELIGIBLE:
        raise NotFound("month")
    first = dt.date(year, month, 1)
    framework = frameworks.in_force(FrameworkKind.FOUR_GOOD, unit.path, queries.month_end(first))
    row = FourGoodMonth.objects.filter(unit=unit, month=first).first()
    meetings = queries.meetings_between(unit, first, queries.month_end(first))
    raw = request.GET.get("meeting") or request.POST.get("meeting") or ""
    meeting = queries.meeting_of_month(meetings, first, int(raw) if raw.isdecimal() else (
        row.meeting_id if row else None))
    items = frameworks.checklist(frameworks.criteria(framework)) if framework else {}
    if request.method == "POST":
        require_on(request.user, Perm.QUALITY_ASSESS, unit.path)
        checks = {key: request.POST.get(f"check_{key}") == "on" for keys in items.values() for key in keys}
        try:
            check_posted_text(request.POST)
            four_good.record_month(unit, actor=request.user, month=first, checks=checks, meeting=meeting)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            messages.error(request, error.describe())
        else:
            messages.success(request, _("The checklist of %(month)s was saved.") % {"month": first.strftime("%m/%Y")})
            return redirect(_unit_url(unit, year))
    return render(request, "console/four_good/month.html", {
        "unit": unit, "first": first, "framework": framework, "framework_name": queries.name_of(framework),
        "row": row, "meeting": meeting,
        "groups": _groups(framework, row, items),
        "registered": FourGoodRegistration.objects.filter(queries.registrations_in(year), unit=unit).exists(),
        "recognised": FourGoodRecognition.objects.filter(unit=unit, year=year).first(),
        "may_assess": policy.can(request.user, Perm.QUALITY_ASSESS, unit.path),
        "started": first <= timezone.localdate(),
    })


def _groups(framework: Any, row: FourGoodMonth | None, items: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The checklist as the form shows it: each top-level criterion with its items and answers."""
    if framework is None:
        return []
    labels = {c["key"]: frameworks.label(c) for c in frameworks.criteria(framework)}
    answers = row.checks if row else {}
    return [{"key": top, "label": labels[top], "passed": bool(row and top in row.passed),
             "items": [{"key": key, "label": labels[key], "checked": bool(answers.get(key))} for key in keys]}
            for top, keys in items.items()]


def _day(raw: str) -> dt.date:
    today = timezone.localdate()
    day = parse_day(raw)
    return today if day is None else min(max(day, FIRST_DAY), today)


@console_view
@require_http_methods(["GET", "POST"])
def progress_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A committee's movement as of a day, per child unit, and the units it may recognise."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    day = _day(request.GET.get("day", ""))
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdecimal() and 2000 <= int(raw) <= day.year else day.year
    bound: tuple[int, forms.Form] | None = None
    if request.method == "POST":
        require_on(request.user, Perm.QUALITY_DECIDE, unit.path)
        bound = _recognise_child(request, unit)
        if bound is None:
            return redirect(f"{request.path}?year={year}&day={day:%d/%m/%Y}")
    progress = queries.progress(unit, year, day)
    may_decide = policy.can(request.user, Perm.QUALITY_DECIDE, unit.path)
    candidates = queries.candidates(unit, year)
    return render(request, "console/four_good/progress.html", {
        "unit": unit, "progress": progress, "today": timezone.localdate(), "year": year, "may_decide": may_decide,
        "taking_part": unit.kind in queries.ELIGIBLE,
        "ancestors": org_queries.ancestors(unit, request.user)[:-1],
        "candidates": [(c, c.reasons(), bound[1] if bound and bound[0] == c.unit.pk else
                        _styled(RecogniseForm(initial={"decided_on": timezone.localdate()}))) for c in candidates],
    })


def _recognise_child(request: HttpRequest, committee: Unit) -> tuple[int, forms.Form] | None:
    raw = request.POST.get("unit", "")
    child = org_queries.get_unit_for_user(request.user, pk=int(raw) if raw.isdecimal() else 0)
    if child.parent_id != committee.pk:
        raise NotFound("unit")
    form = _styled(RecogniseForm(request.POST))
    if form.is_valid():
        try:
            four_good.recognise(child, actor=request.user, year=_year(request),
                                decided_on=form.cleaned_data["decided_on"], decision=form.cleaned_data["decision"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("%(unit)s was recognised as “4 good” for %(year)d.")
                             % {"unit": child.name, "year": _year(request)})
            return None
    return child.pk, form


urlpatterns = [
    path("units/<int:pk>/four-good/", unit_page, name="four_good"),
    path("units/<int:pk>/four-good/progress/", progress_page, name="four_good_progress"),
    path("units/<int:pk>/four-good/<int:year>-<int:month>/", month_page, name="four_good_month"),
]
