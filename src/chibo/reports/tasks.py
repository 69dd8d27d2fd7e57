"""The background job that writes an export file (job ledger), with its progress.

The file is written on the local disk and then saved in the storage (``chibo.core.files``), so
the server that offers the download need not be the worker that wrote it. The rows are streamed
(behind a transaction pooler, which breaks server-side cursors, in keyset batches:
``chibo.core.keyset``), on PostgreSQL inside one ``REPEATABLE READ`` transaction, so that every
statement reads the same snapshot. A save to the job's row inside that transaction would show
to nobody, so the progress goes through huey's key-value store (a separate SQLite file, or
Redis), as the imports do; on SQLite, which reads without a transaction (one would hold the write
lock for the whole export), it is saved on the row as well. Either way about once a second.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import HUEY

from chibo.core import jobs, replica
from chibo.core.errors import DomainError, NotFound
from chibo.core.files import store_written
from chibo.core.models import Job
from chibo.reports import exports
from chibo.reports.models import ExportFormat, ExportJob, ExportState

logger = logging.getLogger("chibo.reports")
SAVE_EVERY = 1.0  # seconds between progress saves
KEEP_DAYS = 7  # export files are personal data: they are deleted after a week


def _key(job_id: int) -> str:
    return f"chibo:export-progress:{job_id}"


def publish_progress(job_id: int, done: int, total: int) -> None:
    HUEY.put(_key(job_id), (done, total))


def read_progress(job_id: int) -> tuple[int, int] | None:
    """(rows done, rows total) last published for the job, or None."""
    value = HUEY.get(_key(job_id), peek=True)
    return (int(value[0]), int(value[1])) if value else None


def clear_progress(job_id: int) -> None:
    HUEY.delete(_key(job_id))


class JobProgress:
    """The writers' ``progress(rows written)`` callback: publishes at most once a second."""

    def __init__(self, job: ExportJob):
        self.job, self.saved_at = job, time.monotonic()

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.saved_at < SAVE_EVERY:
            return
        self.saved_at = now
        total = max(self.job.rows_total, done)
        publish_progress(self.job.pk, done, total)
        if not connection.in_atomic_block:
            ExportJob.objects.filter(pk=self.job.pk).update(rows_done=done, rows_total=total)


@contextmanager
def _reading() -> Iterator[None]:
    """One read transaction on PostgreSQL, one snapshot for all its statements when it is the
    outermost; none on SQLite (see the module's docstring). It is on the replica when one is
    usable (``chibo.core.replica``), else on the primary; the job's own row is written to the
    primary either way."""
    alias = replica.read_alias()
    reader = connections[alias]
    if reader.vendor != "postgresql":
        yield
        return
    outermost = not reader.in_atomic_block
    with transaction.atomic(using=alias):
        if outermost:
            with reader.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def write_file(job: ExportJob, progress: Any = None) -> int:
    """Write ``job``'s file (as its user, who is checked again); returns the rows written. Its
    reads are on the replica when one is usable; if the replica fails on the way, the file is
    written again from the primary (a failed attempt leaves no file behind)."""
    return replica.run_with_fallback(lambda: _write_file(job, progress))


def _write_file(job: ExportJob, progress: Any) -> int:
    from chibo.reports.services import file_name, source_for

    source = source_for(job.kind, job.format)
    prepared = source.prepare(job.user, dict(job.params))
    job.rows_total = prepared.rows
    name = file_name(prepared.file_stem, job.format)
    with store_written(job.file, f"{job.pk}-{name}") as path, _reading():
        tables = source.tables(job.user, dict(job.params), prepared)
        if job.format == ExportFormat.XLSX:
            return exports.to_xlsx(tables, path, progress=progress)
        if job.format == ExportFormat.CSV:
            if len(tables) != 1:
                raise DomainError(_("A CSV file holds one table: export the report as XLSX or PDF."))
            return exports.to_csv(tables[0], path, progress=progress)
        charts = source.charts(job.user, dict(job.params), prepared) if source.charts else ()
        written = [0]

        def counting(done: int) -> None:
            written[0] = done
            if progress:
                progress(done)

        path.write_bytes(exports.to_pdf(tables, charts, progress=counting))
        return written[0]


def _finish(job: ExportJob, state: str, *, rows: int | None = None, error: str = "") -> None:
    job.state, job.error, job.finished_at = state, error, timezone.now()
    if rows is not None:
        job.rows_done = job.rows_total = rows
    job.save(update_fields=["state", "error", "finished_at", "rows_done", "rows_total", "file"])


def remove_leftovers(job: ExportJob) -> int:
    """The files a worker that died while it saved ``job``'s file may have left in the storage
    (``exports/<month>/<id>-…``; the row names none of them yet): deleted before the re-run."""
    storage, count = ExportJob.file.field.storage, 0
    for day in {job.created_at, timezone.now()}:
        folder = timezone.localtime(day).strftime("exports/%Y/%m")
        try:
            names = storage.listdir(folder)[1]
        except (FileNotFoundError, NotImplementedError):
            continue
        for name in names:
            if name.startswith(f"{job.pk}-"):
                storage.delete(f"{folder}/{name}")
                count += 1
    return count


def export_died(ledger_job: Job) -> None:
    """The ledger's ``on_dead`` hook: the workers writing the export died on every attempt."""
    job = ExportJob.objects.filter(pk=ledger_job.args["args"][0], state=ExportState.RUNNING).first()
    if job is not None:
        remove_leftovers(job)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            _finish(job, ExportState.FAILED,
                    error=_("The server writing the export stopped before the end. Ask for the export again; if it "
                            "fails again, tell the administrator (export %(id)d).") % {"id": job.pk})


@jobs.job(on_dead=export_died)
def run_export(job_id: int) -> str:
    """Write the export's file. Run again after its worker died (the ledger re-queues it, the
    export still "running"), it removes what the dead run left and writes the whole file again."""
    job = ExportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.state not in (ExportState.QUEUED, ExportState.RUNNING):
        return job.state if job else "missing"
    if job.state == ExportState.RUNNING:
        remove_leftovers(job)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        job.state = ExportState.RUNNING
        job.save(update_fields=["state"])
        try:
            rows = write_file(job, JobProgress(job))
        except NotFound:
            _finish(job, ExportState.FAILED, error=_("What you asked to export is no longer within your scope."))
        except DomainError as exc:
            _finish(job, ExportState.FAILED, error=str(exc.message))
        except Exception:
            logger.exception("export job %s failed", job.pk)
            _finish(job, ExportState.FAILED,
                    error=_("The export failed on the server. Try again later; if it fails again, tell the "
                            "administrator (export %(id)d).") % {"id": job.pk})
        else:
            _finish(job, ExportState.DONE, rows=rows)
        finally:
            clear_progress(job.pk)
    return job.state


@jobs.periodic_job(crontab(hour="3", minute="30"))
def purge_old_exports() -> int:
    """Delete the files of exports older than :data:`KEEP_DAYS` days (the jobs stay, for the record)."""
    before = timezone.now() - dt.timedelta(days=KEEP_DAYS)
    count = 0
    for job in ExportJob.objects.filter(created_at__lt=before).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count

