"""Starting exports: who may export what, in which format, audited; the background job writes it.

:func:`start_export` is the way into a big export: it resolves what is asked (an export
*source*, e.g. ``members`` = a unit's member list), checks the actor's permission, refuses an
XLSX longer than a sheet holds (use CSV), records ``reports.exported`` in the audit log with the
parameters masked, and queues :func:`chibo.reports.tasks.run_export` after the commit.
:func:`render_export` exports small tables at once (a report page's download buttons), audited
the same way. Other apps add sources with :func:`register_source`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chibo.accounts import policy
from chibo.accounts.roles import Perm
from chibo.core import audit
from chibo.core.errors import DomainError, NotFound, PermissionDenied
from chibo.reports import exports
from chibo.reports.models import ExportFormat, ExportJob, ExportKind
from chibo.reports.tables import Table

CONTENT_TYPES: dict[str, str] = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True)
class Prepared:
    """An export the actor may make: what it is called, where, how many rows, masked or not."""

    title: str
    file_stem: str
    unit_path: str
    rows: int
    masked: bool


@dataclass(frozen=True)
class Source:
    """An export kind. ``prepare(actor, params)`` checks the actor's permission (raising
    ``NotFound``/``PermissionDenied``/``DomainError``) and counts the rows, in the request;
    ``tables(actor, params, prepared)`` gives the tables to write, in the background job
    (checking again: a grant may have ended meanwhile); ``charts`` (same arguments) the SVG
    charts of a PDF, from :mod:`chibo.reports.charts`."""

    prepare: Callable[[Any, dict[str, Any]], Prepared]
    tables: Callable[[Any, dict[str, Any], Prepared], list[Table]]
    formats: tuple[str, ...] = (ExportFormat.XLSX, ExportFormat.CSV, ExportFormat.PDF)
    charts: Callable[[Any, dict[str, Any], Prepared], list[Any]] | None = None


SOURCES: dict[str, Source] = {}


def register_source(kind: str, source: Source) -> None:
    """Make ``kind`` exportable through :func:`start_export` (e.g. a report, by its module)."""
    SOURCES[kind] = source


# ---- the member list of a unit's subtree ------------------------------------------------------

def _member_unit(actor: Any, params: dict[str, Any]):
    from chibo.org.queries import get_unit_for_user

    try:
        unit_id = int(params["unit"])
    except (KeyError, TypeError, ValueError) as exc:
        raise NotFound("unit") from exc
    unit = get_unit_for_user(actor, pk=unit_id)
    if not policy.can(actor, Perm.MEMBERS_EXPORT, unit.path):
        raise PermissionDenied(_("You may not export the members of this unit."))
    return unit


def _prepare_members(actor: Any, params: dict[str, Any]) -> Prepared:
    from chibo.members.export import count_rows

    unit = _member_unit(actor, params)
    return Prepared(title=_("Members of %(unit)s") % {"unit": unit.name}, file_stem=f"members-{unit.code}",
                    unit_path=unit.path, rows=count_rows(actor=actor, unit=unit),
                    masked=not policy.can(actor, Perm.MEMBERS_VIEW_SENSITIVE, unit.path))


def _member_tables(actor: Any, params: dict[str, Any], prepared: Prepared) -> list[Table]:
    from chibo.members.export import export_table

    unit = _member_unit(actor, params)
    return [export_table(actor=actor, unit=unit, row_count=prepared.rows)]


register_source(ExportKind.MEMBERS, Source(_prepare_members, _member_tables,
                                           formats=(ExportFormat.XLSX, ExportFormat.CSV)))


# ---- starting a job ---------------------------------------------------------------------------

def source_for(kind: str, fmt: str) -> Source:
    source = SOURCES.get(kind)
    if source is None:
        raise DomainError(_("There is no such export."))
    if fmt not in source.formats:
        raise DomainError(_("This list cannot be exported as %(format)s.") % {"format": fmt.upper() or "?"},
                          {"format": [_("Choose one of: %(formats)s.")
                                      % {"formats": ", ".join(f.upper() for f in source.formats)}]})
    return source


def check_size(rows: int, fmt: str) -> None:
    """Refuse a format the rows do not fit: an XLSX beyond a sheet (use CSV), a long PDF."""
    if fmt == ExportFormat.XLSX and rows > exports.XLSX_MAX_ROWS:
        raise exports.xlsx_refusal(rows)
    if fmt == ExportFormat.PDF and rows > exports.PDF_MAX_ROWS:
        raise exports.pdf_refusal(rows)


def _record(actor: Any, *, kind: str, fmt: str, params: dict[str, Any], prepared: Prepared,
            obj: Any = None) -> None:
    audit.record("reports.exported", actor=actor, obj=obj, unit_path=prepared.unit_path,
                 payload={"kind": kind, "format": fmt, "params": params, "title": prepared.title,
                          "rows": prepared.rows, "masked": prepared.masked})


def start_export(actor: Any, kind: str, params: dict[str, Any], fmt: str) -> ExportJob:
    """Queue a background export of ``kind`` (with ``params``, e.g. ``{"unit": 12}``) as ``fmt``
    ("xlsx", "csv", "pdf") for ``actor``, who alone may download it; audited.

    Raises ``NotFound`` (outside the actor's scope), ``PermissionDenied`` (may see it but not
    export it) and ``DomainError`` (no such export or format; an XLSX longer than a sheet).
    """
    source = source_for(kind, fmt)
    params = dict(params)
    prepared = source.prepare(actor, params)
    check_size(prepared.rows, fmt)
    with transaction.atomic():
        job = ExportJob.objects.create(user=actor, kind=kind, params=params, format=fmt, title=prepared.title[:255],
                                       unit_path=prepared.unit_path, rows_total=prepared.rows,
                                       language=translation.get_language() or "")
        _record(actor, kind=kind, fmt=fmt, params=params, prepared=prepared, obj=job)
        from chibo.reports.tasks import run_export

        run_export(job.pk)  # the ledger's row in this transaction; sent to a worker after the commit
    return job


def file_name(stem: str, fmt: str, as_of: dt.date | None = None) -> str:
    """``members-K.2026-11-21.xlsx``: ASCII letters (Vietnamese folded), digits, dots and dashes, and
    once the day the figures are as of (today unless given); the stem carries no date of its own."""
    from chibo.core.text import fold

    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", fold(stem) if not stem.isascii() else stem).strip("-.") or "export"
    return f"{safe}.{as_of or timezone.localdate():%Y-%m-%d}.{fmt}"


# ---- small exports, at once -------------------------------------------------------------------

@dataclass(frozen=True)
class ExportFile:
    data: bytes
    content_type: str
    filename: str


def render_export(*, actor: Any, tables: Table | Sequence[Table], fmt: str, name: str, unit_path: str = "",
                  charts: Sequence[Any] = (), title: str = "", params: dict[str, Any] | None = None,
                  as_of: dt.date | None = None) -> ExportFile:
    """``tables`` (already scoped to what ``actor`` may see) as a file to send back at once;
    audited as ``reports.exported``. For the short tables of a report: a long list goes through
    :func:`start_export`."""
    import io

    tables = [tables] if isinstance(tables, Table) else list(tables)
    if fmt not in CONTENT_TYPES:
        raise DomainError(_("Unknown export format."))
    for table in tables:
        if table.row_count is not None:
            check_size(table.row_count, fmt)
    buffer = io.BytesIO()
    if fmt == ExportFormat.PDF:
        data = exports.to_pdf(tables, charts, title=title)
        rows = sum(t.row_count or 0 for t in tables)
    elif fmt == ExportFormat.XLSX:
        rows = exports.to_xlsx(tables, buffer)
        data = buffer.getvalue()
    else:
        if len(tables) != 1:
            raise DomainError(_("A CSV file holds one table: export the report as XLSX or PDF."))
        rows = exports.to_csv(tables[0], buffer)
        data = buffer.getvalue()
    prepared = Prepared(title=title or (tables[0].title if tables else ""), file_stem=name, unit_path=unit_path,
                        rows=rows, masked=False)
    _record(actor, kind=ExportKind.REPORT, fmt=fmt, params=params or {}, prepared=prepared)
    return ExportFile(data=data, content_type=CONTENT_TYPES[fmt], filename=file_name(name, fmt, as_of))


# ---- reads ------------------------------------------------------------------------------------

def jobs_for_user(user: Any) -> QuerySet[ExportJob]:
    """The user's own export jobs, newest first (none for anonymous users and the system)."""
    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(user=user).order_by("-created_at", "-pk")


def get_job_for_user(user: Any, pk: int) -> ExportJob:
    """The job (with its live progress while it runs), or ``NotFound`` when it is missing or
    someone else's: an export is downloaded only by the user who asked for it."""
    job = jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise NotFound("export")
    return job.with_live_progress()
