"""The documented multi-server setup (docs/operations.md), started for real: two app servers
(gunicorn) and a job worker, each with a data directory of its own, sharing PostgreSQL, Redis and
one media directory. An export asked for on one server is written by the worker and downloaded
from the other; a file uploaded to one server is imported by the worker.

Run on PostgreSQL (``DATABASE_URL=postgres://…``), directly and through PgBouncer in transaction
mode (``DATABASE_POOLER=transaction``; skipped when Debian's pgbouncer is not installed).
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from chibo.imports.models import ImportJob
from chibo.members.models import Member
from chibo.reports.models import ExportJob
from tests.deploy.conftest import chibo_env, free_port, members_csv, queue_in_redis, started, wait_for_port, wait_until
from tests.imports.conftest import member_row

pytestmark = pytest.mark.django_db(transaction=True)
PGBOUNCER = "/usr/sbin/pgbouncer"


def _direct_url() -> str:
    s = connection.settings_dict
    login = f"{quote(s['USER'])}:{quote(s['PASSWORD'] or '')}"
    return f"postgres://{login}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@contextmanager
def _pgbouncer(log: Path) -> Iterator[str]:
    """PgBouncer in transaction mode in front of the test database; yields its URL."""
    s = connection.settings_dict
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="chibo-pgbouncer-"))
    folder.chmod(0o755)  # read by the user pgbouncer runs as
    (folder / "users.txt").write_text(f'"{s["USER"]}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n{s['NAME']} = host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} "
        f"user={s['USER']} password={s['PASSWORD'] or ''}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\npool_mode = transaction\n"
        "default_pool_size = 4\nmax_client_conn = 50\nignore_startup_parameters = extra_float_digits,options\n")
    for name in ("users.txt", "pgbouncer.ini"):
        (folder / name).chmod(0o644)
    argv = [PGBOUNCER, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(folder / "pgbouncer.ini")]
    try:
        with started(argv, dict(os.environ), log) as process:
            wait_for_port(port, process, log)
            yield f"postgres://{quote(s['USER'])}@127.0.0.1:{port}/{s['NAME']}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", params=["direct", "pgbouncer"])
def servers(request, tmp_path_factory, django_db_setup) -> Iterator[SimpleNamespace]:
    """The worker and the two app servers, started together (one set for the module's tests)."""
    if connection.vendor != "postgresql":
        pytest.skip("the multi-server setup runs on PostgreSQL (DATABASE_URL=postgres://…)")
    if request.param == "pgbouncer" and not Path(PGBOUNCER).exists():
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    tmp = tmp_path_factory.mktemp(request.param)
    shared = tmp / "shared-media"
    names = ("worker", "a", "b")
    logs = [tmp / f"{name}.log" for name in names]
    with ExitStack() as stack:
        queue = stack.enter_context(queue_in_redis())
        pooler, url = {}, _direct_url()
        if request.param == "pgbouncer":
            url = stack.enter_context(_pgbouncer(tmp / "pgbouncer.log"))
            pooler = {"DATABASE_POOLER": "transaction"}
            logs.append(tmp / "pgbouncer.log")
        ports = {"a": free_port(), "b": free_port()}
        commands = {"worker": ["worker"],
                    **{n: ["serve", "--port", str(p), "--workers", "1"] for n, p in ports.items()}}
        processes = {}
        for name, log in zip(names, logs, strict=False):
            env = chibo_env(DATABASE_URL=url, REDIS_URL=queue.url, CHIBO_QUEUE_NAME=queue.name,
                            CHIBO_MEDIA_DIR=str(shared), CHIBO_DATA_DIR=str(tmp / name),
                            SECRET_KEY=settings.SECRET_KEY, **pooler)
            processes[name] = stack.enter_context(started([sys.executable, "-m", "chibo", *commands[name]], env, log))
        for name, port in ports.items():
            wait_for_port(port, processes[name], logs[names.index(name)])
        yield SimpleNamespace(a=f"http://127.0.0.1:{ports['a']}", b=f"http://127.0.0.1:{ports['b']}",
                              shared=shared, own=[tmp / n for n in names], logs=logs)


class _Browser:
    """A logged-in user's requests (the session is in the database, so any server knows it)."""

    def __init__(self, user):
        client = Client()
        client.force_login(user)
        csrf = secrets.token_hex(16)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
                        "X-CSRFToken": csrf, "Accept-Language": "en"}

    def send(self, url: str, data: bytes | None = None, content_type: str = "") -> tuple[int, str, bytes]:
        """(status, Location, body), redirects not followed."""
        headers = {**self.headers, **({"Content-Type": content_type} if content_type else {})}
        request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.headers.get("Location", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _multipart(fields: dict[str, str], name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _finished(model: Any, location: str, servers: SimpleNamespace) -> Any:
    """The job a redirect to its page names, once the worker has finished it."""
    pk = int(location.strip("/").split("/")[-1])
    return wait_until(lambda: model.objects.filter(pk=pk, state__in=["done", "failed"]).first(),
                      f"the worker did not finish {model.__name__} {pk}", servers.logs)


def test_an_export_asked_on_one_server_is_downloaded_from_the_other(cast, servers):
    browser = _Browser(cast.province)
    status, location, _ = browser.send(f"{servers.a}/units/{cast.tree.p.pk}/members/export/",
                                       urlencode({"format": "csv"}).encode(), "application/x-www-form-urlencoded")
    assert status == 302 and location.startswith("/exports/"), servers.logs[1].read_text()
    job = _finished(ExportJob, location, servers)
    job_id = job.pk
    assert (job.state, job.error, job.rows_done) == ("done", "", 3)
    assert (servers.shared / job.file.name).is_file()
    assert not any((own / "media").exists() for own in servers.own)

    status, _, page = browser.send(f"{servers.b}/exports/{job_id}/")
    assert status == 200 and f"/exports/{job_id}/download/".encode() in page
    status, _, body = browser.send(f"{servers.b}/exports/{job_id}/download/")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["full_name"] for r in rows] == ["Đặng Văn An", "Lê Hoàng Cường", "Trần Thị Bình"]


def test_a_file_uploaded_to_one_server_is_imported_by_the_worker(cast, servers):
    browser = _Browser(cast.province)
    body, content_type = _multipart({"kind": "members"}, "file", "members.csv",
                                    members_csv(member_row(1), member_row(2)))
    status, location, _ = browser.send(f"{servers.a}/imports/", body, content_type)
    assert status == 302 and location.startswith("/imports/"), servers.logs[1].read_text()
    job = _finished(ImportJob, location, servers)
    assert (job.state, job.message, job.error_count) == ("done", "2 rows imported.", 0)
    assert (servers.shared / job.file.name).is_file()
    assert sorted(Member.objects.filter(unit=cast.tree.k, full_name__startswith="Nguyễn Văn Thử")
                  .values_list("full_name", flat=True)) == ["Nguyễn Văn Thử A", "Nguyễn Văn Thử B"]
    status, _, page = browser.send(f"{servers.b}/imports/{job.pk}/")
    assert status == 200 and b"2 rows imported." in page
