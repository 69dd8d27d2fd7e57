"""The document library in the console: the list and its search, a document's page and file,
bookmarks, publishing, study assignments and their completion by subordinate unit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.console.forms import show_domain_error
from chibo.console.library_forms import AssignForm, DocumentForm
from chibo.console.views.common import console_view, is_htmx, require_anywhere, require_on
from chibo.core.errors import DomainError
from chibo.library import queries, services
from chibo.library.enums import DocumentKind
from chibo.library.models import Document, StudyAssignment
from chibo.org import paths
from chibo.org import queries as org_queries
from chibo.org.models import Unit

RESULTS = "library-results"


@console_view
def library(request: HttpRequest) -> HttpResponse:
    """Every document the user may read, newest first, or those matching the search box."""
    user = request.user
    q = (request.GET.get("q") or "").strip()[:200]
    kind = request.GET.get("kind") or ""
    kind = kind if kind in DocumentKind.values else ""
    page = queries.search(user, q, kind=kind, after=request.GET.get("after") or None)
    context = {"page": page, "q": q, "kind": kind, "kinds": DocumentKind.choices,
               "marked": queries.bookmarked_ids(user, page.rows),
               "may_publish": policy.has_perm_anywhere(user, Perm.LIBRARY_PUBLISH)}
    if is_htmx(request, RESULTS):
        return render(request, "console/library/_results.html", context)
    return render(request, "console/library/list.html", context)


@console_view
def bookmarks(request: HttpRequest) -> HttpResponse:
    page = queries.bookmarks(request.user, after=request.GET.get("after") or None)
    return render(request, "console/library/bookmarks.html", {"page": page, "marked": {d.pk for d in page.rows}})


@console_view
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    document = queries.get_document_for_user(user, pk)
    return render(request, "console/library/document.html", {
        "document": document, "bookmarked": bool(queries.bookmarked_ids(user, [document])),
        "assignments": queries.assignments_of(user, document),
        "may_edit": policy.can(user, Perm.LIBRARY_PUBLISH, document.unit_path),
        "may_assign": bool(queries.assignable_units(user, document)),
    })


def _file_name(document: Document) -> str:
    stem = (document.number or _("document")).replace("/", "-").replace(" ", "-")
    return f"{stem}.pdf"


@console_view
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    document = queries.get_document_for_user(request.user, pk)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=_file_name(document),  # type: ignore[return-value]
                        content_type="application/pdf")


@console_view
@require_POST
def bookmark(request: HttpRequest, pk: int) -> HttpResponse:
    """Add (``on=1``) or drop the bookmark; htmx swaps the button, a plain form comes back to the page."""
    document = queries.get_document_for_user(request.user, pk)
    keep = request.POST.get("on") == "1"
    if keep:
        services.bookmark(document, actor=request.user)
    else:
        services.unbookmark(document, actor=request.user)
    if is_htmx(request):
        return render(request, "console/library/_bookmark.html", {"document": document, "bookmarked": keep})
    return redirect("console:library_document", document.pk)


def _default_unit_code(user: Any) -> str:
    roots = org_queries.scope_roots(user, Perm.LIBRARY_PUBLISH)
    return roots[0].code if roots else ""


@console_view
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Publish a PDF document to a unit's subtree."""
    user = request.user
    require_anywhere(user, Perm.LIBRARY_PUBLISH)
    form = DocumentForm(request.POST or None, request.FILES or None, user=user,
                        initial={"unit": _default_unit_code(user)})
    if request.method == "POST" and form.is_valid():
        try:
            document = services.publish(actor=user, unit=form.cleaned_data["unit"], upload=form.cleaned_data["file"],
                                        data=form.details())
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The document was published."))
            return redirect("console:library_document", document.pk)
    status = 422 if form.errors else 200
    return render(request, "console/library/form.html", {"form": form, "document": None}, status=status)


@console_view
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a document's details or its audience."""
    user = request.user
    document = queries.get_document_for_user(user, pk)
    require_on(user, Perm.LIBRARY_PUBLISH, document.unit_path)
    form = DocumentForm.for_document(document, request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update(document, actor=user, changes=form.details(), unit=form.cleaned_data["unit"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("console:library_document", document.pk)
    status = 422 if form.errors else 200
    return render(request, "console/library/form.html", {"form": form, "document": document}, status=status)


@console_view
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the members of a unit's subtree to study the document by a date."""
    user = request.user
    document = queries.get_document_for_user(user, pk)
    units = queries.assignable_units(user, document)
    if not units:
        raise Forbidden(Perm.LIBRARY_PUBLISH)
    form = AssignForm(request.POST or None, user=user, initial={"unit": units[0].code})
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assign(document, actor=user, unit=form.cleaned_data["unit"],
                                         due_on=form.cleaned_data["due_on"], note=form.cleaned_data["note"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The members were asked to study the document."))
            return redirect("console:library_completion", assignment.pk)
    status = 422 if form.errors else 200
    return render(request, "console/library/assign.html", {"form": form, "document": document, "units": units},
                  status=status)


def _completion_unit(request: HttpRequest, assignment: StudyAssignment) -> Unit:
    """The unit chosen with ?unit= (within the user's scope), else the assignment's unit, or the
    top of the user's scope under it when the assignment came from above."""
    user = request.user
    chosen = request.GET.get("unit") or ""
    if chosen.isdigit():
        return org_queries.get_unit_for_user(user, pk=int(chosen), perm=Perm.MEMBERS_VIEW)
    if policy.can(user, Perm.MEMBERS_VIEW, assignment.unit_path):
        return assignment.unit
    inside = [u for u in org_queries.scope_roots(user, Perm.MEMBERS_VIEW) if u.path.startswith(assignment.unit_path)]
    if not inside:
        raise Forbidden(Perm.MEMBERS_VIEW)
    return inside[0]


@console_view
def completion(request: HttpRequest, pk: int) -> HttpResponse:
    """How many members confirmed the study, against those expected, by subordinate unit."""
    user = request.user
    assignment = queries.get_assignment_for_user(user, pk)
    require_anywhere(user, Perm.MEMBERS_VIEW)
    unit = _completion_unit(request, assignment)
    result = queries.completion(assignment, unit)
    return render(request, "console/library/completion.html", {
        "assignment": assignment, "document": assignment.document, "result": result,
        "up": _parent_in_view(user, unit, assignment),
    })


def _parent_in_view(user: Any, unit: Unit, assignment: StudyAssignment) -> int | None:
    """The id of ``unit``'s parent when the user may go up to it within the assignment."""
    parent_path = unit.path[: -paths.STEP]
    if unit.pk == assignment.unit_id or not parent_path.startswith(assignment.unit_path):
        return None
    return unit.parent_id if policy.can(user, Perm.MEMBERS_VIEW, parent_path) else None
