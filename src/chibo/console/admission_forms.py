"""Console forms of the admission pipeline: the case's details and one form per move.

The forms check shapes; ``admissions.services`` checks the rules and its findings come back on
the fields (``show_domain_error``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chibo.admissions.models import AdmissionCase, Course, Relation, VerificationResult
from chibo.admissions.services import IDENTITY_FIELDS
from chibo.admissions.stages import ENDS, Stage
from chibo.console.widgets import DayInput
from chibo.core.forms import TypedTextForm, TypedTextModelForm
from chibo.members.enums import Status
from chibo.members.models import SENSITIVE_FIELDS, Member

DATE = DayInput()
VERIFIED_RELATIONS = (Relation.SELF, Relation.FATHER, Relation.MOTHER, Relation.SPOUSE, Relation.FATHER_IN_LAW,
                      Relation.MOTHER_IN_LAW, Relation.CHILD)


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        css = "form-check-input" if isinstance(field, forms.BooleanField) else (
            "form-select" if isinstance(field.widget, forms.Select) else "form-control")
        field.widget.attrs.setdefault("class", css)


class CaseForm(TypedTextForm):
    """The applicant's details (opening a case, or correcting it before the decision)."""

    def __init__(self, *args: Any, opening: bool = False, cell: Any = None, with_sensitive: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if opening:
            self.fields["on"] = forms.DateField(label=_("Date of the cell's resolution"), widget=DATE,
                                                initial=timezone.localdate)
            self.fields["resolution"] = forms.CharField(label=_("Resolution number"), required=False, max_length=40)
            self.fields["helper"] = forms.ModelChoiceField(
                label=_("Helper member"), required=False,
                queryset=Member.objects.filter(unit=cell, status=Status.OFFICIAL).order_by("name_folded"))
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {"birth_date": DATE, "left_on": DATE}
        shown = [f for f in IDENTITY_FIELDS if with_sensitive or f not in SENSITIVE_FIELDS]
        self.fields.update(fields_for_model(AdmissionCase, fields=shown, widgets=widgets))
        _style(self)

    @classmethod
    def for_case(cls, case: AdmissionCase, data: Any = None, *, with_sensitive: bool) -> CaseForm:
        """The case's details; without ``with_sensitive`` the citizen ID, phone, ethnicity and
        religion are left out of the form (as on the member form), not shown and not changed."""
        return cls(data, initial={name: getattr(case, name) for name in IDENTITY_FIELDS}, with_sensitive=with_sensitive)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in IDENTITY_FIELDS if name in self.fields}

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        sections = [
            (_("Sympathizer list"), ("on", "resolution", "helper")),
            (_("Identity"), ("full_name", "sex", "birth_date", "citizen_id", "phone", "email", "ethnicity",
                             "religion", "home_town", "residence")),
            (_("Education and work"), ("education_grade", "education_exception", "exception_approved",
                                       "qualification", "occupation", "youth_union", "over_60_approved")),
            (_("Readmission (a former member)"), ("left_on", "excluded_ground")),
        ]
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in sections
                if any(n in self.fields for n in names)]


class StepForm(TypedTextForm):
    """The move of a case to ``to``: the date, and the facts that move records."""

    to = forms.CharField(widget=forms.HiddenInput)
    expected = forms.CharField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args: Any, case: AdmissionCase, to: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].update(to=to, expected=case.stage, on=timezone.localdate())
        super().__init__(*args, **kwargs)
        self.case, self.stage = case, Stage(to)
        for name, field in _fields(case, self.stage).items():
            self.fields[name] = field
        if self.stage in ENDS or self.stage == Stage.OPINIONS:
            self.fields["note"].required = True
        _style(self)

    def facts(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for key in ("to", "expected", "on"):
            data.pop(key)
        if isinstance(data.get("course"), Course):
            data["course"] = data["course"].pk
        if self.stage == Stage.INTRODUCED:
            pairs = [(data.pop(f"introducer_{i}"), data.pop(f"together_since_{i}")) for i in (1, 2)]
            data["introducers"] = [{"member": m.pk, "together_since": d} for m, d in pairs if m and d]
        if self.stage == Stage.VERIFIED:
            rows = [(r, data.pop(f"{r.value}_name"), data.pop(f"{r.value}_result")) for r in VERIFIED_RELATIONS]
            data["verifications"] = [{"relation": r.value, "name": n, "result": res} for r, n, res in rows if n]
        return data

    @property
    def day(self) -> dt.date:
        return self.cleaned_data["on"]


def _text(label: Any, required: bool = True, max_length: int = 40, **kwargs: Any) -> forms.CharField:
    """A short text; 40 characters fit a number (the model's limit), longer ones say so."""
    return forms.CharField(label=label, required=required, max_length=max_length, **kwargs)


def _fields(case: AdmissionCase, stage: Stage) -> dict[str, forms.Field]:
    """The fields of the move to ``stage``: what ``admissions.steps`` reads from the facts."""
    number = _text(_("Resolution or decision number"))
    yes = forms.IntegerField(label=_("Yes votes"), min_value=0)
    reason = _text(_("Reason for a late decision (only when past the deadline)"), required=False, max_length=500)
    consent = {  # the directly superior committee's consent: a late ceremony, a decision past the longest extension
        "consent_number": _text(_("Consent of the superior committee: number"), required=False, help_text=_(
            "Only for a step later than the committee may extend on its own: a late ceremony, or a decision "
            "past the longest extension.")),
        "consent_on": forms.DateField(label=_("Consent of the superior committee: date"), widget=DATE,
                                      required=False),
    }
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    by_stage: dict[str, dict[str, forms.Field]] = {
        Stage.COURSE: {
            "certificate_no": _text(_("Certificate number")),
            "certificate_issuer": _text(_("Issued by"), max_length=200),
            "course": forms.ModelChoiceField(label=_("Course"), required=False, queryset=Course.objects.filter(
                unit_path__in=case.cell.ancestor_paths()).order_by("-starts_on")),
        },
        Stage.INTRODUCED: _introducer_fields(case),
        Stage.VERIFIED: _verification_fields(case),
        Stage.CELL_VOTED: {"number": number, "yes": yes},
        Stage.COMMITTEE_RESOLVED: {"number": number, "committee_members": forms.IntegerField(
            label=_("Members of the grassroots committee"), min_value=1), "yes": yes},
        Stage.ADMITTED: {"number": number, "extension_reason": reason, **consent},
        Stage.SWORN_IN: {"place": _text(_("Place of the ceremony"), required=False, max_length=255),
                         "extension_reason": _text(_("Reason for a late ceremony (only when past the deadline)"),
                                                   required=False, max_length=500), **consent},
        Stage.PROBATION_REVIEWED: {
            "course_done": forms.BooleanField(label=_("New-member course completed"), required=False),
            "self_review": forms.BooleanField(label=_("Self-review written"), required=False),
            "helper_review": forms.BooleanField(label=_("Helper member's review written"), required=False),
        },
        Stage.RECOGNITION_VOTED: {"number": _text(_("Resolution number"), required=False), "yes": yes},
        Stage.OFFICIAL: {"number": number, "extension_reason": reason, **consent},
    }
    fields = dict(by_stage.get(stage, {}))
    if stage in ENDS:
        fields["number"] = _text(_("Resolution or decision number"), required=False)
        note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    if stage == Stage.OPINIONS:
        note = forms.CharField(label=_("Opinions of the mass organizations and the residence cell"),
                               widget=forms.Textarea(attrs={"rows": 3}))
    fields["note"] = note
    return fields


def _introducer_fields(case: AdmissionCase) -> dict[str, forms.Field]:
    members = Member.objects.filter(unit=case.cell, status__in=Status.active()).order_by("name_folded")
    fields: dict[str, forms.Field] = {}
    for i in (1, 2):
        fields[f"introducer_{i}"] = forms.ModelChoiceField(
            label=_("Introducing member %(n)d") % {"n": i}, queryset=members, required=i == 1)
        fields[f"together_since_{i}"] = forms.DateField(
            label=_("Worked or lived together since"), widget=DATE, required=i == 1)
    fields["youth_union_path"] = forms.BooleanField(
        label=_("Introduced by the youth union (its resolution and one member)"), required=False)
    fields["youth_union_resolution"] = _text(_("Youth-union resolution number"), required=False)
    return fields


def _verification_fields(case: AdmissionCase) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for relation in VERIFIED_RELATIONS:
        fields[f"{relation.value}_name"] = _text(relation.label, required=False, max_length=120,
                                                 initial=case.full_name if relation == Relation.SELF else "")
        fields[f"{relation.value}_result"] = forms.ChoiceField(
            label=_("Result"), choices=VerificationResult.choices, required=False)
    return fields


class DocumentForm(TypedTextForm):
    title = forms.CharField(label=_("What is it?"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Application (1-KNĐ)")}))
    file = forms.FileField(label=_("Scan (PDF, JPEG or PNG, up to 20 MB)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class CourseForm(TypedTextModelForm):
    class Meta:
        model = Course
        fields = ("name", "starts_on", "ends_on")
        widgets = {"starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
