"""Live progress of a running import job, outside the database transaction.

An import writes in one long transaction, so its progress cannot go to the job's row while it
runs (nobody would see it before the commit, and SQLite would wait for the import). The worker
publishes it through huey's own key-value store instead (a separate SQLite file, or Redis), where
the console reads it.
"""

from __future__ import annotations

from huey.contrib.djhuey import HUEY


def _key(job_id: int) -> str:
    return f"chibo:import-progress:{job_id}"


def publish(job_id: int, done: int, total: int) -> None:
    HUEY.put(_key(job_id), (done, total))


def read(job_id: int) -> tuple[int, int] | None:
    """(rows done, rows total) last published for the job, or None."""
    value = HUEY.get(_key(job_id), peek=True)
    return (int(value[0]), int(value[1])) if value else None


def clear(job_id: int) -> None:
    HUEY.delete(_key(job_id))
