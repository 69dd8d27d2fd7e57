"""Logging helpers: what the service writes to its log, and what it leaves out."""

from __future__ import annotations

import logging

# Answers that are a person's mistake or a refusal by design, not a fault of the service.
REFUSALS = {400, 403, 404, 405}


class RefusalsWithoutTraceback(logging.Filter):
    """``django.request`` logs a refused request (403, 404…) with the exception that made it: keep
    the one-line warning, drop the traceback, which only buries real errors in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in REFUSALS:
            record.exc_info = None
            record.exc_text = None
        return True
