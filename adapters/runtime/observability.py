"""Metrics, health and logs of a long-running process.

Every process (serve, or any worker alone) serves `/metrics` (Prometheus exposition),
`/healthz` (the process is alive) and `/readyz` (connected to NATS, state rebuilt, consumers
started). Metrics live in a registry of their own, so two apps in one test process never clash.
Logs are structlog: JSON lines for machines, a console renderer for people (coloured only when
stderr is a terminal), always on stderr so stdout stays for command output.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from adapters.runtime.log_context import merge_bound
from rollouts.state import RolloutState

Key = tuple[str, str]


def stderr_wants_colour() -> bool:
    """Colour only for a person at a terminal: a file, a pipe or a collector gets no ANSI
    codes, and NO_COLOR (https://no-color.org) turns them off everywhere."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def configure_logging(*, json_logs: bool, level: int = logging.INFO) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=stderr_wants_colour())
    )
    # The console renderer prints a traceback itself; in JSON it must become a field first,
    # or a crash's traceback is lost (JSONRenderer would print only the exception's repr).
    tracebacks = [structlog.processors.format_exc_info] if json_logs else []
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            merge_bound,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *tracebacks,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def _stderr_logger(*args: object) -> structlog.PrintLogger:
    """Look sys.stderr up at each use: a test runner swaps (and closes) it between tests."""
    return structlog.PrintLogger(sys.stderr)


class RolloutMetrics:
    """The product's Prometheus metrics, fed from the projection and the workers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ["namespace", "rollout"]
        self.phase = Gauge(
            "rollout_phase",
            "1 for the rollout's current phase",
            [*labels, "phase"],
            registry=self.registry,
        )
        self.info = Gauge(
            "rollout_info",
            "Rollout strategy and revision",
            [*labels, "strategy", "revision"],
            registry=self.registry,
        )
        self.analysis_run = Gauge(
            "analysis_run_phase",
            "1 for each analysis run's phase",
            [*labels, "run", "kind", "phase"],
            registry=self.registry,
        )
        self.analysis_metric = Gauge(
            "analysis_metric_phase",
            "1 for each analysis metric's phase",
            [*labels, "run", "metric", "phase"],
            registry=self.registry,
        )
        self.events_appended = Counter(
            "rollouts_events_appended_total",
            "Events appended by this controller",
            ["type"],
            registry=self.registry,
        )
        self.inputs = Counter(
            "rollouts_inputs_total",
            "Inputs decided, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.decision_latency = Histogram(
            "rollouts_decision_seconds",
            "From taking an input to its events being appended",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "rollouts_consumer_pending",
            "Messages not yet delivered to a durable consumer",
            ["consumer"],
            registry=self.registry,
        )
        self.notifications = Counter(
            "rollouts_notifications_total",
            "Notification deliveries",
            ["service", "outcome"],
            registry=self.registry,
        )
        self.inputs_dead_lettered = Counter(
            "rollouts_inputs_dead_lettered_total",
            "Inputs the controller could not take, parked in ROLLOUT_INPUTS_DLQ, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.events_unreadable = Counter(
            "rollouts_events_unreadable_total",
            "Messages on the event stream that could not be decoded (quarantined, skipped)",
            registry=self.registry,
        )
        self.handler_errors = Counter(
            "rollouts_handler_errors_total",
            "Exceptions of message handlers, logged with their traceback",
            ["component"],
            registry=self.registry,
        )
        self._series: dict[Key, list[tuple[Gauge, tuple[str, ...]]]] = {}

    def observe_state(self, key: Key, state: RolloutState) -> None:
        """Replace a rollout's gauges with those of its current state.

        Called for every event folded, and most events change none of the labels, so only the
        series that differ are touched: creating a labelled child costs more than the fold."""
        series = self._state_series(key, state)
        old = self._series.get(key)
        if old == series:
            return
        current = set(series)
        for gauge, values in old or ():
            if (gauge, values) not in current:
                gauge.remove(*values)
        kept = set(old or ())
        for gauge, values in series:
            if (gauge, values) not in kept:
                gauge.labels(*values).set(1)
        self._series[key] = series

    def _state_series(self, key: Key, state: RolloutState) -> list[tuple[Gauge, tuple[str, ...]]]:
        series: list[tuple[Gauge, tuple[str, ...]]] = []
        if state.phase is not None:
            series.append((self.phase, (*key, state.phase.value)))
        strategy = "blueGreen" if state.spec and state.spec.spec.strategy.blue_green else "canary"
        series.append((self.info, (*key, strategy, str(state.revision))))
        for run in state.analysis_runs.values():
            series.append((self.analysis_run, (*key, run.name, run.kind.value, run.phase.value)))
            for metric, phase in _metric_phases(run):
                series.append((self.analysis_metric, (*key, run.name, metric, phase)))
        return series

    @contextmanager
    def timed_decision(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.decision_latency.observe(time.perf_counter() - start)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _metric_phases(run: object) -> list[tuple[str, str]]:
    phases = getattr(run, "metric_phases", None) or {}
    return [(str(name), str(getattr(p, "value", p))) for name, p in dict(phases).items()]


LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"


class HealthServer:
    """`/metrics`, `/healthz` and `/readyz` on `host`:`port` (0 = any free port).

    Loopback by default: the metrics name every rollout and analysis with its phase, which is
    nobody else's business on a laptop; in a cluster the Deployment asks for all interfaces so
    the kubelet's probes and Prometheus reach the pod."""

    def __init__(
        self, metrics: RolloutMetrics, ready: Callable[[], bool], port: int, host: str = LOOPBACK
    ) -> None:
        self._metrics = metrics
        self._ready = ready
        self._port = port
        self._host = host
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._exposition)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = self._runner.addresses[0][1] if self._runner.addresses else self._port
        self.url = f"http://{_reachable(self._host)}:{port}"

    async def _exposition(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, request: web.Request) -> web.Response:
        if self._ready():
            return web.Response(text="ready\n")
        return web.Response(status=503, text="not ready\n")

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _reachable(host: str) -> str:
    """How this machine reaches a server listening on `host` (a wildcard: by loopback)."""
    if host in ("", ALL_INTERFACES):
        return LOOPBACK
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
