"""Running a generator in a second process, so that its work overlaps with the caller's.

A member import checks rows (pure Python: parsing, the registry's rules) and writes them (the
database). On one process both share one core; :func:`in_child_process` runs the checking in a
forked child that sends its results, chunk by chunk, through a pipe while this process writes the
previous chunks. A reader thread here takes the chunks off the pipe as they come (unpickling them
while the database inserts, which releases the GIL), up to a few chunks ahead, so memory stays
flat however long the file.

The child is forked: it starts with this process's memory (the parsers, the unit lookup, the
open file) and never touches the database connection it inherits. It ends with ``os._exit``, so
that connection is not closed under the parent either.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import multiprocessing
import os
import queue
import resource
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
ITEM, DONE, ERROR, ENDED = "item", "done", "error", "ended"
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_BYTES = 1 << 20  # Linux's default ceiling (/proc/sys/fs/pipe-max-size)
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent dies


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class LastChild:
    """What the last child that finished reported about itself (read by the bench)."""

    peak_rss_mb: float | None = None


last_child = LastChild()


class ChildFailed(RuntimeError):
    """The child process failed without a picklable exception (the traceback is the message)."""


def in_child_process(produce: Callable[[], Iterator[T]], ahead: int = 16) -> Iterator[T]:
    """Yield what ``produce()`` yields, computed in a forked child process.

    A reader thread takes the child's items off the pipe as they come, up to ``ahead`` of the
    caller, so neither side waits for the other while it has work. An exception raised in the
    child is raised here (the same class when it can be pickled); stopping the iteration early
    stops the child.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    _widen(send)
    child = context.Process(target=_serve, args=(produce, send, os.getpid()), name="chibo-import-check", daemon=True)
    child.start()
    send.close()  # the child holds its own copy: its end closes the pipe
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=ahead)
    stop = threading.Event()
    reader = threading.Thread(target=_read, args=(receive, inbox, stop), name="chibo-import-read", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = inbox.get()
            if kind == ITEM:
                yield value
            elif kind == DONE:
                last_child.peak_rss_mb = value
                return
            elif kind == ENDED:
                child.join()
                raise ChildFailed(f"the checking process stopped (exit code {child.exitcode})")
            else:
                raise value
    finally:
        stop.set()
        if child.is_alive():
            child.terminate()
        child.join()  # its end of the pipe is closed now: the reader stops
        reader.join()
        receive.close()


def _read(receive: Connection, inbox: queue.Queue, stop: threading.Event) -> None:
    """Move the child's messages from the pipe to ``inbox`` until the last one."""
    kind = ITEM
    while kind == ITEM and not stop.is_set():
        try:
            message = receive.recv()
        except (EOFError, OSError):  # the child ended without its last message
            message = (ENDED, None)
        kind = message[0]
        while not stop.is_set():
            try:
                inbox.put(message, timeout=0.1)
                break
            except queue.Full:
                continue


def _widen(end: Connection) -> None:
    """Let the pipe hold a whole chunk (Linux; 64 KiB by default): the child then writes it in
    one call and goes on checking, instead of waiting for this process to read each piece."""
    with contextlib.suppress(OSError):  # a lower limit: a narrower pipe works too, only slower
        fcntl.fcntl(end.fileno(), F_SETPIPE_SZ, PIPE_BYTES)


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this child when the thread that forked it dies, a worker killed
    with SIGKILL included. A child left alive would hold the connection it inherited, and with it
    the import's transaction and its locks, which a re-run of the import would then wait on."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the kernel was asked
        os._exit(1)


def _serve(produce: Callable[[], Iterator[Any]], send: Connection, parent: int) -> None:
    _die_with_parent(parent)
    try:
        for item in produce():
            send.send((ITEM, item))
        send.send((DONE, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    except BaseException as exc:  # handed to the parent, which raises it
        try:
            send.send((ERROR, exc))
        except Exception:  # the exception itself cannot be pickled
            send.send((ERROR, ChildFailed(traceback.format_exc())))
    finally:
        send.close()
