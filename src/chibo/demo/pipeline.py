"""Run a row generator in a forked process, so generating and writing overlap.

The national preset spends as long generating rows in Python as the database spends storing
them; a child process generates the next chunks (pickled through a bounded queue) while this
process feeds the current one to ``COPY``. The child never touches the database connection it
inherits and leaves with ``os._exit`` (multiprocessing's fork start method), so the parent's
connection and transaction are unaffected. Where ``fork`` is unavailable the generator simply
runs in-process; the rows are the same either way.
"""

from __future__ import annotations

import multiprocessing
import queue as queues
import traceback
from collections.abc import Callable, Iterator
from typing import Any

_DONE = "__done__"
_ERROR = "__error__"


def _produce(out, make: Callable[[], Iterator[Any]]) -> None:
    try:
        for item in make():
            out.put(item)
        out.put(_DONE)
    except BaseException:  # report anything, the parent re-raises
        out.put((_ERROR, traceback.format_exc()))


def forked(make: Callable[[], Iterator[Any]], *, depth: int = 3) -> Iterator[Any]:
    """Yield the items of ``make()`` computed in a child process (in-process without fork)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        yield from make()
        return
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue(maxsize=depth)
    child = ctx.Process(target=_produce, args=(out, make), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=5)
            except queues.Empty:
                if not child.is_alive():
                    raise RuntimeError("the generator process died") from None
                continue
            if isinstance(item, str) and item == _DONE:
                break
            if isinstance(item, tuple) and item and item[0] == _ERROR:
                raise RuntimeError(f"the generator process failed:\n{item[1]}")
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        out.close()
