"""The residence cells' comments (Regulation 213-QĐ/TW) on one page for both sides: the requests
a unit's cells must answer about members who live there, and the requests its cells sent about
their working members, with the answers; the form to ask."""

from __future__ import annotations

from typing import Any

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
from chibo.console.views.common import console_view, require_on
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.core.forms import TypedTextForm
from chibo.org import paths
from chibo.org import queries as org_queries
from chibo.org.models import Unit
from chibo.quality import queries, residence
from chibo.quality.models import MemberReview


class AskForm(TypedTextForm):
    review = forms.TypedChoiceField(label=gettext_lazy("Member"), coerce=int)
    residence_code = forms.CharField(
        label=gettext_lazy("Code of the cell where the member lives"), max_length=32,
        help_text=gettext_lazy("Exactly as that cell's secretary gives it; the cell may be in another province."))

    def __init__(self, *args: Any, reviews: list[MemberReview], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["review"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(r.pk, r.member.full_name) for r in reviews]


class AnswerForm(TypedTextForm):
    comment = forms.IntegerField(min_value=1, max_value=2**62)
    text = forms.CharField(label=gettext_lazy("The residence cell's comment"), max_length=residence.TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": residence.TEXT_MAX_LENGTH}))


def _year(request: HttpRequest, unit: Unit) -> int:
    raw = request.GET.get("year", "")
    if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return residence.latest_year(unit) or timezone.localdate().year


def _within(path: str, unit: Unit) -> bool:
    return unit.path <= path < paths.upper_bound(unit.path)


def _ask(request: HttpRequest, unit: Unit, form: AskForm) -> bool:
    if not form.is_valid():
        return False
    review = queries.member_review_for_user(request.user, form.cleaned_data["review"])
    if not _within(review.unit_path, unit):
        raise NotFound("review")
    try:
        comment = residence.ask(review, actor=request.user, residence_code=form.cleaned_data["residence_code"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _form_error(form, error, "residence_code")
        return False
    messages.success(request, _("The request was sent to %(cell)s: its secretary is told, and the answer will "
                                "appear below.") % {"cell": comment.residence_unit.name})
    return True


def _answer(request: HttpRequest, unit: Unit, form: AnswerForm) -> bool:
    if not form.is_valid():
        return False
    comment = residence.get_incoming_for_user(request.user, form.cleaned_data["comment"])
    if not _within(comment.residence_path, unit):
        raise NotFound("comment")
    try:
        residence.answer(comment, actor=request.user, text=form.cleaned_data["text"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _form_error(form, error, "text")
        return False
    messages.success(request, _("The comment was sent to the member's cell."))
    return True


def _form_error(form: forms.Form, error: DomainError, field: str) -> None:
    if not error.field_errors:
        form.add_error(None, str(error.message))
    for name, errors in error.field_errors.items():
        for message in errors:
            form.add_error(name if name in form.fields else field, str(message))


@console_view
@require_http_methods(["GET", "POST"])
def residence_comments(request: HttpRequest, pk: int) -> HttpResponse:
    unit = org_queries.get_unit_for_user(request.user, pk=pk)
    year = _year(request, unit)
    may_assess = policy.can(request.user, Perm.QUALITY_ASSESS, unit.path)
    reviews = residence.askable(unit, year) if may_assess else []
    ask_form = AskForm(reviews=reviews, initial={"review": request.GET.get("review", "")})
    answer_form = AnswerForm()
    if request.method == "POST":
        require_on(request.user, Perm.QUALITY_ASSESS, unit.path)
        action = request.POST.get("action")
        if action == "ask":
            ask_form = AskForm(request.POST, reviews=reviews)
            done = _ask(request, unit, ask_form)
        else:
            answer_form = AnswerForm(request.POST)
            done = _answer(request, unit, answer_form)
        if done:
            return redirect(reverse("console:residence_comments", args=[unit.pk]) + f"?year={year}")
    return render(request, "console/residence/page.html", {
        "unit": unit, "year": year, "may_assess": may_assess, "ask_form": ask_form, "answer_form": answer_form,
        "incoming": residence.incoming(unit, year), "sent": residence.sent(unit, year), "reviews": reviews,
        "shown": residence.SHOWN,
    }, status=400 if ask_form.errors or answer_form.errors else 200)


urlpatterns = [
    path("units/<int:pk>/residence-comments/", residence_comments, name="residence_comments"),
]
