"""The base of every form a person types into (the console, the handbook): its text fields follow
the rules of :mod:`chibo.core.text`, each field by its kind, so no form lists them by hand. Views
that read a few posted values without a form check them with :func:`check_posted_text`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from chibo.core.errors import DomainError
from chibo.core.text import (
    is_name_field,
    name_problem,
    text_problem,
    validate_multiline_text,
    validate_name,
    validate_text,
)

NOT_TYPED = frozenset({"csrfmiddlewaretoken"})


def text_validator(name: str, field: forms.Field) -> Any:
    """The rule of a text field: a name or place (:func:`~chibo.core.text.is_name_field`), several
    lines (a text area) or one line; None for a field that is not text."""
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
        return None
    if isinstance(field.widget, forms.Textarea):
        return validate_multiline_text
    return validate_name if is_name_field(name) else validate_text


class TypedTextMixin:
    """Put before ``forms.Form`` or ``forms.ModelForm``. The rules are added when the form is
    cleaned, so fields added in ``__init__`` (from a model, by a subclass) follow them too."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for name, field in self.fields.items():
            validator = text_validator(name, field)
            if validator is not None and validator not in field.validators:
                # ours says where the NUL is: Django's own check would say it twice
                field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
                field.validators.append(validator)
        super().full_clean()  # type: ignore[misc]


class TypedTextForm(TypedTextMixin, forms.Form):
    """A form whose text fields follow the rules for text a person typed."""


class TypedTextModelForm(TypedTextMixin, forms.ModelForm):
    """A model form whose text fields follow the rules for text a person typed."""


def check_posted_text(data: Any) -> None:
    """For a view that reads ``request.POST`` without a form: :class:`DomainError` (which the
    view shows as it shows the services' refusals) for the first value that breaks the rules. A
    browser sends line breaks only from a text area, so they are allowed; names and places by the
    field's name, as in the forms."""
    for key in data:
        if key in NOT_TYPED:
            continue
        for value in data.getlist(key) if hasattr(data, "getlist") else [data[key]]:
            problem = name_problem(value) if is_name_field(key) else text_problem(value, multiline=True)
            if problem:
                raise DomainError(problem)
