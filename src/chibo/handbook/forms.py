"""The handbook's forms: a question to a unit, and a message in a thread."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from chibo.core.forms import TypedTextForm
from chibo.handbook.models import POST_MAX_LENGTH, SUBJECT_MAX_LENGTH
from chibo.org.models import Unit

SUBJECT_FROM_TEXT = 80


class _Keyed(TypedTextForm):
    # a fresh key per submission, set by handbook.js: a message replayed from the outbox is stored once
    client_key = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)


class AskForm(_Keyed):
    unit = forms.ModelChoiceField(label=_("To"), queryset=Unit.objects.none(), empty_label=None)
    subject = forms.CharField(label=_("Subject (optional)"), max_length=SUBJECT_MAX_LENGTH, required=False)
    text = forms.CharField(label=_("Your question or opinion"), max_length=POST_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4, "maxlength": POST_MAX_LENGTH}))

    field_order = ["unit", "subject", "text", "client_key"]

    def __init__(self, *args, units: list[Unit], **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["unit"])
        field.queryset = Unit.objects.filter(pk__in=[u.pk for u in units])
        field.choices = [(u.pk, u.name) for u in units]  # the list already read: no second query to render

    def clean(self):
        data = super().clean() or {}
        if data.get("text") and not data.get("subject"):
            first_line = data["text"].strip().splitlines()[0]
            data["subject"] = first_line if len(first_line) <= SUBJECT_FROM_TEXT else (
                first_line[: SUBJECT_FROM_TEXT - 1].rsplit(" ", 1)[0] + "…")
        return data


class PostForm(_Keyed):
    text = forms.CharField(label=_("Your message"), max_length=POST_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": POST_MAX_LENGTH}))
