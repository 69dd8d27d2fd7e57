"""A job for tests/deploy/test_jobs_ledger.py, loaded by the worker through CHIBO_JOB_MODULES: it
writes one audit line in a transaction it holds open for a while (long enough to be killed in)."""

from __future__ import annotations

import os
import time

from django.db import transaction

from chibo.core.jobs import job
from chibo.core.models import AuditEntry


@job()
def write_slowly(tag: str, seconds: float) -> None:
    with transaction.atomic():
        AuditEntry.objects.create(action="jobtest.written", object_id=tag, payload={"pid": os.getpid()})
        time.sleep(seconds)
