"""Reads from a streaming replica, with read-your-writes (docs/operations.md "Replica reads",
decision 0013).

Nothing goes to the replica unless it is marked: ``replica_reads`` (a view decorator, also a
context manager) sends the *reads* of the code inside to the ``replica`` alias when one is
configured, usable (:func:`replica_status`) and the request is not pinned to the primary.
Writes, migrations and everything unmarked go to ``default``. Inside a marked block:

- a transaction opened on ``default`` (``transaction.atomic()``) reads from ``default``: its
  reads see its own writes and ``select_for_update`` locks the primary's rows;
- once the block has written anything (``db_for_write`` was asked), every later read of it goes
  to ``default`` too, so a read that follows a write sees it;
- a transaction opened on ``replica`` (the export job) keeps reading from ``replica`` to its end,
  so its snapshot is never split between two servers.

A replica that fails during a marked GET or HEAD (connection refused, closed, shut down) is
marked down for ``CHIBO_REPLICA_CHECK_SECONDS`` and the view runs again on the primary. This is
safe because a block that has written never reads from the replica again: a failure can only
come before the block's first write. A streamed response's rows are read after the view
returned, outside the block, so from the primary.

A replica failure is seen wherever it happens: connecting, and the health check of a connection
kept from an earlier request (``CONN_HEALTH_CHECKS``), are done by the router itself before it
chooses the replica (:func:`_connected`), not by Django's first cursor; a statement's error by the
execute wrapper; any other error of the block (a fetch from a server-side cursor, a cursor of a
dropped connection) is the replica's when the block read from it and its connection no longer
answers. Each is logged once, naming the alias and its address (``chibo.replica``).
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger("chibo.replica")

REPLICA = "replica"
PRIMARY = "default"
COOKIE = "chibo_primary_until"
PINNED = "chibo_read_from_primary"  # the request attribute the middleware sets
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD"})

T = TypeVar("T")


@dataclass(frozen=True)
class ReplicaStatus:
    configured: bool
    usable: bool
    lag_seconds: float | None
    reason: str


@dataclass
class _Reads:
    """One marked block: may it still read from the replica, and did the replica fail in it."""

    pinned: bool = False
    wrote: bool = False
    used: bool = False
    failed: bool = False


_block: ContextVar[_Reads | None] = ContextVar("chibo_replica_reads", default=None)
_lock = threading.Lock()
_last: dict[str, Any] = {"status": None, "until": 0.0}  # this process's last look at the replica


# --- health -----------------------------------------------------------------------------------

def configured() -> bool:
    return REPLICA in connections


def replica_status() -> ReplicaStatus:
    """The replica as this process last saw it (looked at again after ``CHIBO_REPLICA_CHECK_SECONDS``).
    Never raises."""
    if not configured():
        return ReplicaStatus(False, False, None, "no replica: DATABASE_REPLICA_URL is not set")
    now = time.monotonic()
    with _lock:
        if _last["status"] is not None and now < _last["until"]:
            return _last["status"]
    status = _look()
    _remember(status)
    return status


def _remember(status: ReplicaStatus) -> None:
    with _lock:
        _last["status"], _last["until"] = status, time.monotonic() + settings.CHIBO_REPLICA_CHECK_SECONDS


def mark_down(reason: str) -> None:
    """Skip the replica in this process for ``CHIBO_REPLICA_CHECK_SECONDS``, and close its connection."""
    seconds, where = settings.CHIBO_REPLICA_CHECK_SECONDS, _address()
    logger.warning("database alias %r (%s) skipped for %s s, reads go to %r: %s", REPLICA, where, seconds, PRIMARY,
                   reason, extra={"db_alias": REPLICA, "db_address": where})
    _remember(ReplicaStatus(True, False, None, reason))
    _close_replica()


def forget_status() -> None:
    """Look at the replica again on the next question (tests; after a failover)."""
    with _lock:
        _last["status"], _last["until"] = None, 0.0


def _address() -> str:
    """host:port of the replica alias (no user or password), for the logs."""
    config = connections[REPLICA].settings_dict
    return f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"


def _close_replica() -> None:
    try:
        connections[REPLICA].close()
    except Exception:  # a broken connection may fail to close: it is dropped all the same
        connections[REPLICA].connection = None


LOOK = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming' OR status IS NULL),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0  -- after a restart: below
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def _look() -> ReplicaStatus:
    connection = connections[REPLICA]
    if connection.settings_dict is connections[PRIMARY].settings_dict:
        # the tests' mirror (TEST MIRROR): the "replica" is the primary's own database
        return ReplicaStatus(True, True, 0.0, "the replica alias is the primary's own database (a test mirror)")
    try:
        with connection.cursor() as cursor:
            cursor.execute(LOOK)
            in_recovery, streaming, lag = cursor.fetchone()
    except Exception as exc:
        _close_replica()
        return ReplicaStatus(True, False, None, f"cannot be reached: {_first_line(exc)}")
    return judge(in_recovery=bool(in_recovery), streaming=bool(streaming),
                 lag_seconds=None if lag is None else float(lag),
                 max_lag=settings.CHIBO_REPLICA_MAX_LAG_SECONDS)


def judge(*, in_recovery: bool, streaming: bool, lag_seconds: float | None, max_lag: int) -> ReplicaStatus:
    """Whether a replica in this state may serve reads, and why (a pure rule)."""
    if not in_recovery:
        return ReplicaStatus(True, False, None, "it is not in recovery: it was promoted (or is a primary), "
                                                "so it is no replica of this database any more")
    if not streaming:
        return ReplicaStatus(True, False, lag_seconds, "its WAL receiver is not streaming from the primary: "
                                                       "its data may be old while its lag reads 0")
    if lag_seconds is None:
        return ReplicaStatus(True, False, None, "its lag is unknown (nothing replayed since it started)")
    if lag_seconds > max_lag:
        return ReplicaStatus(True, False, lag_seconds, f"its lag of {lag_seconds:.1f} s is above "
                                                       f"CHIBO_REPLICA_MAX_LAG_SECONDS={max_lag}")
    return ReplicaStatus(True, True, lag_seconds, f"streaming, lag {lag_seconds:.1f} s")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --- routing ----------------------------------------------------------------------------------

def read_alias() -> str:
    """Where a read made here goes: ``replica`` or ``default``."""
    block = _block.get()
    if block is None or not configured():
        return PRIMARY
    if connections[REPLICA].in_atomic_block:
        return REPLICA  # a transaction on the replica (an export's snapshot) reads there to its end
    if block.pinned or block.wrote or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if not replica_status().usable or not _connected():
        return PRIMARY
    block.used = True
    return REPLICA


def _connected() -> bool:
    """Connect to the replica here, where a failure skips it: a connection kept from an earlier
    request is health-checked first (``CONN_HEALTH_CHECKS``), else Django's first cursor would
    check it, drop it and connect again outside the fallback ("the database system is shutting
    down" on a 500)."""
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Exception as exc:
        mark_down(f"cannot be reached: {_first_line(exc)}")
        return False
    return True


class ReplicaRouter:
    """``DATABASE_ROUTERS``: reads of marked code to the replica, everything else to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        block = _block.get()
        if block is not None:
            block.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        aliases = {PRIMARY, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


# --- marking ----------------------------------------------------------------------------------

def _watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """The replica connection's execute wrapper inside a marked block: notes a lost replica."""
    try:
        return execute(sql, params, many, context)
    except (OperationalError, InterfaceError):
        block = _block.get()
        if block is not None:
            block.failed = True
        raise


@contextmanager
def _marked(block: _Reads) -> Iterator[_Reads]:
    if _block.get() is not None:  # nested: the outer block decides
        yield _block.get()  # type: ignore[misc]
        return
    token = _block.set(block)
    try:
        if configured():
            with connections[REPLICA].execute_wrapper(_watch):
                yield block
        else:
            yield block
    finally:
        _block.reset(token)


def run_with_fallback(work: Callable[[], T], *, pinned: bool = False) -> T:
    """``work()`` with its reads on the replica; again on the primary if the replica failed in it."""
    if _block.get() is not None:  # inside a marked block already: the outer one decides
        return work()
    block = _Reads(pinned=pinned)
    try:
        with _marked(block):
            return work()
    except (DatabaseError, InterfaceError) as exc:
        if not (block.failed or _lost(block)):
            if block.used:
                exc.add_note(f"chibo.replica: not a failure of database alias {REPLICA!r} ({_address()}): "
                             "it still answers")
            raise
        mark_down(f"failed during a request: {_first_line(exc)}")
    return work()


def _lost(block: _Reads) -> bool:
    """Did the replica fail outside a statement of ``block`` (a fetch from a server-side cursor, a
    cursor of a dropped connection)? Asked after an error only: a block that read from it, and
    whose connection no longer answers."""
    return block.used and not connections[REPLICA].is_usable()


def _pinned(request: Any) -> bool:
    return bool(getattr(request, PINNED, False))


def _decorate(view: Callable[..., T]) -> Callable[..., T]:
    @wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> T:
        if request.method not in READ_METHODS:  # a marked view's form post reads and writes on the primary
            return view(request, *args, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and configured():
            bool(user.is_authenticated)  # who is asking is read from the primary, before the block
        return run_with_fallback(lambda: view(request, *args, **kwargs), pinned=_pinned(request))

    with suppress(NameError):  # django-ninja reads the parameters' types: resolve them in the view's module
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


def replica_reads(view: Callable[..., T] | None = None) -> Any:
    """``@replica_reads`` on a view (GET/HEAD only; re-run on the primary if the replica fails), or
    ``with replica_reads():`` around code (no re-run: the caller decides, see ``run_with_fallback``)."""
    if view is not None:
        return _decorate(view)
    return _marked(_Reads())


# --- read-your-writes -------------------------------------------------------------------------

def pinned_until(request: Any) -> float | None:
    raw = request.COOKIES.get(COOKIE, "")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


class ReadYourWritesMiddleware:
    """A client that has just written reads from the primary for ``CHIBO_READ_YOUR_WRITES_SECONDS``:
    after a POST/PUT/PATCH/DELETE answered below 500 it gets the ``chibo_primary_until`` cookie,
    and a request carrying an unexpired one is pinned to the primary."""

    def __init__(self, get_response: Callable[[Any], Any]):
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        until = pinned_until(request)
        setattr(request, PINNED, until is not None and until > time.time())
        response = self.get_response(request)
        if request.method in WRITE_METHODS and response.status_code < 500 and configured():
            seconds = settings.CHIBO_READ_YOUR_WRITES_SECONDS
            response.set_cookie(COOKIE, str(int(time.time()) + seconds), max_age=seconds, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
