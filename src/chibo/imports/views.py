"""Downloads of an import job's results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from chibo.core.errors import NotFound
from chibo.imports.queries import get_job_for_user
from chibo.imports.report import write_errors_csv


@login_required
def errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's error report as CSV (row, column, message), UTF-8 with a BOM for Excel."""
    try:
        job = get_job_for_user(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    response.write("\ufeff")
    write_errors_csv(job.errors, response, total=job.error_count)
    return response
