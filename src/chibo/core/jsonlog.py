"""One JSON object per log line (``CHIBO_LOG_FORMAT=json``), with the id of the request being
answered. Standard library only: gunicorn's master process uses it too, before any of Django or
prometheus-client is imported (see :mod:`chibo.core.gunicorn_conf`).
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

# set by chibo.core.requestlog.RequestLogMiddleware while a request is answered
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("chibo_request_id", default=None)
# a LogRecord's own attributes: everything else on a record came through ``extra=``
RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# extras never written: the request object (its repr holds the query string) and the server socket
LEFT_OUT = frozenset({"request", "server_time", "socket"})


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, the request id of the request being answered,
    every ``extra=`` field, and the traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # django.request logs a refused or failed request after the middleware returned: its id is
        # then read from the request the record carries
        current = request_id.get() or getattr(getattr(record, "request", None), "request_id", None)
        if current:
            entry["request_id"] = current
        for key, value in vars(record).items():
            if key not in RECORD_FIELDS and key not in LEFT_OUT and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
