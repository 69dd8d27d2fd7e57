"""Criteria frameworks in the console: the frameworks in force for a unit on a day (each kind, its
criteria with their points and who added each sub-criterion, its issuer, version and validity),
the other versions that apply or applied there, and for a committee that may issue criteria a
form to issue a version adding sub-criteria to the criteria above (``frameworks.issue``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error
from chibo.console.views.common import console_view, require_on
from chibo.console.widgets import DayInput, parse_day
from chibo.core.errors import DomainError, NotFound
from chibo.core.forms import TypedTextForm
from chibo.org import queries as org_queries
from chibo.org.models import Unit
from chibo.quality import frameworks
from chibo.quality.enums import FrameworkKind, Level
from chibo.quality.models import Framework

BLANK_LINES = 5  # empty lines offered below a version's own sub-criteria
MAX_LINES = 40
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class IssueForm(TypedTextForm):
    name = forms.CharField(label=gettext_lazy("Name of the framework"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("Name in English (optional)"), max_length=200, required=False)
    valid_from = forms.DateField(label=gettext_lazy("In force from"), widget=DayInput())
    valid_to = forms.DateField(label=gettext_lazy("Until (optional: empty while no end is set)"), required=False,
                               widget=DayInput())
    source = forms.CharField(label=gettext_lazy("Issued by the document (optional)"), max_length=255,
                             required=False, widget=forms.TextInput(attrs={"placeholder": gettext_lazy(
                                 "e.g. 05-HD/BTCTU")}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class LineForm(TypedTextForm):
    """One sub-criterion: the upper criterion it adds to, its key and its labels. A blank line is skipped."""

    parent = forms.ChoiceField(label=gettext_lazy("Adds to"), required=False)
    key = forms.CharField(label=gettext_lazy("Key"), max_length=32, required=False)
    label = forms.CharField(label=gettext_lazy("Sub-criterion"), max_length=frameworks.MAX_LABEL, required=False)
    label_en = forms.CharField(label=gettext_lazy("In English (optional)"), max_length=frameworks.MAX_LABEL,
                               required=False)

    def __init__(self, *args: Any, parents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["parent"]).choices = [("", "—"), *parents]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select form-select-sm" if name == "parent"
                                          else "form-control form-control-sm")

    def clean_key(self) -> str:
        key = self.cleaned_data.get("key", "").strip()
        if key and not frameworks.KEY.fullmatch(key):
            raise forms.ValidationError(_("Use up to 32 lower-case letters (a to z), digits and _, such as p1."))
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(data.get(name) for name in ("key", "label", "label_en")):
            for name, message in (("parent", _("Choose the criterion it adds to.")), ("key", _("Give a short key.")),
                                  ("label", _("Write the sub-criterion."))):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data

    def item(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if not data.get("key") and not data.get("label"):
            return None
        return {"parent": data["parent"], "key": data["key"], "label": data["label"], "label_en": data["label_en"]}


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True)


def _day(request: HttpRequest) -> dt.date:
    day = parse_day(request.GET.get("day", ""))
    return timezone.localdate() if day is None else min(max(day, FIRST_DAY), LAST_DAY)


def _kind(request: HttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or FrameworkKind.COLLECTIVE
    if kind not in FrameworkKind.values:
        raise NotFound("kind")
    return kind


@console_view
@require_http_methods(["GET", "POST"])
def frameworks_page(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    day, kind = _day(request), _kind(request)
    found = frameworks.issued_for(unit.path)
    in_force = {k: frameworks.in_force_among(found, k, unit.path, day) for k in FrameworkKind.values}
    parents = [(c["key"], frameworks.label(c)) for c in frameworks.shown(in_force[kind])]
    current = in_force[kind]
    own = current if current is not None and current.issuer_id == unit.pk else None
    if request.method == "POST":
        require_on(request.user, Perm.QUALITY_OPEN, unit.path)
        form = IssueForm(request.POST)
        lines = LineFormSet(request.POST, prefix="line", form_kwargs={"parents": parents})
        issued = _issue(request, unit, kind, form, lines)
        if issued is not None:
            messages.success(request, _("Version %(version)d of “%(name)s” is issued: it applies to %(unit)s and the "
                                        "units below it from %(day)s.")
                             % {"version": issued.version, "name": frameworks.display_name(issued),
                                "unit": unit.name, "day": issued.valid_from.strftime("%d/%m/%Y")})
            return redirect(f"{reverse('console:frameworks', args=[unit.pk])}?kind={kind}")
    else:
        form = IssueForm(initial={"name": own.name if own else "", "name_en": own.name_en if own else "",
                                  "valid_from": day, "source": own.source if own else ""})
        lines = LineFormSet(prefix="line", form_kwargs={"parents": parents}, initial=[
            *[{"parent": c.get("parent", ""), "key": c["key"], "label": c["label"], "label_en": c.get("label_en", "")}
              for c in (own.criteria if own else [])],
            *[{}] * BLANK_LINES])
    bad = bool(form.errors or any(lines.errors) or lines.non_form_errors())
    return render(request, "console/frameworks/unit.html", {
        "unit": unit, "day": day, "kind": kind, "kind_label": FrameworkKind(kind).label,
        "ancestors": org_queries.ancestors(unit, request.user)[:-1],
        "kinds": [_shown_kind(k, in_force[k], found, day, unit) for k in FrameworkKind.values],
        "may_issue": policy.can(request.user, Perm.QUALITY_OPEN, unit.path) and unit.is_open,
        "form": form, "lines": lines, "own": own, "max_label": frameworks.MAX_LABEL,
    }, status=422 if bad else 200)


def _issue(request: HttpRequest, unit: Unit, kind: str, form: IssueForm, lines: Any) -> Framework | None:
    if not (form.is_valid() and lines.is_valid()):
        return None
    items = [item for line in lines for item in [line.item()] if item is not None]
    values = form.cleaned_data
    try:
        return frameworks.issue(actor=request.user, issuer=unit, kind=kind, name=values["name"],
                                name_en=values["name_en"], valid_from=values["valid_from"],
                                valid_to=values["valid_to"], source=values["source"], items=items)
    except DomainError as error:
        show_domain_error(form, error)
        return None


def _shown_kind(kind: str, framework: Framework | None, found: list[Framework], day: dt.date,
                unit: Unit) -> dict[str, Any]:
    """One kind as the page shows it: the framework in force with its criteria, and the other versions."""
    chain = frameworks.chain(framework)
    by_id = {f.pk: f for f in found}
    return {
        "kind": kind, "label": FrameworkKind(kind).label, "framework": framework,
        "name": frameworks.display_name(framework) if framework else "",
        "scored": kind in FrameworkKind.scored(),
        "criteria": _criteria(chain), "chain": chain,
        "rule": _rule(framework.rule) if framework is not None and framework.rule else "",
        "others": [(f, frameworks.display_name(f), _status(f, chain, day), by_id.get(f.extends_id or 0))
                   for f in found if f.kind == kind and f not in chain],
        "own": framework is not None and framework.issuer_id == unit.pk,
    }


def _criteria(chain: list[Framework]) -> list[dict[str, Any]]:
    """The top-level criteria with their points, each with its sub-criteria and the committee that added them."""
    tops: dict[str, dict[str, Any]] = {}
    for framework in chain:
        by = framework.issuer.name if framework.issuer else ""  # the national criteria's own are not marked
        for c in framework.criteria:
            if c.get("parent") in tops:
                tops[c["parent"]]["subs"].append({"key": c["key"], "label": frameworks.label(c), "by": by})
            elif not c.get("parent"):
                tops[c["key"]] = {"key": c["key"], "label": frameworks.label(c), "max": c.get("max"), "subs": []}
    return list(tops.values())


def _status(framework: Framework, chain: list[Framework], day: dt.date) -> str:
    if framework.valid_from > day:
        return _("from %(day)s") % {"day": framework.valid_from.strftime("%d/%m/%Y")}
    if framework.valid_to is not None and framework.valid_to < day:
        return _("ended on %(day)s") % {"day": framework.valid_to.strftime("%d/%m/%Y")}
    if any(f.issuer_id == framework.issuer_id for f in chain):
        return _("replaced by a newer version")
    return _("no longer applies: it was issued on an older version of the criteria above; issue it again")


def _rule(rule: dict[str, Any]) -> str:
    level = rule.get("min_level")
    return _("Recognised when each criterion passed in at least %(months)s months, the year's level is "
             "“%(level)s” or better and %(approvals)s half-year votes approved the results.") % {
        "months": rule.get("months_min", 0), "level": Level(level).label if level in Level.values else "—",
        "approvals": rule.get("approvals", 0)}


urlpatterns: list[URLPattern] = [
    path("units/<int:pk>/frameworks/", frameworks_page, name="frameworks"),
]
