"""Registering jobs and queueing them: the row first, in the caller's transaction; the message
(the row's id only) to the queue after the commit."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from chibo.core.models import Job

logger = logging.getLogger("chibo.jobs")
REGISTRY: dict[str, JobSpec] = {}
SLOT_LOOKBACK_MINUTES = 120  # how far back a periodic slot's scheduled minute is looked for


class JobSpec:
    """A registered job. Calling it queues it (``run_import(job.pk)``); ``call_local`` runs the
    function here and now (tests, commands)."""

    def __init__(self, func: Callable[..., Any], *, max_attempts: int, on_dead: Callable[[Job], Any] | None):
        self.func, self.max_attempts, self.on_dead = func, max_attempts, on_dead
        self.name = f"{func.__module__}.{func.__qualname__}"
        self.__doc__, self.__name__, self.__module__ = func.__doc__, func.__name__, func.__module__

    def __call__(self, *args: Any, **kwargs: Any) -> Job | None:
        return self.enqueue(*args, **kwargs)

    def call_local(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def enqueue(self, *args: Any, key: str | None = None, **kwargs: Any) -> Job | None:
        """Write the job's row (in the caller's transaction) and send it after the commit.
        With a ``key`` already in the ledger nothing is queued and None is returned."""
        payload = {"args": list(args), "kwargs": kwargs}
        try:
            json.dumps(payload)
        except TypeError as exc:
            raise TypeError(f"{self.name}: a job's arguments must be JSON (ids, strings, numbers): {exc}") from exc
        job = Job(name=self.name, args=payload, max_attempts=self.max_attempts, key=key)
        if key is None:
            job.save()
        else:
            try:
                with transaction.atomic():
                    job.save()
            except IntegrityError:
                return None
        send_after_commit([job.pk])
        return job

    def __repr__(self) -> str:
        return f"<job {self.name}>"


def job(*, max_attempts: int = 3, on_dead: Callable[[Job], Any] | None = None) -> Callable[[Callable], JobSpec]:
    """Register a function as a ledger job (replaces huey's ``@db_task()``). ``max_attempts``
    counts the runs a dead worker may cost; ``on_dead(job)`` is called when the last one died."""

    def decorator(func: Callable) -> JobSpec:
        spec = JobSpec(func, max_attempts=max_attempts, on_dead=on_dead)
        REGISTRY[spec.name] = spec
        return spec

    return decorator


def periodic_job(schedule: Callable[[dt.datetime], bool], *, max_attempts: int = 3,
                 on_dead: Callable[[Job], Any] | None = None) -> Callable[[Callable], JobSpec]:
    """A job queued on a huey ``crontab`` (replaces ``@db_periodic_task``). The huey periodic task
    only queues the job with the key ``name:<scheduled minute>``: every worker may run the
    scheduler, each slot runs once."""
    from huey.contrib.djhuey import db_periodic_task

    def decorator(func: Callable) -> JobSpec:
        spec = job(max_attempts=max_attempts, on_dead=on_dead)(func)

        def queue_the_slot() -> None:
            spec.enqueue(key=f"{spec.name}:{scheduled_minute(schedule):%Y-%m-%dT%H:%M}")

        spec.schedule = db_periodic_task(schedule, name=f"slot:{spec.name}")(queue_the_slot)  # type: ignore[attr-defined]
        return spec

    return decorator


def scheduled_minute(schedule: Callable[[dt.datetime], bool], now: dt.datetime | None = None) -> dt.datetime:
    """The latest minute up to ``now`` (huey's clock) that ``schedule`` names: the slot a late
    scheduler (a busy queue) still attributes to the right minute."""
    from huey.contrib.djhuey import HUEY

    if now is None:
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None) if HUEY.utc else dt.datetime.now()
    minute = now.replace(second=0, microsecond=0)
    for back in range(SLOT_LOOKBACK_MINUTES):
        candidate = minute - dt.timedelta(minutes=back)
        if schedule(candidate):
            return candidate
    return minute


def lookup(name: str) -> JobSpec | None:
    """The registered job ``name``; its module (``CHIBO_JOB_MODULES`` or an app's ``tasks``) is
    imported when no job of that name is registered yet."""
    if name not in REGISTRY:
        module = name.rsplit(".", 1)[0]
        if module in settings.CHIBO_JOB_MODULES or (module.startswith("chibo.") and module.endswith(".tasks")):
            try:
                importlib.import_module(module)
            except ImportError:
                logger.exception("job module %s cannot be imported", module)
    return REGISTRY.get(name)


def send_after_commit(ids: list[int]) -> None:
    """Hand the jobs' ids to the queue once the current transaction commits (at once outside one).
    A queue that does not answer is logged: the sweeper sends the jobs again."""
    if ids:
        transaction.on_commit(lambda: send(ids), robust=True)


def send(ids: list[int]) -> None:
    from chibo.core.jobs.runner import run_job

    for pk in ids:
        try:
            run_job(pk)
        except Exception:  # the queue is down: the row stays queued and the sweeper sends it again
            logger.exception("job %s could not be sent to the queue; the sweeper will send it again", pk)
