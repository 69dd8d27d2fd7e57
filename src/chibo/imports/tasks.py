"""The background job behind an uploaded import (job ledger)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chibo.core import jobs
from chibo.core.errors import DomainError
from chibo.core.files import local_copy
from chibo.core.models import Job
from chibo.imports import progress
from chibo.imports.models import ImportJob, ImportState

logger = logging.getLogger("chibo.imports")
SAVE_EVERY = 1.0  # seconds between progress saves


class JobProgress:
    """Publishes rows done/total for the console (at most once a second) and saves the phase.

    Inside the import's transaction a save to the job's row would be invisible (and SQLite would
    make it wait), so the live figures go through :mod:`chibo.imports.progress`; outside it
    (while a units file is checked) they are saved on the row as well.
    """

    def __init__(self, job: ImportJob):
        self.job, self.saved_at = job, 0.0

    def phase(self, state: str) -> None:
        self.job.state = state
        self.job.save(update_fields=["state"])

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.saved_at < SAVE_EVERY:
            return
        self.saved_at = now
        progress.publish(self.job.pk, done, total)
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job.pk).update(rows_done=done, rows_total=total)


def _finish(job: ImportJob, *, state: str, message: str, rows: int = 0, errors=None, error_count=0) -> None:
    job.state, job.message, job.finished_at = state, message, timezone.now()
    job.rows_total = job.rows_done = rows
    job.errors, job.error_count = errors or [], error_count
    job.save(update_fields=["state", "message", "finished_at", "rows_total", "rows_done", "errors", "error_count",
                            "scope_path"])


def died_message() -> str:
    return _("The server running the import stopped before the end; nothing was written. Press \"Run again\" "
             "or upload the file again.")


def import_died(ledger_job: Job) -> None:
    """The ledger's ``on_dead`` hook: the worker writing the import died (the import is one
    transaction, so nothing of it was written). The officer is told so, in their language."""
    job = ImportJob.objects.filter(pk=ledger_job.args["args"][0]).first()
    if job is None or job.state in (ImportState.DONE, ImportState.FAILED):
        return
    with translation.override(job.language or settings.LANGUAGE_CODE):
        _finish(job, state=ImportState.FAILED, message=died_message())
    progress.clear(job.pk)
    logger.error("import job %s: the worker %s stopped before the end; marked failed", job.pk, ledger_job.worker)


@jobs.job(max_attempts=1, on_dead=import_died)
def run_import(job_id: int) -> str:
    from chibo.imports.services import import_path

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.state != ImportState.QUEUED:  # a second delivery, or an import already run: nothing to do
        return job.state
    with translation.override(job.language or settings.LANGUAGE_CODE):
        reporter = JobProgress(job)
        try:
            with local_copy(job.file, suffix=Path(job.original_name).suffix) as path:
                fmt = Path(job.original_name).suffix.lstrip(".").lower() or None
                result = import_path(path, job.kind, actor=job.created_by, progress=reporter, fmt=fmt,
                                     on_phase=reporter.phase)
        except DomainError as exc:
            _finish(job, state=ImportState.FAILED, message=str(exc.message))
            return job.state
        except Exception:  # e.g. the uploaded file missing from a storage the servers do not share
            logger.exception("import job %s failed", job.pk)
            _finish(job, state=ImportState.FAILED,
                    message=_("The import failed on the server and nothing was written. Try again later; if it "
                              "fails again, tell the administrator (import %(id)d).") % {"id": job.pk})
            return job.state
        finally:
            progress.clear(job.pk)
        if result.ok:
            job.scope_path = result.scope_path
            _finish(job, state=ImportState.DONE, rows=result.rows,
                    message=_("%(n)d rows imported.") % {"n": result.rows})
        else:
            _finish(job, state=ImportState.FAILED, rows=result.rows, errors=result.errors,
                    error_count=result.error_count,
                    message=_("%(n)d errors: nothing was written.") % {"n": result.error_count})
    return job.state
