"""The handbook's library: search, my bookmarks, what to study; a document (its text, readable
without network once opened or bookmarked), bookmark it, confirm its study, download the PDF."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from chibo.core.errors import DomainError, NotFound
from chibo.core.forms import check_posted_text
from chibo.handbook import queries as handbook_queries
from chibo.handbook.views import _page, handbook_page
from chibo.library import queries, services
from chibo.library.models import StudyAssignment
from chibo.members.models import Member

TEXT_SHOWN = 60_000  # characters of the document's text on its page
STUDIES_SHOWN = 20


@handbook_page
def library(request: HttpRequest, member: Member) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    found = queries.search(request.user, text, after=request.GET.get("after") or None) if text.strip() else None
    return _page(request, "handbook/library.html", member, {
        "q": text, "found": found, "bookmarks": queries.bookmarks(request.user).rows,
        "studies": handbook_queries.to_study(member, limit=STUDIES_SHOWN),
    }, tab="library")


@handbook_page
@require_http_methods(["GET", "POST"])
def document(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    doc = queries.get_document_for_user(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            _act(request, doc)
        except DomainError as error:
            errors = [str(error.message), *[str(m) for msgs in error.field_errors.values() for m in msgs]]
        else:
            return redirect("handbook:document", doc.pk)
    studies = [a for a in queries.assignments_for_member(member) if a.document_id == doc.pk]
    return _page(request, "handbook/document.html", member, {
        "document": doc, "text": (doc.text or "")[:TEXT_SHOWN], "cut": len(doc.text or "") > TEXT_SHOWN,
        "bookmarked": bool(queries.bookmarked_ids(request.user, [doc])), "studies": studies, "errors": errors,
    }, tab="library", status=400 if errors else 200)


def _act(request: HttpRequest, doc) -> None:
    check_posted_text(request.POST)
    action = request.POST.get("action")
    if action == "bookmark":
        services.bookmark(doc, actor=request.user)
    elif action == "unbookmark":
        services.unbookmark(doc, actor=request.user)
    elif action == "confirm":
        raw = request.POST.get("assignment", "")
        assignment = StudyAssignment.objects.filter(pk=int(raw) if raw.isdigit() else 0, document=doc).first()
        if assignment is None:
            raise NotFound("assignment")
        services.confirm(assignment, actor=request.user, reflection=request.POST.get("reflection", ""))


@handbook_page
def download(request: HttpRequest, member: Member, pk: int) -> HttpResponse:
    doc = queries.get_document_for_user(request.user, pk)
    name = f"{doc.number or doc.pk}.pdf".replace("/", "-")
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=name)  # type: ignore[return-value]
