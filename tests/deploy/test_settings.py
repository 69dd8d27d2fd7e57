"""The settings of the multi-server setup, read from the environment as a process starts."""

from __future__ import annotations

import subprocess
import sys

from tests.deploy.conftest import chibo_env, run_chibo

PG = "postgres://chibo:secret@db.example:5432/chibo"
SHOW_QUEUE = ("from huey.contrib.djhuey import HUEY; "
              "print(type(HUEY).__name__, HUEY.name, HUEY.storage.conn.connection_pool.connection_kwargs['db'])")
SHOW_CURSORS = ("from django.conf import settings; "
                "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))")
SHOW_STORAGE = ("from django.core.files.storage import storages; s = storages['default']; "
                "print(type(s).__name__, s.location)")


def test_redis_url_puts_the_job_queue_in_redis(tmp_path, redis_queue):
    out = run_chibo("shell", "-v", "0", "-c", SHOW_QUEUE, REDIS_URL=redis_queue.url, CHIBO_QUEUE_NAME=redis_queue.name,
                    CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["RedisHuey", redis_queue.name, "11"]


def test_a_missing_redis_package_stops_start_up_saying_how_to_install_it(tmp_path):
    code = "import sys; sys.modules['redis'] = None; from chibo.__main__ import main; main(['check'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=chibo_env(REDIS_URL="redis://127.0.0.1:6379/11", CHIBO_DATA_DIR=str(tmp_path)))
    assert out.returncode != 0
    assert ("REDIS_URL is set but the 'redis' package is missing: reinstall Chibo (pip install -e .) in this "
            "virtual environment.") in out.stderr


def test_without_redis_the_queue_is_a_sqlite_file_in_the_data_directory(tmp_path):
    out = run_chibo("shell", "-v", "0", "-c", "from huey.contrib.djhuey import HUEY; print(type(HUEY).__name__, "
                    "HUEY.name, HUEY.storage.filename)", CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["SqliteHuey", "chibo", str(tmp_path / "jobs.sqlite3")]


def test_a_redis_url_that_is_not_redis_stops_start_up_naming_the_variable(tmp_path):
    out = run_chibo("check", REDIS_URL="http://:secret@cache.example:6379/0", CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode != 0
    assert "REDIS_URL scheme 'http' or host is not usable: use redis://host:6379/0" in out.stderr
    assert "secret" not in out.stderr


def test_the_transaction_pooler_turns_server_side_cursors_off(tmp_path):
    on = run_chibo("shell", "-v", "0", "-c", SHOW_CURSORS, DATABASE_URL=PG, DATABASE_POOLER="transaction",
                   CHIBO_DATA_DIR=str(tmp_path))
    off = run_chibo("shell", "-v", "0", "-c", SHOW_CURSORS, DATABASE_URL=PG, CHIBO_DATA_DIR=str(tmp_path))
    session = run_chibo("shell", "-v", "0", "-c", SHOW_CURSORS, DATABASE_URL=PG, DATABASE_POOLER="session",
                        CHIBO_DATA_DIR=str(tmp_path))
    assert (on.stdout, off.stdout, session.stdout) == ("True\n", "False\n", "False\n"), on.stderr + off.stderr


def test_an_unknown_pooler_stops_start_up_with_the_values_to_use(tmp_path):
    out = run_chibo("check", DATABASE_URL=PG, DATABASE_POOLER="pgbouncer", CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode != 0
    assert ("DATABASE_POOLER='pgbouncer': use 'transaction' behind PgBouncer in transaction mode, 'session' or "
            "'none' otherwise.") in out.stderr


def test_a_transaction_pooler_needs_postgresql(tmp_path):
    out = run_chibo("check", DATABASE_POOLER="transaction", CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode != 0
    assert "DATABASE_POOLER=transaction needs a postgres:// DATABASE_URL." in out.stderr


def test_files_are_stored_in_the_media_directory_from_the_environment(tmp_path):
    shared = tmp_path / "shared"
    out = run_chibo("shell", "-v", "0", "-c", SHOW_STORAGE, CHIBO_MEDIA_DIR=str(shared),
                    CHIBO_DATA_DIR=str(tmp_path / "own"))
    default = run_chibo("shell", "-v", "0", "-c", SHOW_STORAGE, CHIBO_DATA_DIR=str(tmp_path / "own"))
    assert out.stdout.split() == ["FileSystemStorage", str(shared)], out.stderr
    assert default.stdout.split() == ["FileSystemStorage", str(tmp_path / "own" / "media")], default.stderr
