"""Member development in the console: the cell's board, the case page and its next step,
the committee's inbox and overdue report, awareness courses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.admissions import queries, services, stages
from chibo.admissions.models import CaseDocument
from chibo.admissions.stages import Stage
from chibo.admissions.steps import official_members
from chibo.console.admission_forms import CaseForm, CourseForm, DocumentForm, StepForm
from chibo.console.forms import show_domain_error
from chibo.console.views.common import attachment, console_view, require_anywhere, require_on
from chibo.core.errors import DomainError
from chibo.core.errors import NotFound as DomainNotFound
from chibo.org import queries as org_queries
from chibo.org.models import Unit


def _may_record(user: Any, path: str) -> bool:
    return policy.can(user, Perm.ADMISSIONS_RECORD, path)


@console_view
def unit_admissions(request: HttpRequest, pk: int) -> HttpResponse:
    """A cell's pipeline board; for a committee, its subtree's cases by stage."""
    user = request.user
    unit = org_queries.get_unit_for_user(user, pk=pk, perm=Perm.MEMBERS_VIEW)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "unit": unit, "today": today, "ancestors": org_queries.ancestors(unit, user)[:-1],
        "may_open": unit.holds_members and unit.is_open and _may_record(user, unit.path),
        "may_decide": policy.can(user, Perm.ADMISSIONS_DECIDE, unit.path),
        "year": queries.year_totals(unit, today.year),
    }
    if unit.holds_members:
        context["columns"] = queries.board(unit)
    else:
        counts = queries.stage_counts(user, unit)
        context["stage_counts"] = [(s, counts.get(s, 0)) for s in stages.PIPELINE if s != Stage.OFFICIAL]
        context["overdue_children"] = queries.overdue_by_child(user, unit, today)
    return render(request, "console/admissions/unit.html", context)


@console_view
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a person on the cell's sympathizer list."""
    unit = org_queries.get_unit_for_user(request.user, pk=pk, perm=Perm.MEMBERS_VIEW)
    require_on(request.user, Perm.ADMISSIONS_RECORD, unit.path)
    form = CaseForm(request.POST or None, opening=True, cell=unit)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(actor=request.user, cell=unit, data=form.changes(),
                                      on=form.cleaned_data["on"], resolution=form.cleaned_data["resolution"],
                                      helper=form.cleaned_data["helper"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("%(name)s was put on the sympathizer list.") % {"name": case.full_name})
            return redirect("console:case", case.pk)
    return render(request, "console/admissions/case_form.html", {"form": form, "unit": unit, "case": None})


@console_view
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk)
    require_on(request.user, Perm.ADMISSIONS_RECORD, case.unit_path)
    form = CaseForm.for_case(case, request.POST or None, with_sensitive=queries.may_see_sensitive(request.user, case))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(case, actor=request.user, changes=form.changes())
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("console:case", case.pk)
    return render(request, "console/admissions/case_form.html", {"form": form, "unit": case.cell, "case": case})


def _moves(user: Any, case: Any) -> list[tuple[Stage, bool]]:
    """The moves the case may make, each with whether this user may record it."""
    moves = stages.next_stages(case.stage, under_committee=stages.under_committee(case.cell))
    return [(m, policy.can(user, stages.permission_for(m), case.unit_path)) for m in moves]


def _case_page(request: HttpRequest, case: Any, form: StepForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    moves = _moves(user, case)
    allowed = [m for m, ok in moves if ok]
    chosen = request.GET.get("to")
    if form is None and chosen in allowed:
        form = StepForm(case=case, to=Stage(chosen))
    elif form is None and moves and moves[0][1]:  # the pipeline's next stage, when this user records it
        form = StepForm(case=case, to=moves[0][0])
    today = timezone.localdate()
    steps = list(case.steps.select_related("actor").order_by("on", "id"))
    context = {
        "case": case, "today": today, "moves": moves, "form": form, "steps": steps, "allowed": allowed,
        "introductions": list(case.introductions.select_related("member")),
        "verifications": list(case.verifications.all()),
        "documents": list(case.documents.all()),
        "document_form": DocumentForm() if _may_record(user, case.unit_path) else None,
        "may_edit": case.member_id is None and case.stage not in stages.FINAL and _may_record(user, case.unit_path),
        "overdue": case.next_due is not None and case.next_due < today,
        "vote_help": _vote_help(case, form, today),
        "paperwork": _paperwork(steps),
    }
    return render(request, "console/admissions/case.html", context, status=status)


def _vote_help(case: Any, form: StepForm | None, today: Any) -> dict[str, int] | None:
    """For a cell vote: the official members counted today and the votes needed (from the registry)."""
    if form is None or form.stage not in (Stage.CELL_VOTED, Stage.RECOGNITION_VOTED):
        return None
    members = official_members(case.cell_id, today)
    return {"members": members, "needed": services.rules.votes_needed(members, today) if members else 0}


# the official forms, and the step each one records
PAPERWORK = {"cell_resolution": Stage.CELL_VOTED, "admission_decision": Stage.ADMITTED,
             "recognition_decision": Stage.OFFICIAL}


def _paperwork(steps: list[Any]) -> list[tuple[str, Any]]:
    """The official forms this case can print now."""
    from chibo.admissions import paperwork

    reached = {s.stage for s in steps if s.passed}
    return [(kind, paperwork.FORMS[kind]) for kind, stage in PAPERWORK.items() if stage in reached]


@console_view
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, queries.get_case_for_user(request.user, pk))


@console_view
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the next step; on a refusal the page comes back with the reasons on the fields."""
    case = queries.get_case_for_user(request.user, pk)
    to = request.POST.get("to", "")
    if to not in Stage.values:
        raise DomainNotFound("stage")
    require_on(request.user, stages.permission_for(to), case.unit_path)
    form = StepForm(request.POST, case=case, to=to)
    if form.is_valid():
        try:
            case = services.advance(case, actor=request.user, to=to, on=form.day, facts=form.facts(),
                                    expected=form.cleaned_data["expected"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Recorded: %(stage)s.") % {"stage": Stage(to).label})
            return redirect("console:case", case.pk)
    return _case_page(request, case, form, status=422)


@console_view
@require_POST
def case_document(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.get_case_for_user(request.user, pk)
    require_on(request.user, Perm.ADMISSIONS_RECORD, case.unit_path)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attach_document(case, actor=request.user, title=form.cleaned_data["title"],
                                     upload=form.cleaned_data["file"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The document was attached."))
            return redirect("console:case", case.pk)
    for problem in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, str(problem))
    return redirect("console:case", case.pk)


@console_view
def case_paperwork(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    """An official form of the case, pre-filled, as DOCX or PDF (audited like an export)."""
    from chibo.admissions import paperwork
    from chibo.core import audit

    case = queries.get_case_for_user(request.user, pk)
    if kind not in PAPERWORK or fmt not in ("docx", "pdf"):
        raise DomainNotFound("form")
    try:
        content = paperwork.render_docx(case, kind) if fmt == "docx" else paperwork.render_pdf(case, kind)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("console:case", case.pk)
    audit.record("admissions.form_printed", actor=request.user, obj=case, unit_path=case.unit_path,
                 payload={"form": kind, "format": fmt})
    types = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}
    return attachment(content, types[fmt], f"{kind}-{case.pk}.{fmt}")


@console_view
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(CaseDocument.objects.select_related("case"), pk=pk)
    queries.get_case_for_user(request.user, document.case_id)  # 404 outside the user's scope
    name = (document.file.name or "").rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=False, filename=name)  # type: ignore[return-value]


def _scope_unit(request: HttpRequest, perm: str) -> Unit:
    """The unit chosen with ?unit=, or the user's first unit where they hold ``perm``."""
    require_anywhere(request.user, perm)
    chosen = request.GET.get("unit")
    if chosen and chosen.isdigit():
        return org_queries.get_unit_for_user(request.user, pk=int(chosen), perm=perm)
    return org_queries.scope_roots(request.user, perm)[0]


@console_view
def inbox(request: HttpRequest) -> HttpResponse:
    """The cases awaiting the committee across the subtree, soonest deadline first."""
    unit = _scope_unit(request, Perm.ADMISSIONS_DECIDE)
    page = queries.inbox(request.user, unit, after=request.GET.get("after") or None)
    return render(request, "console/admissions/list.html", {
        "unit": unit, "page": page, "today": timezone.localdate(), "kind": "inbox",
        "title": _("Awaiting the committee")})


@console_view
def overdue(request: HttpRequest) -> HttpResponse:
    """Open cases past a deadline, by subordinate unit and one by one."""
    unit = _scope_unit(request, Perm.MEMBERS_VIEW)
    today = timezone.localdate()
    return render(request, "console/admissions/list.html", {
        "unit": unit, "today": today, "kind": "overdue", "title": _("Overdue cases"),
        "page": queries.overdue(request.user, unit, today, after=request.GET.get("after") or None),
        "by_child": queries.overdue_by_child(request.user, unit, today)})


@console_view
@require_http_methods(["GET", "POST"])
def courses(request: HttpRequest) -> HttpResponse:
    """The awareness courses of the subtree this year, with their participants."""
    unit = _scope_unit(request, Perm.MEMBERS_VIEW)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdecimal() and 2000 <= int(raw) <= 2100 else timezone.localdate().year
    may_add = _may_record(request.user, unit.path) or policy.can(request.user, Perm.ADMISSIONS_DECIDE, unit.path)
    if request.method == "POST" and not may_add:
        raise Forbidden(Perm.ADMISSIONS_RECORD)
    form = CourseForm(request.POST or None) if may_add else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.create_course(actor=request.user, unit=unit, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("The course was added."))
            return redirect(f"{request.path}?unit={unit.pk}&year={year}")
    rows = queries.courses(request.user, unit, year)
    return render(request, "console/admissions/courses.html", {
        "unit": unit, "year": year, "rows": rows, "form": form,
        "nominated": sum(r.participants for r in rows), "totals": queries.year_totals(unit, year)})


@console_view
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = queries.get_course_for_user(request.user, pk)
    participants = queries.cases_for_user(request.user).filter(course=course).select_related("cell").order_by(
        "name_folded", "id")
    return render(request, "console/admissions/course.html", {"course": course, "participants": participants})
