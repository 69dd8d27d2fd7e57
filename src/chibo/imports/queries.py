"""Reads of import jobs: a user sees the jobs they submitted."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from chibo.core.errors import NotFound
from chibo.imports.models import ImportJob


def jobs_for_user(user: Any) -> QuerySet[ImportJob]:
    """The user's own import jobs, newest first (none for anonymous users and the system)."""
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user).order_by("-created_at", "-pk")


def get_job_for_user(user: Any, pk: int) -> ImportJob:
    """The job (with its live progress while it runs), or :class:`NotFound` when it is missing
    or someone else's."""
    job = jobs_for_user(user).filter(pk=pk).first()
    if job is None:
        raise NotFound("import")
    return job.with_live_progress()
