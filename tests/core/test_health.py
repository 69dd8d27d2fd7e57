"""``/healthz`` and ``/readyz`` (chibo.core.health): what they answer, what makes the server
unready (real misconfiguration: a Redis nobody listens on, a media path that is a file, a
migration record removed), and that they are cheap and write nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend

from chibo.core import health

pytestmark = pytest.mark.django_db
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _fresh_migrations_check():
    health.MIGRATIONS.reset()
    yield
    health.MIGRATIONS.reset()


def test_healthz_answers_without_the_database_a_session_or_a_known_host(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.20.30.40:8011")  # an orchestrator probes by address
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_readyz_reports_every_check_and_is_ready(client):
    response = client.get("/readyz", HTTP_HOST="10.20.30.40")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True}
    assert body["checks"]["media"]["ok"] is True
    assert "redis" not in body["checks"]  # the test settings keep the queue out of Redis
    assert set(body["checks"]["replica"]) == {"configured", "usable", "lag_seconds", "reason"}
    assert not response.cookies


def test_readyz_reads_the_migrations_once_then_only_asks_the_database(client, django_assert_max_num_queries,
                                                                        django_assert_num_queries):
    with django_assert_max_num_queries(3):  # SELECT 1, the applied migrations (and the table's existence)
        assert client.get("/readyz").status_code == 200
    for _ in range(3):
        with django_assert_num_queries(1):  # SELECT 1
            assert client.get("/readyz").status_code == 200


def test_a_migration_not_applied_makes_the_server_unready_until_it_is(client):
    record = MigrationRecorder.Migration.objects.filter(app="core").order_by("-id").first()
    assert record is not None
    name = f"core.{record.name}"
    record.delete()  # the database lacks a migration the code has (rolled back with the test)

    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"]["ok"] is False
    assert name in body["checks"]["migrations"]["detail"]
    assert "migrate" in body["checks"]["migrations"]["detail"]

    MigrationRecorder.Migration.objects.create(app="core", name=record.name)
    assert client.get("/readyz").status_code == 200  # not cached while missing


def test_a_redis_that_does_not_answer_makes_the_server_unready(client, settings):
    settings.HUEY = {"huey_class": "huey.RedisHuey", "name": "observe", "url": CLOSED_PORT_REDIS}
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"]["redis"]
    assert check["ok"] is False
    assert "REDIS_URL" in check["detail"]


def test_a_redis_that_answers_is_reported(client, settings):
    import redis

    url = "redis://127.0.0.1:6379/11"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis answers on 127.0.0.1:6379 (scripts/ensure-redis starts one)")
    settings.HUEY = {"huey_class": "huey.RedisHuey", "name": "observe", "url": url}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": True}


def test_a_media_path_that_is_a_file_makes_the_server_unready(client, settings, tmp_path):
    blocker = tmp_path / "media-is-a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = blocker
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not a directory" in response.json()["checks"]["media"]["detail"]

    settings.MEDIA_ROOT = blocker / "media"  # under a file: can never be made
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "cannot be made" in response.json()["checks"]["media"]["detail"]


def test_a_media_directory_not_made_yet_is_fine(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-yet" / "media"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["media"]["ok"] is True
    assert not (tmp_path / "not-yet").exists()  # the probe writes nothing


def test_a_database_that_does_not_answer_fails_its_check():
    broken_settings = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        broken_settings["NAME"] = "/nonexistent-directory/chibo.sqlite3"
    else:
        broken_settings["PORT"] = "1"
    broken = load_backend(broken_settings["ENGINE"]).DatabaseWrapper(broken_settings, "broken")
    try:
        check = health.check_database(connection=broken)
    finally:
        broken.close()
    assert check.ok is False
    assert "DATABASE_URL" in check.detail


def test_probes_take_no_writes_and_never_redirect(client):
    for path in ("/healthz", "/readyz"):
        assert client.post(path).status_code == 405
        response = client.get(path + "/")  # a trailing slash is the same probe, not a redirect
        assert response.status_code == 200
        assert not response.cookies


def test_the_probes_answer_before_the_host_check(client, settings):
    settings.ALLOWED_HOSTS = ["chibo.example.vn"]
    assert client.get("/healthz", HTTP_HOST="10.0.0.7").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7").status_code == 200
    assert client.get("/login/", HTTP_HOST="10.0.0.7").status_code == 400  # the console still checks it
