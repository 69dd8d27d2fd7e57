"""Replica reads (chibo.core.replica): what is marked reads from the ``replica`` alias, everything
else and every write from ``default``; a pinned client, a replica that cannot be reached, or one
whose lag is over the limit, reads from the primary without an error page.

The ``replica`` alias is the test database itself (a mirror, as ``TEST: {"MIRROR": "default"}``
makes it), on a connection of its own, so the tests commit what they write (``transaction=True``).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chibo.core import replica
from chibo.core.replica import COOKIE, replica_reads, replica_status
from chibo.org.models import Unit
from tests.deploy.conftest import chibo_env, free_port

DBS = ["default", "replica"]
pytestmark = pytest.mark.django_db(transaction=True, databases=DBS)


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup, django_db_blocker):
    """A ``replica`` alias on the test database (the same settings, so a mirror), for this module."""
    from django.conf import settings as django_settings

    shared = connections["default"].settings_dict
    connections.settings["replica"] = shared
    django_settings.DATABASES["replica"] = shared
    yield
    connections["replica"].close()
    del connections["replica"]
    del connections.settings["replica"]
    django_settings.DATABASES.pop("replica", None)


@pytest.fixture(autouse=True)
def routed(settings):
    settings.DATABASE_ROUTERS = ["chibo.core.replica.ReplicaRouter"]
    replica.forget_status()
    yield
    replica.forget_status()


@pytest.fixture
def unreachable():
    """The replica pointed at a closed port (PostgreSQL) or a file that cannot be opened (SQLite)."""
    conn = connections["replica"]
    before = conn.settings_dict
    conn.close()
    if conn.vendor == "postgresql":
        closed = str(free_port())
        conn.settings_dict = {**before, "PORT": closed, "OPTIONS": {**before["OPTIONS"], "connect_timeout": 2}}
        conn.settings_dict = {**before, "PORT": closed, "OPTIONS": {**before["OPTIONS"], "connect_timeout": 2}}
    else:
        conn.settings_dict = {**before, "NAME": "/nonexistent-directory/replica.sqlite3"}
    yield
    conn.close()
    conn.settings_dict = before


def _get(client, url, **extra):
    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get(url, **extra)
    return response, on_replica, on_primary


def _dashboard(cast):
    return reverse("console:progress", args=[cast.tree.p.pk])


def test_a_marked_view_reads_from_the_replica(cast, client):
    client.force_login(cast.admin)
    response, on_replica, on_primary = _get(client, _dashboard(cast))
    assert response.status_code == 200
    assert len(on_replica) > 0
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in on_replica)
    # the primary answers only who is asking (the session and the user), before the view
    assert all("targets_" not in q["sql"] and "org_unit" not in q["sql"] for q in on_primary)


def test_an_unmarked_view_reads_from_the_primary(cast, client):
    client.force_login(cast.admin)
    response, on_replica, _ = _get(client, reverse("console:member", args=[cast.plain_m.pk]))
    assert response.status_code == 200
    assert len(on_replica) == 0


def test_a_list_of_the_api_reads_from_the_replica(cast, client):
    client.force_login(cast.admin)
    response, on_replica, _ = _get(client, f"/api/v1/units/{cast.tree.p.pk}/children")
    assert response.status_code == 200
    assert [u["code"] for u in response.json()] == ["C"]
    assert len(on_replica) > 0


def test_writes_and_reads_after_a_write_go_to_the_primary(cast):
    with replica_reads(), CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Unit.objects.filter(code="P").count() == 1  # a read: replica
        Unit.objects.filter(code="P").update(name="Tỉnh Bắc Hà mới")  # a write: primary
        assert Unit.objects.get(code="P").name == "Tỉnh Bắc Hà mới"  # after the write: primary
    assert len(on_replica) == 1
    assert "UPDATE" not in on_replica[0]["sql"].upper()


def test_a_transaction_on_the_primary_reads_and_locks_on_the_primary(cast):
    with replica_reads(), CaptureQueriesContext(connections["replica"]) as on_replica, transaction.atomic():
        unit = Unit.objects.select_for_update().get(code="K")
        assert Unit.objects.filter(parent=unit.parent).count() == 2
    assert len(on_replica) == 0


def test_unmarked_code_reads_from_the_primary(cast):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert Unit.objects.filter(code="P").exists()
    assert len(on_replica) == 0


def test_after_a_post_the_client_reads_from_the_primary_until_the_cookie_expires(cast, client, settings):
    client.force_login(cast.admin)
    before = time.time()
    posted = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert posted.status_code == 302
    cookie = posted.cookies[COOKIE]
    assert int(before) + 15 <= int(cookie.value) <= time.time() + 15
    assert cookie["max-age"] == 15 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["secure"]
    response, on_replica, _ = _get(client, _dashboard(cast))
    assert response.status_code == 200 and len(on_replica) == 0
    client.cookies[COOKIE] = str(int(time.time()) - 1)  # expired
    response, on_replica, _ = _get(client, _dashboard(cast))
    assert response.status_code == 200 and len(on_replica) > 0


def test_the_pin_cookie_is_secure_when_the_session_cookie_is(cast, client, settings):
    settings.SESSION_COOKIE_SECURE = True
    client.force_login(cast.admin)
    posted = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert posted.cookies[COOKIE]["secure"]


def test_a_get_does_not_pin(client, cast):
    response = client.get(_dashboard(cast))  # a GET sets nothing
    assert COOKIE not in response.cookies


def test_a_replica_that_cannot_be_reached_is_skipped_without_an_error(cast, client, unreachable):
    client.force_login(cast.admin)
    response = client.get(_dashboard(cast))  # (capturing its queries would connect to it)
    assert response.status_code == 200
    assert "Xã Đông Sơn" in response.content.decode()
    assert connections["replica"].connection is None  # never connected: the page came from the primary
    status = replica_status()
    assert (status.configured, status.usable) == (True, False)
    assert status.reason.startswith("cannot be reached: ")


def test_a_replica_over_the_lag_limit_is_skipped(cast, client):
    replica._remember(replica.judge(in_recovery=True, streaming=True, lag_seconds=30.0, max_lag=10))
    client.force_login(cast.admin)
    response, on_replica, _ = _get(client, _dashboard(cast))
    assert response.status_code == 200
    assert len(on_replica) == 0
    assert replica_status().reason == "its lag of 30.0 s is above CHIBO_REPLICA_MAX_LAG_SECONDS=10"


def test_the_last_look_is_trusted_for_the_check_period(cast, settings):
    settings.CHIBO_REPLICA_CHECK_SECONDS = 60
    replica.mark_down("down for the test")
    assert replica_status().reason == "down for the test"
    replica.forget_status()
    assert replica_status().usable


def test_a_replica_lost_in_the_middle_of_a_request_reruns_it_on_the_primary(cast):
    if connections["default"].vendor != "postgresql":
        pytest.skip("a server connection to terminate: PostgreSQL")
    attempts: list[str] = []

    def work() -> int:
        attempts.append(replica.read_alias())
        first = Unit.objects.filter(code="P").count()
        if len(attempts) == 1:
            pid = connections["replica"].connection.info.backend_pid
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        return first + Unit.objects.filter(code="K").count()

    assert replica.run_with_fallback(work) == 2
    assert attempts == ["replica", "default"]
    assert replica_status().reason.startswith("failed during a request: ")


@pytest.fixture
def kept():
    """The replica's connection as settings.py configures it: kept between requests
    (``CONN_MAX_AGE``) and checked at a request's first use (``CONN_HEALTH_CHECKS``)."""
    if connections["default"].vendor != "postgresql":
        pytest.skip("a server connection to terminate: PostgreSQL")
    conn = connections["replica"]
    before = conn.settings_dict
    conn.close()
    conn.settings_dict = {**before, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
    yield conn
    conn.close()
    conn.settings_dict = before


def _terminate(conn) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [conn.connection.info.backend_pid])


def test_a_kept_replica_connection_lost_between_requests_is_skipped_when_the_replica_refuses(cast, kept):
    # the drill replica_stop: a fast shutdown ends the kept connection's backend, then refuses new
    # connections ("the database system is shutting down"), while the last look still says usable
    kept.ensure_connection()  # an earlier request's connection
    _terminate(kept)
    kept.settings_dict = {**kept.settings_dict, "PORT": str(free_port())}  # new connections are refused
    kept.close_if_unusable_or_obsolete()  # a new request begins (request_started): the connection is kept
    replica._remember(replica.ReplicaStatus(True, True, 0.0, "streaming, lag 0.0 s"))  # looked a moment ago
    attempts: list[str] = []

    def work() -> int:
        attempts.append(replica.read_alias())
        return Unit.objects.filter(code="P").count()

    assert replica.run_with_fallback(work) == 1
    assert attempts == ["default"]  # the health check and the reconnection are the router's own
    assert replica_status().reason.startswith("cannot be reached: ")
    assert kept.connection is None


def test_a_replica_lost_while_its_rows_are_fetched_reruns_on_the_primary(cast):
    # .iterator() fetches from a server-side cursor after its statement: outside the execute wrapper
    if connections["default"].vendor != "postgresql":
        pytest.skip("a server connection to terminate: PostgreSQL")
    attempts: list[str] = []

    def work() -> list[str]:
        attempts.append(replica.read_alias())
        rows = Unit.objects.order_by("path").values_list("code", flat=True).iterator(chunk_size=1)
        codes = [next(rows)]
        if len(attempts) == 1:
            _terminate(connections["replica"])
        return codes + list(rows)

    assert replica.run_with_fallback(work) == list(Unit.objects.order_by("path").values_list("code", flat=True))
    assert attempts == ["replica", "default"]
    assert replica_status().reason.startswith("failed during a request: ")


def test_an_export_job_reads_from_the_replica_and_writes_its_row_to_the_primary(cast, tmp_path, settings):
    from chibo.reports import tasks
    from chibo.reports.models import ExportJob

    job = ExportJob.objects.create(user=cast.province, kind="members", params={"unit": cast.tree.k.pk},
                                   format="csv", title="members")
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        rows = tasks.write_file(job)
    assert rows == 3
    assert len(on_replica) > 0
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in on_replica)


@pytest.mark.parametrize(("env", "message"), [
    ({"DATABASE_REPLICA_URL": "sqlite:///replica.sqlite3"}, "DATABASE_REPLICA_URL scheme 'sqlite' is not supported"),
    ({"DATABASE_REPLICA_URL": "postgres://u@replica.example:5432/chibo"},
     "DATABASE_REPLICA_URL needs a postgres:// DATABASE_URL"),
    ({"CHIBO_REPLICA_MAX_LAG_SECONDS": "ten"}, "CHIBO_REPLICA_MAX_LAG_SECONDS='ten': use a whole number"),
    ({"CHIBO_REPLICA_CHECK_SECONDS": "0"}, "CHIBO_REPLICA_CHECK_SECONDS='0': use a whole number of at least 1"),
    ({"CHIBO_REPLICA_MAX_LAG_SECONDS": "30"},
     "CHIBO_READ_YOUR_WRITES_SECONDS=15 is lower than CHIBO_REPLICA_MAX_LAG_SECONDS=30"),
])
def test_bad_replica_settings_stop_start_up_naming_the_variable(env, message, tmp_path):
    code = "import django; django.setup()"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=chibo_env(CHIBO_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="chibo.settings", **env))
    assert out.returncode != 0
    assert message in out.stderr


def test_a_replica_url_adds_the_alias_and_the_router(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; r = s.DATABASES['replica']; "
            "print(r['HOST'], r['PORT'], r['OPTIONS']['connect_timeout'], r['TEST']['MIRROR'], s.DATABASE_ROUTERS[0], "
            "r.get('DISABLE_SERVER_SIDE_CURSORS', False))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=chibo_env(CHIBO_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="chibo.settings",
                                       DATABASE_URL="postgres://u@db.example:6432/chibo", DATABASE_POOLER="transaction",
                                       DATABASE_REPLICA_URL="postgres://u@replica.example:5433/chibo"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["replica.example", "5433", "2", "default", "chibo.core.replica.ReplicaRouter",
                                  "False"]


@pytest.mark.parametrize(("state", "usable", "reason"), [
    ({"in_recovery": False, "streaming": False, "lag_seconds": None}, False, "it is not in recovery"),
    ({"in_recovery": True, "streaming": False, "lag_seconds": 0.0}, False, "its WAL receiver is not streaming"),
    ({"in_recovery": True, "streaming": True, "lag_seconds": None}, False, "its lag is unknown"),
    ({"in_recovery": True, "streaming": True, "lag_seconds": 10.5}, False, "its lag of 10.5 s is above"),
    ({"in_recovery": True, "streaming": True, "lag_seconds": 10.0}, True, "streaming, lag 10.0 s"),
])
@pytest.mark.django_db(databases=[])
def test_judge_says_whether_a_replica_may_serve_reads_and_why(state, usable, reason):
    status = replica.judge(max_lag=10, **state)
    assert status.usable is usable
    assert status.reason.startswith(reason)
