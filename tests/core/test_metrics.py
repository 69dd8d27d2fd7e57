"""``/metrics`` (chibo.core.metrics): who may read it, and what it shows."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db
LATENCY = "chibo_http_request_duration_seconds"


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def count(samples, *, view: str, method: str = "GET", status: str = "2xx") -> float:
    labels = tuple(sorted({"view": view, "method": method, "status": status}.items()))
    return samples.get((f"{LATENCY}_count", labels), 0.0)


def test_metrics_are_refused_to_an_address_not_allowed(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert "CHIBO_METRICS_ALLOW" in response.json()["detail"]
    assert not response.cookies


def test_metrics_through_a_proxy_are_refused_when_the_client_behind_it_is_not_allowed(client):
    # nginx on the same machine connects from 127.0.0.1 and appends the real client's address
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 200


def test_the_allowed_addresses_may_be_networks(client, settings):
    settings.CHIBO_METRICS_ALLOW = ["10.0.0.0/8", "::1"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::ffff:10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_metrics_are_read_from_localhost_under_any_host_name(client):
    response = client.get("/metrics", REMOTE_ADDR="::1", HTTP_HOST="10.0.0.5:55411")
    assert response.status_code == 200
    assert LATENCY in response.content.decode()


def test_a_request_is_counted_under_its_view_name_never_its_path(client):
    before = scrape(client)
    assert client.get("/login/?next=/secret/").status_code == 200
    assert client.get("/no-such-page/12345/").status_code == 404
    after = scrape(client)
    assert count(after, view="console:login") == count(before, view="console:login") + 1
    assert count(after, view="unresolved", status="4xx") == count(before, view="unresolved", status="4xx") + 1
    views = {dict(labels).get("view") for name, labels in after if name.startswith(LATENCY)}
    assert not any("/" in (view or "") for view in views)


def test_a_method_outside_http_is_counted_as_other(client):
    before = scrape(client)
    assert client.generic("BREW", "/login/").status_code == 405
    after = scrape(client)
    assert count(after, view="console:login", method="other", status="4xx") == count(
        before, view="console:login", method="other", status="4xx") + 1


def test_the_job_queue_and_replica_figures_are_read_when_scraped(client):
    samples = scrape(client)
    names = {name for name, _labels in samples}
    jobs_up = samples[("chibo_metrics_source_up", (("source", "jobs"),))]
    replica_up = samples[("chibo_metrics_source_up", (("source", "replica"),))]
    try:
        from chibo.core.jobs import queue_stats  # noqa: F401
    except ImportError:
        assert jobs_up == 0
    else:
        assert jobs_up == 1
        assert {"chibo_jobs_queued", "chibo_jobs_running", "chibo_jobs_oldest_queued_seconds"} <= names
        assert samples[("chibo_jobs_oldest_queued_seconds", ())] >= 0
    try:
        from chibo.core.replica import replica_status  # noqa: F401
    except ImportError:
        assert replica_up == 0
    else:
        assert replica_up == 1
        assert samples[("chibo_replica_configured", ())] in (0.0, 1.0)
        assert ("chibo_replica_usable", ()) in samples


def test_a_scrape_costs_one_query(client, django_assert_max_num_queries):
    scrape(client)
    with django_assert_max_num_queries(1):  # the job queue's figures, in one aggregate
        scrape(client)
