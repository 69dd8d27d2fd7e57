"""The service as several processes run it: `python -m chibo …` started with its own environment.

Every process gets the settings of the documented multi-server setup (docs/operations.md) from its
environment, and a data directory of its own, so that nothing it shares with another process can
come through a local file by accident.
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.imports.conftest import MEMBER_HEADER

REDIS_DB = 11  # the database number these tests use on 127.0.0.1:6379
# settings a process must not inherit from the test run's own environment
OWN_SETTINGS = ("DATABASE_URL", "DATABASE_POOLER", "REDIS_URL", "CHIBO_QUEUE_NAME", "CHIBO_MEDIA_DIR",
                "CHIBO_DATA_DIR", "CHIBO_JOBS_IMMEDIATE", "DJANGO_SETTINGS_MODULE")


def chibo_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}
    return {**env, "CHIBO_REQUIRE_2FA": "0", "LOG_LEVEL": "WARNING", **settings}


def run_chibo(*args: str, timeout: float = 120, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chibo", *args], capture_output=True, text=True,
                          env=chibo_env(**settings), timeout=timeout)


def members_csv(*rows: dict) -> bytes:
    """A members import file, as a spreadsheet saves it (UTF-8 with a byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MEMBER_HEADER)
    writer.writerows([[row.get(h, "") for h in MEMBER_HEADER] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A process running ``argv`` (output to ``log``), stopped (SIGTERM, then SIGKILL) afterwards."""
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the process on port {port} ended ({process.returncode}):\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listened on port {port} within {timeout:.0f} s:\n{log.read_text()}")


def wait_until(check, what: str, logs: list[Path], timeout: float = 60):
    """``check()``'s first true value, polled; fails with the processes' logs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout:.0f} s\n" + "\n".join(f"--- {p.name}\n{p.read_text()}" for p in logs))


@contextmanager
def queue_in_redis() -> Iterator[SimpleNamespace]:
    """``url`` (Redis with a database number of its own) and ``name`` (a queue of its own); the
    queue's keys are deleted afterwards. Skipped when no Redis answers (scripts/ensure-redis)."""
    import redis

    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis answers on 127.0.0.1:6379 (scripts/ensure-redis starts one)")
    name = f"chibotest{uuid.uuid4().hex[:12]}"  # huey keeps only letters and digits of a name
    try:
        yield SimpleNamespace(url=url, name=name, client=client)
    finally:
        for key in client.scan_iter(f"*{name}*"):
            client.delete(key)
        client.close()


@pytest.fixture
def redis_queue() -> Iterator[SimpleNamespace]:
    with queue_in_redis() as queue:
        yield queue
