"""Console forms of the document library. They check shapes and resolve unit codes within the
units the user publishes to; ``library.services`` checks the rules (``show_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.accounts.roles import Perm
from chibo.console.widgets import DayInput
from chibo.core.errors import NotFound
from chibo.core.forms import TypedTextForm
from chibo.library import rules
from chibo.library.enums import DocumentKind
from chibo.library.models import Document
from chibo.library.services import DOCUMENT_FIELDS
from chibo.org import queries as org_queries

DATE = DayInput()


def _style(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class _PublishUnitForm(TypedTextForm):
    """A form with a ``unit`` field: the code of a unit the user publishes to."""

    unit = forms.CharField(label=_("Audience: code of the unit"), max_length=32,
                           help_text=_("The unit and every unit under it receive the document."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_unit(self) -> Any:
        code = (self.cleaned_data.get("unit") or "").strip()
        try:
            return org_queries.get_unit_for_user(self.user, code=code, perm=Perm.LIBRARY_PUBLISH)
        except NotFound:
            raise forms.ValidationError(_("No unit with this code among the units you publish to.")) from None


class DocumentForm(_PublishUnitForm):
    """A document's details, its audience and (when publishing) its PDF file."""

    field_order = ["kind", "number", "title", "issued_on", "issuing_body", "unit", "file"]
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    number = forms.CharField(label=_("Number"), max_length=rules.MAX_NUMBER, required=False,
                             widget=forms.TextInput(attrs={"placeholder": _("e.g. 21-NQ/TW")}))
    title = forms.CharField(label=_("Title"), max_length=rules.MAX_TITLE)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=rules.MAX_BODY,
                                   widget=forms.TextInput(attrs={"placeholder": _("e.g. Ban Chấp hành Trung ương")}))
    file = forms.FileField(label=_("PDF file (up to 50 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def __init__(self, *args: Any, with_file: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_file:
            del self.fields["file"]
        _style(self)

    @classmethod
    def for_document(cls, document: Document, data: Any = None, *, user: Any) -> DocumentForm:
        initial = {name: getattr(document, name) for name in DOCUMENT_FIELDS} | {"unit": document.unit.code}
        return cls(data, initial=initial, user=user, with_file=False)

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in DOCUMENT_FIELDS}


class AssignForm(_PublishUnitForm):
    """Who studies a document (a unit's subtree) and by when."""

    due_on = forms.DateField(label=_("Study by"), widget=DATE)
    note = forms.CharField(label=_("Note to the members (optional)"), required=False, max_length=rules.MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].label = _("Code of the unit whose members study it")
        self.fields["unit"].help_text = _("Every official and probationary member of the unit and the units under "
                                          "it is asked to study the document.")
        _style(self)
