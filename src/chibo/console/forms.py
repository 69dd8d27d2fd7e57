"""Console forms: they check types and shapes; the services check the rules."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from chibo.accounts.roles import Perm
from chibo.console.widgets import DayInput
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm
from chibo.members.enums import ETHNICITY_CHOICES, AgeBand, Religion, Sex, Status
from chibo.members.models import SENSITIVE_FIELDS, Member
from chibo.members.queries import CURRENT, Filters, is_citizen_id_search
from chibo.members.services import PROFILE_FIELDS
from chibo.org import queries as org_queries
from chibo.org.enums import Sector, UnitKind

DATE = DayInput()
ANY = [("", _("All"))]
ALL = "all"  # the member list's status filter: every status


def show_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's refusal on the form: field messages on their fields, the rest on top.

    Refusals that are HTTP answers (not found, forbidden) are raised again.
    """
    if isinstance(error, NotFound | PermissionDenied):
        raise error
    if error.message:
        form.add_error(None, str(error.message))
    for field, messages in error.field_errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, str(message))


# --- members -----------------------------------------------------------------------------------

_MEMBER_WIDGETS: dict[str, forms.Widget | type[forms.Widget]] = {
    name: DATE for name in ("birth_date", "admission_date", "ceremony_date", "official_date")
}


FormT = TypeVar("FormT", bound=forms.BaseForm)


def styled(form: FormT) -> FormT:
    """Bootstrap's classes on every field of ``form`` (a widget's own class wins)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue  # its boxes are laid out by its template
        css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
            "form-select" if isinstance(widget, forms.Select) else "form-control")
        widget.attrs.setdefault("class", css)
    return form


class MemberForm(TypedTextForm):
    """The member profile (the fields the member services accept)."""

    def __init__(self, *args: Any, with_sensitive: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = fields_for_model(Member, fields=PROFILE_FIELDS, widgets=_MEMBER_WIDGETS)
        for name in PROFILE_FIELDS:
            if with_sensitive or name not in SENSITIVE_FIELDS:
                self.fields[name] = fields[name]
        styled(self)
        if "citizen_id" in self.fields:
            self.fields["citizen_id"].widget.attrs.update(inputmode="numeric", autocomplete="off")

    @classmethod
    def for_member(cls, member: Member, data: Any = None, *, with_sensitive: bool) -> MemberForm:
        initial = {name: getattr(member, name) for name in PROFILE_FIELDS}
        return cls(data, initial=initial, with_sensitive=with_sensitive)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The fields in the sections of the member record, for the template."""
        sections = [
            (_("Identity"), ("full_name", "birth_name", "sex", "birth_date", "citizen_id", "phone",
                             "email", "ethnicity", "religion", "home_town", "birth_place",
                             "residence")),
            (_("Education and work"), ("education_grade", "qualification", "political_theory",
                                       "foreign_language", "occupation_before", "occupation",
                                       "youth_union", "is_army", "is_police", "is_retired")),
            (_("Party membership"), ("status", "admission_date", "ceremony_date", "ceremony_place",
                                     "official_date", "card_number", "background_sheet_no")),
        ]
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in sections]


EDUCATION_CHOICES = [
    ("lt9", _("Below grade 9")), ("9-11", _("Grade 9 to 11")), ("12", _("Grade 12 (upper secondary)")),
]


class MemberFilterForm(TypedTextForm):
    """Filters of the member list. Ethnicity and religion only for those who may see them."""

    q = forms.CharField(label=_("Name or citizen ID"), required=False, max_length=80)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (CURRENT, _("Current members")), (ALL, _("All statuses")),
        *Status.choices])
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=ANY + list(Sex.choices))
    age_band = forms.ChoiceField(label=_("Age"), required=False, choices=ANY + list(AgeBand.choices))
    education = forms.ChoiceField(label=_("General education"), required=False,
                                  choices=ANY + EDUCATION_CHOICES)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False,
                                  choices=ANY + list(ETHNICITY_CHOICES))
    religion = forms.ChoiceField(label=_("Religion"), required=False,
                                 choices=ANY + list(Religion.choices))

    def __init__(self, data: Any = None, *, sensitive: bool, **kwargs: Any) -> None:
        if data is not None and not data.get("status"):  # the list opens on the current members
            data = data.copy()
            data["status"] = CURRENT
        super().__init__(data, **kwargs)
        self.sensitive = sensitive
        if not sensitive:
            del self.fields["ethnicity"], self.fields["religion"]
            self.fields["q"].label = _("Full name")  # a citizen-ID search finds only IDs one may see
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"
        self.fields["q"].widget.attrs.update(type="search", autocomplete="off",
                                             placeholder=_("e.g. nguyen van an"))

    def filters(self) -> Filters:
        self.is_valid()
        kept = {k: v for k, v in self.cleaned_data.items() if v and v != ALL}
        return Filters(**kept)

    def _chosen(self) -> dict[str, Any]:
        """The filters the user chose: not the default (current members), not "all"."""
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v and v not in (CURRENT, ALL)}

    @property
    def active(self) -> bool:
        return bool(self._chosen())

    @property
    def citizen_id_refused(self) -> bool:
        """A search by citizen ID in a unit where the user may not see citizen IDs."""
        return not self.sensitive and is_citizen_id_search(getattr(self, "cleaned_data", {}).get("q", ""))

    @property
    def current_only(self) -> bool:
        return getattr(self, "cleaned_data", {}).get("status") == CURRENT

    @property
    def narrowed(self) -> int:
        """How many filters other than the name search are in use."""
        return sum(1 for name in self._chosen() if name != "q")


# --- unit operations ---------------------------------------------------------------------------


class UnitOperationForm(TypedTextForm):
    """Every restructuring is dated and cites the decision that authorised it."""

    on = forms.DateField(label=_("Effective date"), widget=DATE)
    decision = forms.CharField(label=_("Decision number"), max_length=128, required=False,
                               help_text=_("e.g. 123-QĐ/TU"))
    unit_code_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, user: Any, unit: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.unit = user, unit
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in self.unit_code_fields:
            code = (data.get(name) or "").strip()
            if not code:
                data[name] = None
                continue
            try:
                data[name] = org_queries.get_unit_for_user(self.user, code=code, perm=Perm.UNITS_CHANGE)
            except NotFound:
                self.add_error(name, _("No unit with this code in the part of the tree you manage."))
        return data


class ChildUnitForm(UnitOperationForm):
    field_order = ["code", "name", "kind", "sector", "on", "decision"]
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, initial=Sector.MIXED)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["on"].label = _("Opened on")


class RenameUnitForm(UnitOperationForm):
    field_order = ["name", "on", "decision"]
    name = forms.CharField(label=_("New name"), max_length=255)


class MoveUnitForm(UnitOperationForm):
    field_order = ["parent", "on", "decision"]
    parent = forms.CharField(label=_("Code of the new parent unit"), max_length=32)
    unit_code_fields = ("parent",)


class MergeUnitForm(UnitOperationForm):
    field_order = ["into", "on", "decision"]
    into = forms.CharField(label=_("Code of the unit it merges into"), max_length=32,
                           help_text=_("Its subunits and members move there; this unit closes."))
    unit_code_fields = ("into",)


class CloseUnitForm(UnitOperationForm):
    field_order = ["successor", "on", "decision"]
    successor = forms.CharField(label=_("Code of the successor unit (optional)"), max_length=32,
                                required=False)
    unit_code_fields = ("successor",)


# --- accounts and imports ----------------------------------------------------------------------


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-lg"


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("6-digit code"), regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits shown by your authenticator app.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                      "class": "form-control form-control-lg", "maxlength": "7"}),
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file contains"),
        choices=[("members", _("Members")), ("units", _("Units"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
