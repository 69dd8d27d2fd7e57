"""Liveness and readiness probes for nginx and an orchestrator (docs/operations.md "Health,
metrics and logs").

``/healthz`` answers while the process can answer at all; ``/readyz`` says whether this app server
can serve: the primary database answers, every migration is applied, the job queue's Redis
answers (when ``REDIS_URL`` is set) and the media directory is writable. The read replica is
reported but never makes the server unready: its reads fall back to the primary.

The probes (and ``/metrics``) are answered by :class:`ProbeMiddleware`, placed before the session,
host, authentication and lockout middleware: they need no session, are never redirected to the
log-in page, counted by the lockout or refused for an unknown ``Host`` (an orchestrator probes by
address), and they write nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

REDIS_TIMEOUT = 1.0  # seconds: a probe must answer faster than the orchestrator's own timeout


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **({"detail": self.detail} if self.detail else {})}


def check_database(*, connection: BaseDatabaseWrapper) -> Check:
    """The database answers ``SELECT 1``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check(False, f"the database does not answer ({_first_line(exc)}): check DATABASE_URL "
                            "and that PostgreSQL (or PgBouncer) is running")
    return Check(True)


def unapplied_migrations(*, connection: BaseDatabaseWrapper) -> list[str]:
    """The migrations of the installed code not yet applied to the database, as ``app.name``."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class MigrationsCheck:
    """Unapplied migrations, read once per process: once all are applied, they stay applied for
    the code this process runs. While some are missing, every probe reads again (``migrate`` may be
    running)."""

    def __init__(self) -> None:
        self._applied = False
        self._lock = threading.Lock()

    def __call__(self, *, connection: BaseDatabaseWrapper) -> Check:
        if self._applied:
            return Check(True)
        try:
            missing = unapplied_migrations(connection=connection)
        except DatabaseError as exc:
            return Check(False, f"the applied migrations could not be read ({_first_line(exc)})")
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            return Check(False, f"{len(missing)} migration(s) not applied ({shown}): run "
                                "'python -m chibo migrate' against the primary")
        with self._lock:
            self._applied = True
        return Check(True)

    def reset(self) -> None:
        with self._lock:
            self._applied = False


MIGRATIONS = MigrationsCheck()
_redis_clients: dict[str, Any] = {}


def redis_url() -> str | None:
    """The job queue's Redis, when the queue is in Redis (``REDIS_URL``)."""
    huey = getattr(settings, "HUEY", {}) or {}
    return huey.get("url") if str(huey.get("huey_class", "")).endswith("RedisHuey") else None


def check_redis(*, url: str) -> Check:
    import redis

    client = _redis_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
        _redis_clients[url] = client
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check(False, f"the job queue's Redis does not answer ({_first_line(exc)}): check REDIS_URL "
                            "and that Redis is running")
    return Check(True)


def check_media(*, root: Path) -> Check:
    """The media directory can be written: a directory check, no file is written. A directory
    not made yet is fine when its parent is writable (the storage makes it on the first file)."""
    if root.exists():
        if not root.is_dir():
            return Check(False, f"CHIBO_MEDIA_DIR {root} is not a directory")
        if not os.access(root, os.W_OK | os.X_OK):
            return Check(False, f"CHIBO_MEDIA_DIR {root} is not writable by this process: fix its owner "
                                "or permissions (every app server and worker writes there)")
        return Check(True)
    parent = next((p for p in root.parents if p.exists()), None)
    if parent is None or not os.access(parent, os.W_OK | os.X_OK):
        return Check(False, f"CHIBO_MEDIA_DIR {root} does not exist and cannot be made: create it, "
                            "or mount the shared directory there")
    return Check(True, "not made yet; made on the first stored file")


def replica_report() -> dict[str, Any]:
    """The read replica's state, for the report only (never a reason to be unready)."""
    try:
        from chibo.core.replica import replica_status  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {"configured": False, "usable": False, "lag_seconds": None, "reason": "no replica support"}
    try:
        status = replica_status()
    except Exception as exc:  # noqa: BLE001  (a report: the probe must still answer)
        return {"configured": True, "usable": False, "lag_seconds": None, "reason": _first_line(exc)}
    return {"configured": bool(status.configured), "usable": bool(status.usable),
            "lag_seconds": status.lag_seconds, "reason": status.reason}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Every check by name, and whether the server is ready (all checks but the replica ok)."""
    connection = connections["default"]
    checks: dict[str, Check] = {"database": check_database(connection=connection)}
    checks["migrations"] = (MIGRATIONS(connection=connection) if checks["database"].ok
                            else Check(False, "not checked: the database does not answer"))
    url = redis_url()
    if url:
        checks["redis"] = check_redis(url=url)
    checks["media"] = check_media(root=Path(settings.MEDIA_ROOT))
    ready = all(check.ok for check in checks.values())
    report: dict[str, Any] = {name: check.as_json() for name, check in checks.items()}
    report["replica"] = replica_report()
    return ready, report


def healthz(request: HttpRequest) -> HttpResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request: HttpRequest) -> HttpResponse:
    ready, report = readiness()
    body = {"status": "ok" if ready else "unavailable", "checks": report}
    return _no_store(JsonResponse(body, status=200 if ready else 503))


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class ProbeMiddleware:
    """Answers ``/healthz``, ``/readyz`` and ``/metrics`` before the rest of the stack runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from chibo.core.metrics import metrics_view

        self.get_response = get_response
        self.probes: dict[str, Callable[[HttpRequest], HttpResponse]] = {
            "/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path_info.rstrip("/") or "/")
        if probe is None:
            return self.get_response(request)
        request.chibo_view = probe.__name__.removesuffix("_view")  # type: ignore[attr-defined]
        if request.method not in ("GET", "HEAD"):
            return JsonResponse({"status": "error", "detail": "use GET"}, status=405, headers={"Allow": "GET, HEAD"})
        return probe(request)
