"""Prometheus metrics counted at the pods, and the exposition endpoint that serves them.

Beside `/metrics` the endpoint serves `/stats`, recent request statistics as JSON for analysis
`web` metrics (see `adapters.local.stats`).

Each platform owns its registry: two platforms in one process (tests, or a demo beside a test)
must not add up each other's requests, and the process-global registry would also mix in
whatever else the process exports.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from adapters.local.stats import RecentRequests, stats_handler

# Spread around what the demo injects (a few ms to a few seconds of latency).
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PodMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "http_requests",
            "HTTP requests served by the local platform's pods.",
            ("service", "version", "status"),
            registry=self.registry,
        )
        self._duration = Histogram(
            "http_request_duration_seconds",
            "Time the local platform's pods took to answer, injected latency included.",
            ("service", "version"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.recent = RecentRequests()
        """The last few minutes of answers, for the JSON `/stats` endpoint."""

    def observe(
        self, service: str, version: str, status: int, seconds: float, pod_template_hash: str = ""
    ) -> None:
        self._requests.labels(service=service, version=version, status=str(status)).inc()
        self._duration.labels(service=service, version=version).observe(seconds)
        self.recent.record(service, version, pod_template_hash, status, seconds)

    def requests_total(self, service: str, version: str, status: int) -> float:
        """The current counter value; 0 for a series that does not exist yet."""
        value = self.registry.get_sample_value(
            "http_requests_total",
            {"service": service, "version": version, "status": str(status)},
        )
        return value or 0.0

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def app(self) -> web.Application:
        async def serve(_: web.Request) -> web.Response:
            return web.Response(
                body=self.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
            )

        app = web.Application()
        app.router.add_get("/metrics", serve)
        app.router.add_get("/stats", stats_handler(self.recent))
        return app
