"""RSS of one gunicorn worker serving the loaded data set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.report import rss_mb


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not listen on port {port} within {timeout:.0f}s")


def stop(server: subprocess.Popen, timeout: float = 30) -> None:
    """Stop gunicorn gracefully, or kill it after ``timeout`` seconds."""
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _worker_pid(master: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def _session_cookie(user) -> tuple[str, str]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", session.session_key


def _pages(units: dict) -> list[str]:
    from django.urls import reverse

    from chibo.members.models import Member

    root, cell = units["root"], units["cell"]
    member = Member.objects.filter(unit=cell).order_by("pk").first()
    pages = [reverse("console:unit", args=[root.pk]),
             reverse("console:unit", args=[root.pk]) + "?q=nguyen+van",
             reverse("console:unit", args=[units["province"].pk]),
             reverse("console:unit", args=[cell.pk]),
             reverse("console:tree")]
    if member is not None:
        pages.append(reverse("console:member", args=[member.pk]))
    return pages


def serving_rss(user, units: dict, rounds: int = 3) -> tuple[float, float, str]:
    """(RSS idle, RSS after serving the pages, summary) of a 1-worker gunicorn, in MB."""
    port = _free_port()
    env = {**os.environ, "CHIBO_REQUIRE_2FA": "0", "DJANGO_SETTINGS_MODULE": "chibo.settings"}
    argv = [sys.executable, "-m", "gunicorn", "chibo.wsgi:application", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "warning"]
    master = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        worker = _worker_pid(master.pid)
        time.sleep(1)
        idle = rss_mb(worker)
        cookie, session_key = _session_cookie(user)
        statuses = []
        for _ in range(rounds):
            for page in _pages(units):
                request = urllib.request.Request(f"http://127.0.0.1:{port}{page}", headers={"Cookie": cookie})
                try:
                    with urllib.request.urlopen(request, timeout=300) as response:
                        response.read()
                        statuses.append(response.status)
                except urllib.error.HTTPError as exc:
                    statuses.append(exc.code)
        serving = rss_mb(worker)
        peak = rss_mb(worker, "VmHWM")
        ok = sum(1 for s in statuses if s == 200)
        from django.contrib.sessions.models import Session

        Session.objects.filter(session_key=session_key).delete()
        return idle, serving, f"peak {peak} MB; {ok}/{len(statuses)} page loads HTTP 200"
    finally:
        stop(master)
