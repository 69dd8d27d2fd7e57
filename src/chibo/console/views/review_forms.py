"""The review's official forms as Word documents: a collective's report (form 01) and a member's
self-review (form 2A, 2B or 2C), filled in from the data at any step (``quality.paperwork``).

Both are scoped: a unit or a review outside the user's scope is 404; a member's form also needs
``members.view`` there (403 without it). Each download is audited as an export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

from chibo.accounts.roles import Perm
from chibo.console.views.common import attachment, console_view, require_on
from chibo.core import audit
from chibo.quality import paperwork, queries
from chibo.quality.models import MemberReview, UnitReview

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _member_review_for_user(user: Any, pk: int) -> MemberReview:
    review = queries.member_review_for_user(user, pk)
    require_on(user, Perm.MEMBERS_VIEW, review.unit_path)
    return review


def _audited(request: HttpRequest, review: UnitReview | MemberReview, form: str, filename: str) -> None:
    audit.record("reports.exported", actor=request.user, obj=review, unit_path=review.unit_path,
                 payload={"kind": "quality_form", "format": "docx", "form": form, "year": review.year,
                          "quarter": review.quarter, "title": filename})


@console_view
def unit_form(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    """Form 01: the collective's review report of ``year``."""
    review = queries.unit_review_for_user(request.user, pk, year)
    content = paperwork.unit_form(review)
    filename = f"mau-01-{review.unit.code}-{year}.docx"
    _audited(request, review, "01", filename)
    return attachment(content, DOCX, filename)


@console_view
def member_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's self-review form (2A, 2B or 2C) of the review ``pk``."""
    review = _member_review_for_user(request.user, pk)
    content = paperwork.member_form(review)
    suffix = f"-q{review.quarter}" if review.quarter else ""
    filename = f"mau-{review.form.lower()}-{review.member_id}-{review.year}{suffix}.docx"
    _audited(request, review, review.form, filename)
    return attachment(content, DOCX, filename)


urlpatterns = [
    path("reviews/units/<int:pk>/form01-<int:year>.docx", unit_form, name="review_form01"),
    path("reviews/members/<int:pk>/form.docx", member_form, name="review_member_form"),
]
