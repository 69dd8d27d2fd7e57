"""Exports in the console: starting a member-list export, following its job, downloading the file."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chibo.console.views.common import console_view, is_htmx
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.reports.models import ExportKind, ExportState
from chibo.reports.services import CONTENT_TYPES, get_job_for_user, start_export


@console_view
@require_POST
def member_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Start exporting the unit's member list (``format`` = xlsx or csv); on to the job's page."""
    fmt = request.POST.get("format", "xlsx")
    try:
        job = start_export(request.user, ExportKind.MEMBERS, {"unit": pk}, fmt)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("console:unit", pk)
    return redirect("console:export_job", job.pk)


@console_view
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page; with htmx, only the progress panel (polled every second until it ends)."""
    job = get_job_for_user(request.user, pk)
    context = {"job": job, "finished": job.finished}
    template = "console/_export_progress.html" if is_htmx(request) else "console/export_job.html"
    return render(request, template, context)


@console_view
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The finished file, for the user who asked for it only (404 for anyone else)."""
    job = get_job_for_user(request.user, pk)
    if job.state != ExportState.DONE or not job.file:
        raise Http404("export")
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:  # deleted after a week
        raise Http404("export") from exc
    return FileResponse(handle, as_attachment=True, filename=job.download_name,
                        content_type=CONTENT_TYPES.get(job.format, "application/octet-stream"))  # type: ignore[return-value]
