"""Structured logs (chibo.core.jsonlog, chibo.core.requestlog): JSON lines parsed back, and the
access line of a request with its fields."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from chibo.core.jsonlog import JsonFormatter
from tests.factories.registry import make_user

pytestmark = pytest.mark.django_db
ACCESS = "chibo.access"


def as_json(record: logging.LogRecord) -> dict:
    return json.loads(JsonFormatter().format(record))


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS]


def test_a_json_line_has_time_level_logger_message_and_the_extra_fields():
    record = logging.LogRecord("chibo.imports", logging.WARNING, __file__, 1, "row %d refused", (7,), None)
    record.unit = "Chi bộ Giáo viên 1"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "chibo.imports"
    assert entry["message"] == "row 7 refused"
    assert entry["unit"] == "Chi bộ Giáo viên 1"
    assert entry["time"].endswith("+00:00")


def test_a_traceback_is_one_field_of_the_line():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("chibo", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    entry = as_json(record)
    assert "ValueError: broken" in entry["exception"]


def test_a_request_writes_one_access_line_with_its_fields(client, caplog):
    user = make_user("observer")
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger=ACCESS):
        response = client.get("/?q=Nguy%E1%BB%85n", HTTP_X_REQUEST_ID="abc123", REMOTE_ADDR="192.0.2.4")
    assert response["X-Request-ID"] == "abc123"
    [record] = access_records(caplog)
    entry = as_json(record)
    assert entry["logger"] == ACCESS and entry["level"] == "INFO"
    assert entry["method"] == "GET"
    assert entry["path"] == "/"  # never the query string
    assert "Nguy" not in json.dumps(entry)
    assert entry["view"] == "console:home"
    assert entry["status"] == response.status_code
    assert entry["duration_ms"] >= 0
    assert entry["user_id"] == user.pk
    assert entry["client"] == "192.0.2.4"
    assert "observer" not in json.dumps(entry)  # ids, no names


def test_the_request_id_is_made_when_missing_or_unusable(client, caplog):
    with caplog.at_level(logging.INFO, logger=ACCESS):
        made = client.get("/login/")["X-Request-ID"]
        replaced = client.get("/login/", HTTP_X_REQUEST_ID="bad id\nforged line")["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    assert len(replaced) == 32 and "\n" not in replaced
    assert [as_json(r)["user_id"] for r in access_records(caplog)] == [None, None]


class Lines(logging.Handler):
    """Formats each record as it is written (as the console handler does)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_lines_written_while_a_request_is_answered_carry_its_id(client):
    handler = Lines()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
    [entry] = handler.lines
    assert entry["request_id"] == "req-42"
    assert entry["status_code"] == 404
    assert "request" not in entry  # its repr would carry the query string
    assert "exception" not in entry  # RefusalsWithoutTraceback still applies


def test_probes_write_no_access_line_at_info(client, caplog):
    with caplog.at_level(logging.INFO, logger=ACCESS):
        client.get("/healthz")
        client.get("/readyz")
    assert access_records(caplog) == []


def test_the_settings_write_json_lines_on_stderr():
    env = {**os.environ, "CHIBO_LOG_FORMAT": "json", "LOG_LEVEL": "INFO", "DJANGO_SETTINGS_MODULE": "chibo.settings"}
    script = ("import django, logging; django.setup(); "
              "logging.getLogger('chibo.test').warning('hello %s', 'Hà Nội', extra={'unit_id': 5})")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    entry = json.loads(line)
    assert entry["message"] == "hello Hà Nội"
    assert entry["unit_id"] == 5
    assert entry["logger"] == "chibo.test"


def test_a_wrong_log_format_stops_start_up_with_the_variable_named():
    env = {**os.environ, "CHIBO_LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "chibo.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "CHIBO_LOG_FORMAT='xml'" in result.stderr
