"""gunicorn's configuration for ``chibo serve`` (``-c python:chibo.core.gunicorn_conf``).

- Prometheus multiprocess mode: before the workers start, ``PROMETHEUS_MULTIPROC_DIR`` is set to
  ``$CHIBO_DATA_DIR/prometheus`` (unless set already: one directory per app server) and emptied, so
  the figures of an earlier run are not added to this one's; a worker that ends is marked dead.
- ``CHIBO_LOG_FORMAT=json``: gunicorn's own log lines are JSON objects too.
- No control socket (gunicorn 25+): every gunicorn of a user would share ``~/.gunicorn/gunicorn.ctl``,
  and several app servers run on one machine in the cluster and the tests.

This module is read by gunicorn's master process, which does not load the application: it
imports nothing of Django, and prometheus-client only in the hooks, once the variable is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

METRICS_DIR_NAME = "prometheus"
control_socket_disable = True


def metrics_dir() -> Path:
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        return Path(given)
    return Path(os.environ.get("CHIBO_DATA_DIR") or Path.cwd() / "var").resolve() / METRICS_DIR_NAME


def prepare_metrics_dir() -> Path:
    """The directory, emptied, and set in the environment the workers inherit."""
    folder = metrics_dir()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def on_starting(server: Any) -> None:
    prepare_metrics_dir()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _json_logconfig() -> dict[str, Any]:
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "chibo.core.jsonlog.JsonFormatter"}},
        "handlers": {"console": handler, "error_console": handler},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # a log configuration turns gunicorn's access lines on: the application writes its own
            "gunicorn.access": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        },
        "root": {"level": "INFO", "handlers": ["console"]},
    }


if (os.environ.get("CHIBO_LOG_FORMAT") or "").strip().lower() == "json":
    logconfig_dict = _json_logconfig()
