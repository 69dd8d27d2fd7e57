"""Smoke test of the README's first command: ``python -m chibo demo`` boots the service with its job
worker on a new SQLite data directory, a demo account logs in, an export queued in the browser is
made by the worker and downloaded, and stopping the demo leaves no process behind."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy.conftest import free_port, wait_until

BOOT_SECONDS = 240
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """Just enough of a browser: cookies, the CSRF token, the final address after redirects."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.url, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read()

    def post(self, path: str, form_page: str, data: dict[str, str]) -> tuple[int, str, bytes]:
        _status, _url, html = self.get(form_page)
        token = CSRF.search(html.decode()).group(1)  # type: ignore[union-attr]
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + form_page})
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.url, response.read()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the demo runs on SQLite; once per CI run is enough")
def test_the_demo_boots_with_its_worker_and_makes_an_export(tmp_path):
    port, log = free_port(), tmp_path / "demo.log"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CHIBO_JOBS_IMMEDIATE"}}
    env.update(CHIBO_DATA_DIR=str(tmp_path / "data"), CHIBO_DEMO="1")
    with log.open("wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "chibo", "demo", "--members", "300", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")

        def login_page() -> bool:
            try:
                return browser.get("/login/")[0] == 200
            except OSError:
                return False

        wait_until(login_page, "the login page did not answer", [log], timeout=BOOT_SECONDS)
        _status, home, _html = browser.post("/login/", "/login/", {"username": "province", "password": "demo",
                                                                  "next": "/"})
        unit_page = urllib.parse.urlparse(home).path
        assert re.fullmatch(r"/units/\d+/", unit_page)
        _status, job_url, _html = browser.post(unit_page + "members/export/", unit_page, {"format": "csv"})
        job_page = urllib.parse.urlparse(job_url).path
        assert re.fullmatch(r"/exports/\d+/", job_page)

        def downloaded() -> bytes | None:
            status, _url, body = browser.get(job_page + "download/")
            return body if status == 200 else None

        csv = wait_until(downloaded, "the worker did not make the export", [log])
        assert csv.decode("utf-8-sig").startswith("full_name,")
        assert len(csv.decode("utf-8-sig").splitlines()) > 100
        children = _children(demo.pid)
        assert len(children) == 2  # gunicorn's master and the job worker
    finally:
        demo.send_signal(signal.SIGTERM)
        code = demo.wait(timeout=60)
    assert code == 0
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()] == []
