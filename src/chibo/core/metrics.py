"""Prometheus metrics (prometheus-client): request latency by view, the job queue, the replica.

gunicorn runs several worker processes; with ``PROMETHEUS_MULTIPROC_DIR`` set (``chibo serve``
sets it, see :mod:`chibo.core.gunicorn_conf`), each writes its figures to a file there and a
scrape of any worker sums them all. The job queue and replica figures are read at scrape time
(from the database, through any app server), so the workers expose nothing.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# seconds; 0.3 is the p95 budget of the meeting-evening load
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "chibo_http_request_duration_seconds",
    "Time to answer a request, by view name (the resolved URL name), method and status class.",
    ["view", "method", "status"], buckets=BUCKETS, registry=None)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(view=view, method=method if method in METHODS else "other",
                           status=f"{status // 100}xx").observe(seconds)


class StateCollector(Collector):
    """The job queue and the replica, read when scraped."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("chibo_metrics_source_up", "1 when the figures of a source could be read.",
                               labels=["source"])
        for source, read in (("jobs", _queue_metrics), ("replica", _replica_metrics)):
            try:
                metrics = list(read())
            except Exception:  # noqa: BLE001  (a scrape must answer; the failure is logged and counted)
                logger.warning("metrics: the %s figures could not be read", source, exc_info=True)
                metrics = []
            up.add_metric([source], 1.0 if metrics else 0.0)
            yield from metrics
        yield up


def _queue_metrics() -> Iterable[Metric]:
    try:
        from chibo.core.jobs import queue_stats  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return []
    stats = queue_stats()
    return [
        GaugeMetricFamily("chibo_jobs_queued", "Jobs waiting for a worker.", value=stats["queued"]),
        GaugeMetricFamily("chibo_jobs_running", "Jobs a worker is running.", value=stats["running"]),
        GaugeMetricFamily("chibo_jobs_oldest_queued_seconds", "Age of the oldest job waiting (0 when none).",
                          value=stats["oldest_queued_seconds"] or 0.0),
    ]


def _replica_metrics() -> Iterable[Metric]:
    try:
        from chibo.core.replica import replica_status  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    status = replica_status()
    metrics = [
        GaugeMetricFamily("chibo_replica_configured", "1 when a read replica is configured.",
                          value=1.0 if status.configured else 0.0),
        GaugeMetricFamily("chibo_replica_usable", "1 when reads go to the replica (up, lag within the limit).",
                          value=1.0 if status.usable else 0.0),
    ]
    if status.lag_seconds is not None:
        metrics.append(GaugeMetricFamily("chibo_replica_lag_seconds", "How far the replica is behind the primary.",
                                         value=float(status.lag_seconds)))
    return metrics


def registry() -> CollectorRegistry:
    """What a scrape shows: every worker's figures (multiprocess mode) or this process's."""
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(scrape)
    else:
        scrape.register(REQUEST_SECONDS)
    scrape.register(StateCollector())
    return scrape


@lru_cache(maxsize=8)
def allowed_networks(allow: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allow)


def client_allowed(request: HttpRequest) -> bool:
    """The connection's address and every address a proxy wrote in ``X-Forwarded-For`` must be
    allowed (``CHIBO_METRICS_ALLOW``): a scrape through nginx from outside is refused, and a client
    can add entries to the header but not remove the one the proxy appends."""
    networks = allowed_networks(tuple(settings.CHIBO_METRICS_ALLOW))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    addresses = [request.META.get("REMOTE_ADDR", ""), *forwarded.split(",")] if forwarded else [
        request.META.get("REMOTE_ADDR", "")]
    return all(_in(address.strip(), networks) for address in addresses)


def _in(address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not client_allowed(request):
        return JsonResponse({"status": "forbidden", "detail": "this address may not read the metrics: add it to "
                             "CHIBO_METRICS_ALLOW, and scrape each app server directly, not through nginx"},
                            status=403)
    response = HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
