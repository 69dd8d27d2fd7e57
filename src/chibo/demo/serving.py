"""Starting the web service: gunicorn in production and for the demo, runserver for development."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from django.core.management import call_command

WSGI_APP = "chibo.wsgi:application"


def gunicorn_argv(*, host: str, port: int, workers: int = 2) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", WSGI_APP,
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--access-logfile", "-",
        "--timeout", "60",
        "--graceful-timeout", "20",
    ]


def serve(*, host: str, port: int, workers: int = 2, dev: bool = False,
          env: dict[str, str] | None = None) -> None:
    """Replace this process with the server (gunicorn), or run Django's server with ``dev``."""
    from django.conf import settings

    os.environ.update(env or {})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chibo.settings")
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # WhiteNoise warns if it is missing
    if dev:
        call_command("runserver", f"{host}:{port}")
        return
    if shutil.which(sys.executable) is None:  # pragma: no cover - a broken interpreter path
        raise RuntimeError("cannot find the Python interpreter to start gunicorn")
    sys.stdout.flush()
    sys.stderr.flush()
    argv = gunicorn_argv(host=host, port=port, workers=workers)
    os.execv(argv[0], argv)
