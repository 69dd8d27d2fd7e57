"""``/metrics`` under a real gunicorn with two worker processes (``chibo serve``): a scrape of either
worker sums the requests both answered (prometheus-client's multiprocess mode), the figures of an
earlier run are cleared at start, and with ``CHIBO_LOG_FORMAT=json`` every line the server writes
is a JSON object.

No database is needed: the probes and the 404 page touch none (the job queue's figures then read
as unavailable, ``chibo_metrics_source_up{source="jobs"} 0``).
"""

from __future__ import annotations

import json
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.conftest import chibo_env, free_port, started, wait_for_port

COUNT = "chibo_http_request_duration_seconds_count"


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def counted(port: int, view: str) -> float:
    status, text = get(port, "/metrics")
    assert status == 200, text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == COUNT and sample.labels.get("view") == view)


def test_a_scrape_sums_the_requests_of_both_workers(tmp_path: Path):
    data = tmp_path / "app"
    stale = data / "prometheus" / "histogram_999999.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an earlier run")
    port = free_port()
    env = chibo_env(CHIBO_DATA_DIR=str(data), DATABASE_URL=f"sqlite:///{tmp_path / 'none.sqlite3'}",
                    CHIBO_LOG_FORMAT="json", LOG_LEVEL="INFO")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "gunicorn.log"
    argv = [sys.executable, "-m", "chibo", "serve", "--port", str(port), "--workers", "2"]
    with started(argv, env, log) as process:
        wait_for_port(port, process, log)
        assert not stale.exists()
        # one worker is held by a request whose headers have not all arrived: the others go to the second
        held = socket.create_connection(("127.0.0.1", port))
        held.sendall(b"GET /no-such-page/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)
        for _ in range(5):
            assert get(port, "/no-such-page/")[0] == 404
        held.sendall(b"Connection: close\r\n\r\n")
        assert held.recv(100).startswith(b"HTTP/1.1 404")
        held.close()

        files = {p.name.rsplit("_", 1)[1] for p in (data / "prometheus").glob("histogram_*.db")}
        assert len(files) == 2, files  # both workers answered
        assert counted(port, "unresolved") == 6
        assert counted(port, "unresolved") == 6  # whichever worker answers the scrape
        assert get(port, "/healthz") == (200, '{"status": "ok"}')
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    # the command's banner is on standard output; every line on standard error is a JSON object
    assert [line for line in lines if not line.startswith("{")] == [
        f"Serving Chibo at http://127.0.0.1:{port}/ (gunicorn, 2 workers)"]
    entries = [json.loads(line) for line in lines if line.startswith("{")]
    access = [e for e in entries if e["logger"] == "chibo.access"]
    assert len(access) == 6
    assert {e["view"] for e in access} == {"unresolved"}
    assert all(e["status"] == 404 and len(e["request_id"]) == 32 for e in access)
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in entries)
    assert not [e for e in entries if e["logger"] == "gunicorn.access"]  # one access line per request
