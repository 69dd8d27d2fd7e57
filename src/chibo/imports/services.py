"""Importing units and members from CSV/XLSX files: validate every row, then all-or-nothing.

:func:`import_path` does the work (the command line calls it directly); :func:`submit_import`
saves an upload and lets a background job run it (the console's upload form).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.imports.dues_import import DuesPortalImporter
from chibo.imports.importer import Conflict, Importer, clash_message
from chibo.imports.members_import import MemberImporter
from chibo.imports.members_write import is_clash
from chibo.imports.models import ImportJob, ImportKind, ImportState
from chibo.imports.readers import FileProblem, open_table
from chibo.imports.report import ImportResult
from chibo.imports.units_import import UnitImporter

IMPORTERS: dict[str, type[Importer]] = {ImportKind.UNITS: UnitImporter, ImportKind.MEMBERS: MemberImporter,
                                        ImportKind.DUES_PORTAL: DuesPortalImporter}
PERMISSIONS: dict[str, str] = {ImportKind.UNITS: Perm.UNITS_CHANGE, ImportKind.MEMBERS: Perm.MEMBERS_IMPORT,
                               ImportKind.DUES_PORTAL: Perm.DUES_RECORD}


def _importer(kind: str, actor: Any) -> Importer:
    if kind not in IMPORTERS:
        raise DomainError(_("Choose what the file contains: units or members."))
    return IMPORTERS[kind](actor)


def import_path(path: Path, kind: str, *, actor: Any, progress: Callable[[int, int], None] | None = None,
                fmt: str | None = None, on_phase: Callable[[str], None] | None = None) -> ImportResult:
    """Import the ``kind`` ("units" or "members") rows of the CSV or XLSX file at ``path``.

    Every row is checked (``progress(rows checked, estimated rows)``) and written in one
    transaction: if any row is wrong, nothing is written and the result lists the errors. Members
    are written while they are checked (the transaction is rolled back on the first error);
    units are checked first, then written (``on_phase("writing")``, ``progress(rows written,
    rows)``). ``fmt`` overrides the file extension; ``on_phase`` hears "validating" first.
    Raises PermissionDenied when the actor may import nowhere.
    """
    importer = _importer(kind, actor)
    try:
        if on_phase:
            on_phase(ImportState.VALIDATING)
        scope = None
        try:
            with open_table(Path(path), fmt) as table:
                scope = importer.run(table, progress, on_phase)
        except FileProblem as problem:
            importer.log.add(problem.row, "", problem.message)
        except Conflict as conflict:
            importer.log.add(1, "", conflict.message)
        except Exception as exc:  # the database's own unique constraints, raced by another writer
            if not is_clash(exc):
                raise
            importer.log.add(1, "", clash_message())
        if not importer.log and importer.rows == 0:
            importer.log.add(1, "", _("The file has no data rows below the header."))
        if importer.log or scope is None:
            return ImportResult.rejected(kind, importer.rows, importer.log)
        return ImportResult(kind, rows=importer.rows, scope_path=scope)
    finally:
        importer.close()


def submit_import(*, actor: Any, kind: str, uploaded_file: Any) -> ImportJob:
    """Save the upload as an :class:`ImportJob` and queue the background job that imports it."""
    if kind not in PERMISSIONS:
        raise DomainError(_("Choose what the file contains: units or members."))
    if not policy.has_perm_anywhere(actor, PERMISSIONS[kind]):
        raise PermissionDenied(_("You may not import into any unit."))
    name = Path(uploaded_file.name).name
    if Path(name).suffix.lower() not in (".csv", ".xlsx"):
        raise DomainError(_("Unknown file type: use a .csv or .xlsx file."), {"file": [_("Use a .csv or .xlsx file.")]})
    job = ImportJob(kind=kind, original_name=name, created_by=actor,
                    language=translation.get_language() or "")
    job.file.save(name, uploaded_file, save=False)
    from chibo.imports.tasks import run_import

    with transaction.atomic():  # the import and its ledger job together; sent to a worker after the commit
        job.save()
        run_import(job.pk)
    return job


def may_run_again(job: ImportJob) -> bool:
    """A failed import that no row of its file failed (the server stopped or failed) and whose
    file is still stored may be run again as it is."""
    name = job.file.name
    if job.state != ImportState.FAILED or job.error_count or not name:
        return False
    return job.file.storage.exists(name)


def run_again(*, actor: Any, job_id: int) -> ImportJob:
    """Queue the same import again (its stored file, a new ledger job), for the officer who
    uploaded it; audited. Raises NotFound (someone else's), PermissionDenied (no longer allowed)
    and DomainError (not a failed import, or its file is gone)."""
    from chibo.imports.tasks import run_import

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, created_by=actor).first()
        if job is None:
            raise NotFound("import")
        if not policy.has_perm_anywhere(actor, PERMISSIONS[job.kind]):
            raise PermissionDenied(_("You may not import into any unit."))
        if not may_run_again(job):
            raise DomainError(_("Only an import that failed on the server, whose file is still stored, can be run "
                                "again: upload the file again."))
        job.state, job.message, job.errors, job.error_count = ImportState.QUEUED, "", [], 0
        job.rows_done = job.rows_total = 0
        job.finished_at, job.language = None, translation.get_language() or job.language
        job.save(update_fields=["state", "message", "errors", "error_count", "rows_done", "rows_total",
                                "finished_at", "language"])
        audit.record("imports.run_again", actor=actor, obj=job, payload={"kind": job.kind, "file": job.original_name})
        run_import(job.pk)
    return job

