"""The member's yearly review in the handbook (Regulation 366-QĐ/TW, HD 43-HD/BTCTW): what to fill
(the self-review form that fits them, 2A, 2B or 2C, with what each part asks), a score per
criterion and the level they propose; then, read only, the cell's proposal, the verification and
the decision. A member not classified this year reads why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from chibo.core import audit
from chibo.core.errors import DomainError, NotFound
from chibo.core.forms import TypedTextForm
from chibo.core.rulebook import rule
from chibo.handbook.views import _page, handbook_page
from chibo.members.models import Member
from chibo.quality import frameworks, paperwork, rules, services
from chibo.quality.enums import Exclusion, Form, Level, Step
from chibo.quality.models import MemberReview

TEXT_MAX_LENGTH = 10000
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OTHER_REVIEWS_SHOWN = 12

# What each part of the self-review asks (HD 43-HD/BTCTW), in the order of the forms; the results
# part differs by form.
RESULTS_BY_FORM: dict[str, Any] = {
    Form.LEADER: gettext_lazy("The results of the agency, unit or field you lead or manage, and of your own tasks; "
                              "your share, as its head, of the collective's results and shortcomings."),
    Form.OFFICIAL: gettext_lazy("The results of the tasks of your post, by your job description and the year's "
                                "plan: how much, how well, on time."),
    Form.OTHER: gettext_lazy("Your work or production, the tasks your cell gave you, and how you carry out the "
                             "Party's guidelines and the State's laws in your family and neighbourhood."),
}


def parts(form: str) -> list[tuple[Any, Any]]:
    return [
        (gettext_lazy("Political thought, ethics and way of life"),
         gettext_lazy("Your political stance, how you study and carry out the Party's resolutions and the State's "
                      "laws, your ethics and way of life; any sign of degradation you guard against.")),
        (gettext_lazy("Results of the duties and tasks assigned"),
         RESULTS_BY_FORM.get(form, RESULTS_BY_FORM[Form.OTHER])),
        (gettext_lazy("Discipline, manner and ways of working"),
         gettext_lazy("How you keep the Party's discipline and your agency's rules; attending cell meetings and "
                      "paying dues; your manner and ways of working.")),
        (gettext_lazy("Contact with the cell and the people where you live"),
         gettext_lazy("How you keep in touch with the party cell and the people of your place of residence "
                      "(Regulation 213-QĐ/TW), and the example you set there.")),
        (gettext_lazy("Strengths, weaknesses and what you will improve"),
         gettext_lazy("Your main strengths; your weaknesses and shortcomings and their causes; what you corrected "
                      "since last year's review; what you will do to improve.")),
        (gettext_lazy("Your proposed level"),
         gettext_lazy("The level you propose for yourself: at most the one your points earn.")),
    ]


class SelfReviewForm(TypedTextForm):
    text = forms.CharField(label=gettext_lazy("Your self-review"), max_length=TEXT_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 12, "maxlength": TEXT_MAX_LENGTH}))
    level = forms.ChoiceField(label=gettext_lazy("The level you propose"), required=False,
                              choices=[("", pgettext_lazy("level", "The one my points earn")), *Level.choices])

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for c in criteria:
            points = _("Give 0 to %(max)d points.") % {"max": c["max"]}
            self.fields[f"score_{c['key']}"] = forms.IntegerField(
                label=c["label"], min_value=0, max_value=c["max"],
                error_messages={"invalid": points, "min_value": points, "max_value": points,
                                "required": _("Give your points for this criterion.")})

    def rows(self) -> list[tuple[dict[str, Any], forms.BoundField]]:
        return [(c, self[f"score_{c['key']}"]) for c in self.criteria]

    def scores(self) -> dict[str, Any]:
        return {c["key"]: self.cleaned_data[f"score_{c['key']}"] for c in self.criteria}

    def refused(self, error: DomainError) -> None:
        for name, messages in error.field_errors.items():
            field = name if name in self.fields else f"score_{name}"
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))
        if not error.field_errors:
            self.add_error(None, str(error.message))


def _reviews(member: Member):
    return MemberReview.objects.filter(member=member)


def _get(member: Member, pk: int | None) -> MemberReview | None:
    """The member's review ``pk`` (404 if it is not theirs), or their newest; one query."""
    qs = (_reviews(member).select_related("period", "framework__extends__extends", "cell_meeting")
          .order_by("-year", "-quarter", "-pk"))
    if pk is None:
        return qs.first()
    review = qs.filter(pk=pk).first()
    if review is None:
        raise NotFound("review")
    return review


def _day(day: Any) -> str:
    return date_format(day, "SHORT_DATE_FORMAT") if day else ""


def _why_not_classified(review: MemberReview, member: Member) -> str:
    end = _day(review.period.ends_on)
    if review.excluded == Exclusion.RECENT:
        months = int(rule("quality.min_months_admitted", on=review.period.ends_on))
        return _("You are not classified this time: you were admitted on %(day)s, less than %(months)d months "
                 "before the end of the period (%(end)s). Your cell still reviews you at its meeting.") % {
            "day": _day(member.admission_date), "months": months, "end": end}
    if review.excluded == Exclusion.SUSPENDED:
        return _("You are not classified this time: you were suspended from party activity on the last day of the "
                 "period (%(end)s).") % {"end": end}
    return ""


def _capped_in_words(review: MemberReview) -> str:
    if not review.capped_by:
        return ""
    earned = rules.level_for(review.final_score or Decimal(0), rule("quality.levels", on=review.period.ends_on))
    level = Level(review.level).label
    if review.capped_by == "disciplined_in_year":
        return _("Your points earn “%(earned)s”, but you were disciplined during the year: the rules allow at most "
                 "“%(level)s”.") % {"earned": Level(earned).label, "level": level}
    return _("Your points earn “%(earned)s”, but a condition of the rules (%(condition)s) allows at most "
             "“%(level)s”.") % {"earned": Level(earned).label, "condition": review.capped_by, "level": level}


def _shown_scores(criteria: list[dict[str, Any]], scores: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(c["label"], scores.get(c["key"]), c["max"]) for c in criteria]


def _context(review: MemberReview, member: Member, form: SelfReviewForm | None,
             criteria: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "review": review, "form": form, "parts": parts(review.form), "form_label": Form(review.form).label,
        "criteria": criteria, "self_scores": _shown_scores(criteria, review.self_scores or {}),
        "why_not": _why_not_classified(review, member) if review.excluded else "",
        "capped": _capped_in_words(review) if review.step == Step.DECIDED else "",
        "self_level": Level(review.self_level).label if review.self_level else "",
        "level": Level(review.level).label if review.level else "",
        "steps": _steps(review),
        "others": list(_reviews(member).exclude(pk=review.pk).order_by("-year", "-quarter")
                       .values("pk", "year", "quarter", "step")[:OTHER_REVIEWS_SHOWN]),
    }


def _steps(review: MemberReview) -> list[tuple[Any, bool]]:
    """The four steps and whether each is done."""
    order: list[str] = [Step.OPEN, Step.SELF_ASSESSED, Step.PROPOSED, Step.VERIFIED, Step.DECIDED]
    reached = order.index(review.step) if review.step in order else -1
    labels = [gettext_lazy("Your self-review"), gettext_lazy("The cell's proposal"),
              gettext_lazy("Verification by the committee's advisory body"), gettext_lazy("The decision")]
    return [(label, reached >= i + 1) for i, label in enumerate(labels)]


@handbook_page
def current_review(request: HttpRequest, member: Member) -> HttpResponse:
    review = _get(member, None)
    if review is None:
        return _page(request, "handbook/review_none.html", member, {}, tab="home")
    return _show(request, member, review)


@handbook_page
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    return _show(request, member, _get(member, pk))


def _show(request: HttpRequest, member: Member, review: MemberReview | None) -> HttpResponse:
    assert review is not None
    criteria = frameworks.shown(review.framework)
    writable = review.step in (Step.OPEN, Step.SELF_ASSESSED) and review.framework is not None
    form = None
    if writable:
        initial = {"text": review.self_text, "level": review.self_level if review.step == Step.SELF_ASSESSED else ""}
        initial |= {f"score_{k}": v for k, v in (review.self_scores or {}).items()}
        form = SelfReviewForm(request.POST if request.method == "POST" else None, criteria=criteria, initial=initial)
    closed = ""
    if request.method == "POST":
        if form is None:
            closed = _("Your self-review can no longer change: your cell has made its proposal, or you are not "
                       "classified this time.")
        elif _save(request, review, form):
            return redirect(reverse("handbook:review_detail", args=[review.pk]) + "?sent=1")
    sent = request.method == "GET" and request.GET.get("sent") == "1" and review.step == Step.SELF_ASSESSED
    context = _context(review, member, form, criteria) | {"closed": closed, "sent": sent}
    if form is not None:
        context["thresholds"] = rule("quality.levels", on=review.period.ends_on)
    failed = bool(closed) or (form is not None and bool(form.errors))
    return _page(request, "handbook/review.html", member, context, tab="home", status=400 if failed else 200)


def _save(request: HttpRequest, review: MemberReview, form: SelfReviewForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.self_assess_member(review, actor=request.user, text=form.cleaned_data["text"],
                                    scores=form.scores(), level=form.cleaned_data["level"])
    except NotFound:
        raise
    except DomainError as error:
        form.refused(error)
        return False
    return True


@handbook_page
def review_form(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    """The member's own self-review form (2A, 2B or 2C) as a Word document, audited as an export."""
    review = _get(member, pk)
    assert review is not None
    content = paperwork.member_form(review)
    suffix = f"-q{review.quarter}" if review.quarter else ""
    filename = f"mau-{review.form.lower()}-{review.year}{suffix}.docx"
    audit.record("reports.exported", actor=request.user, obj=review, unit_path=review.unit_path,
                 payload={"kind": "quality_form", "format": "docx", "form": review.form, "year": review.year,
                          "quarter": review.quarter, "title": filename, "own": True})
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("review/", current_review, name="review"),
    path("review/<int:pk>/", review_page, name="review_detail"),
    path("review/<int:pk>/form.docx", review_form, name="review_form"),
]
