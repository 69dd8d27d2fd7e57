import os
import subprocess
import sys


def run(*args, **env):
    return subprocess.run([sys.executable, "-m", "chibo", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_help_lists_the_chibo_commands():
    out = run("--help")
    assert out.returncode == 0
    for command in ("demo", "serve", "import", "export", "token", "bench", "tallies", "generate"):
        assert f"\n  {command} " in out.stdout


def test_bad_database_url_stops_with_a_clear_message(tmp_path):
    out = run("check", DATABASE_URL="mysql://root@localhost/x", CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode != 0
    assert "DATABASE_URL scheme 'mysql' is not supported" in out.stderr


def test_bad_boolean_setting_names_the_variable(tmp_path):
    out = run("check", CHIBO_REQUIRE_2FA="maybe", CHIBO_DATA_DIR=str(tmp_path))
    assert out.returncode != 0
    assert "CHIBO_REQUIRE_2FA='maybe'" in out.stderr
