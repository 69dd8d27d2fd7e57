"""Starting the web service: gunicorn in production and for the demo, runserver for development.

The demo also runs the job worker (imports, exports, e-mail, reminders) beside gunicorn: both are
child processes of one supervising process, which stops the other when one ends and stops both
on Ctrl-C or SIGTERM, so nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from django.core.management import call_command

WSGI_APP = "chibo.wsgi:application"
STOP_SECONDS = 20


def gunicorn_argv(*, host: str, port: int, workers: int = 2) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", WSGI_APP,
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        # Prometheus multiprocess mode and JSON logs (chibo.core.gunicorn_conf)
        "--config", "python:chibo.core.gunicorn_conf",
        # with CHIBO_LOG_FORMAT=json the application writes the access lines (chibo.core.requestlog)
        *([] if os.environ.get("CHIBO_LOG_FORMAT", "").strip().lower() == "json" else ["--access-logfile", "-"]),
        "--timeout", "60",
        "--graceful-timeout", str(STOP_SECONDS),
    ]


def worker_argv() -> list[str]:
    return [sys.executable, "-m", "chibo", "worker", "--quiet"]


def serve(*, host: str, port: int, workers: int = 2, dev: bool = False,
          env: dict[str, str] | None = None, with_worker: bool = False) -> int:
    """Run the server (gunicorn; Django's with ``dev``) until it stops, with the job worker beside it
    when ``with_worker``. Without a worker, this process is replaced by gunicorn."""
    from django.conf import settings

    os.environ.update(env or {})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chibo.settings")
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns if it is missing
    sys.stdout.flush()
    sys.stderr.flush()
    if with_worker:
        server = ([sys.executable, "-m", "chibo", "runserver", f"{host}:{port}"] if dev
                  else gunicorn_argv(host=host, port=port, workers=workers))
        return supervise([worker_argv(), server])
    if dev:
        call_command("runserver", f"{host}:{port}")
        return 0
    argv = gunicorn_argv(host=host, port=port, workers=workers)
    os.execv(argv[0], argv)


def supervise(commands: list[list[str]]) -> int:
    """Start every command; when one ends, or on SIGTERM/SIGINT, stop them all. The first exit code."""
    stopping = False

    def _stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    children = [subprocess.Popen(argv) for argv in commands]
    ended: int | None = None
    try:
        while not stopping and ended is None:
            time.sleep(0.2)
            ended = next((child.returncode for child in children if child.poll() is not None), None)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=STOP_SECONDS + 5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if ended is None else ended
