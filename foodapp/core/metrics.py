"""Prometheus metrics: request latency by view, what apps add, and the /metrics endpoint.

The request histogram is filled by `RequestMetricsMiddleware`. Apps add their own metrics in
their `metrics` module (counters in the default registry) and collectors read at scrape time
(`collector_register`, e.g. training runs by state from the database). With several processes
(gunicorn workers), set PROMETHEUS_MULTIPROC_DIR to a shared empty folder so that a scrape sums
every process (prometheus_client's multiprocess mode); without it a scrape sees the process that
answers it.

/metrics answers staff (signed in) and clients from METRICS_ALLOWED_NETWORKS (CIDRs) only; anyone
else gets 403.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector

FORBIDDEN = "metrics are for staff or the networks in METRICS_ALLOWED_NETWORKS"
UNRESOLVED_VIEW = "unresolved"

REQUEST_SECONDS = Histogram(
    "foodapp_request_seconds",
    "Time to answer a request, by view, method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

_COLLECTORS: list[Collector] = []


def collector_register(collector: Collector) -> None:
    """Add a collector read at every scrape (once per collector object)."""
    if collector not in _COLLECTORS:
        _COLLECTORS.append(collector)


class RequestMetricsMiddleware:
    """Times every request into REQUEST_SECONDS, labelled by the view's URL name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match is not None else UNRESOLVED_VIEW
        REQUEST_SECONDS.labels(
            view=view, method=request.method or "", status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """METRICS_ALLOWED_NETWORKS as networks."""
    networks: Iterable[str] = getattr(settings, "METRICS_ALLOWED_NETWORKS", ())
    return [ipaddress.ip_network(network, strict=False) for network in networks]


def metrics_allowed(request: HttpRequest) -> bool:
    """Whether the client may read the metrics: staff, or an address of an allowed network."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        client = None
    if client is not None and any(client in network for network in _allowed_networks()):
        return True
    try:
        return bool(request.user.is_authenticated and request.user.is_staff)
    except DatabaseError:  # the session cannot be read
        return False


def _registry() -> CollectorRegistry:
    """The registry a scrape reads: every process's metrics (multiprocess mode) or this one's,
    with the apps' collectors."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    for collector in _COLLECTORS:
        registry.register(collector)
    return registry


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics: the Prometheus text format, for staff or the allowed networks."""
    if not metrics_allowed(request):
        return HttpResponse(FORBIDDEN, status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
