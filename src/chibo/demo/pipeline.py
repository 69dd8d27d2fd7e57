"""Compute a sequence of results in forked processes, and use them in order.

The national preset spends longer generating rows in Python than the database spends storing
them, so the loader generates the partitions of members in child processes (each takes every
n-th partition and sends its results, pickled, through a bounded queue) while this process
writes them. A child never touches the database connection it inherits and leaves with
``os._exit`` (multiprocessing's fork start method), so the parent's connection and transaction
are unaffected. Where ``fork`` is unavailable, or with ``workers=0``, everything runs
in-process; the results are the same either way.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import traceback
from collections.abc import Callable, Iterator
from typing import Any

_DONE = "__done__"
_ERROR = "__error__"


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux ``VmHWM``), in MB; 0 where unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def _produce(out, work: Callable[[int], Any], indexes: range) -> None:
    try:
        for i in indexes:
            out.put(work(i))
        out.put((_DONE, peak_rss_mb()))
    except BaseException:  # report anything: the parent re-raises
        out.put((_ERROR, traceback.format_exc()))


def _take(out, child) -> Any:
    while True:
        try:
            item = out.get(timeout=5)
        except queues.Empty:
            if not child.is_alive():
                raise RuntimeError("a generator process died") from None
            continue
        if isinstance(item, tuple) and len(item) == 2 and item[0] == _ERROR:
            raise RuntimeError(f"a generator process failed:\n{item[1]}")
        return item


def ordered(work: Callable[[int], Any], count: int, *, workers: int = 2, depth: int = 4,
            stats: dict | None = None) -> Iterator[Any]:
    """Yield ``work(0)``, ``work(1)``, … ``work(count - 1)``, computed by ``workers`` processes.

    ``stats`` receives the largest peak RSS of the processes (``child_peak_rss_mb``).
    """
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (work(i) for i in range(count))
        return
    ctx = multiprocessing.get_context("fork")
    queues_ = [ctx.Queue(maxsize=depth) for _ in range(workers)]
    children = [ctx.Process(target=_produce, args=(q, work, range(k, count, workers)), daemon=True)
                for k, q in enumerate(queues_)]
    for child in children:
        child.start()
    try:
        for i in range(count):
            k = i % workers
            yield _take(queues_[k], children[k])
        peaks = [_take(q, child) for q, child in zip(queues_, children, strict=True)]
        if stats is not None:
            stats["child_peak_rss_mb"] = max(peak for _done, peak in peaks)
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()
        for q in queues_:
            q.close()
