"""Uploading an import file and following its background job."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from chibo.accounts.roles import Perm
from chibo.console.forms import ImportForm, show_domain_error
from chibo.console.views.common import console_view, is_htmx, require_anywhere
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.imports.models import ImportState
from chibo.imports.queries import get_job_for_user

ERRORS_SHOWN = 100


@console_view
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Perm.MEMBERS_IMPORT)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from chibo.imports.services import submit_import

        try:
            job = submit_import(actor=request.user, kind=form.cleaned_data["kind"],
                                uploaded_file=form.cleaned_data["file"])
        except DomainError as error:
            show_domain_error(form, error)
        else:
            return redirect("console:import_job", job.pk)
    return render(request, "console/import_upload.html", {"form": form})


@console_view
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page; with htmx, only the progress panel (polled every second until it ends)."""
    job = get_job_for_user(request.user, pk)
    errors = job.errors[:ERRORS_SHOWN]
    from chibo.imports.services import may_run_again

    context = {
        "job": job,
        "may_run_again": may_run_again(job),
        "finished": job.state in (ImportState.DONE, ImportState.FAILED),
        "errors": errors,
        "more_errors": max(job.error_count, len(job.errors)) - len(errors),
    }
    template = "console/_import_progress.html" if is_htmx(request) else "console/import_job.html"
    return render(request, template, context)


@console_view
@require_http_methods(["POST"])
def import_again(request: HttpRequest, pk: int) -> HttpResponse:
    """"Run again" on a failed import's page: the same file queued again (the service checks the
    owner, the permission and that it may be run again)."""
    from chibo.imports.services import run_again

    try:
        run_again(actor=request.user, job_id=pk)
    except (NotFound, PermissionDenied):
        raise  # DomainErrors too: console_view answers them 404 / 403, not as a message
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("console:import_job", pk)

