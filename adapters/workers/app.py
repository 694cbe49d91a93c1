"""The composition root of the long-running processes: `rollouts serve` and `rollouts worker`.

`create_app(settings, workers=...)` is the one place a process is put together: the chosen
workers on one NATS connection (embedded or remote; FastStream's broker opens and holds it,
`adapters.runtime.broker`), one projection of all rollout states, and
the platform. What it was asked for is frozen (`AppSettings`, with the caller's `Ports`); what
runs lives on a resource stack: `start()` registers every part on it as the part is created,
and `stop()` is the stack's `aclose()`, which closes them in reverse order. Every background
loop runs under one `Supervisor` (adapters.runtime.supervisor): readiness (/readyz) fails while
a loop is down, and `run_until(stop)` raises `AppFailed` when one cannot be restarted, on which
the process exits non-zero.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
from faststream.nats import NatsBroker

from adapters.runtime.auth import identity_for
from adapters.runtime.broker import SPEC_URL, ProcessBroker
from adapters.runtime.collector import FREEZE_INTERVAL
from adapters.runtime.connect import Connection, connect, server_list
from adapters.runtime.keyed import KeyedExecutor
from adapters.runtime.missing_modules import remember_missing
from adapters.runtime.observability import LOOPBACK, HealthServer, RolloutMetrics
from adapters.runtime.projection import StateProjection
from adapters.runtime.settings import Settings
from adapters.runtime.supervisor import RESTART, Policy, Supervisor
from adapters.workers.controller import Controller, SystemClock
from adapters.workers.partitions import LEASE_SECONDS
from adapters.workers.wiring import Live, Wiring
from rollouts.ports import Clock, MetricProvider, ReplicaSetPlatform, TrafficRouter

if TYPE_CHECKING:  # the analysis worker's and the notifier's own imports are theirs alone
    from adapters.analysis.secrets import SecretStore
    from adapters.notify.config import NotificationConfig

log = structlog.get_logger("rollouts.app")

ALL_WORKERS = ("controller", "traffic", "scaler", "timer", "analysis", "notifier")
DEFAULT_WORKERS = ("controller", "traffic", "scaler", "timer", "analysis")

__all__ = ["ALL_WORKERS", "DEFAULT_WORKERS", "AppFailed", "AppSettings", "Ports", "RolloutsApp"]
__all__ += ["create_app"]


class AppFailed(Exception):
    """A background loop of the app died for good: the process must stop (and exit non-zero)."""


@dataclass(frozen=True, slots=True)
class Ports:
    """What the caller provides and owns: the app uses these and never closes them."""

    platform: ReplicaSetPlatform | None = None
    router: TrafficRouter | None = None
    job_provider: MetricProvider | None = None
    """The analysis worker's `job` provider (None: Jobs run as local processes)."""
    secret_store: SecretStore | None = None
    """Where `secretKeyRef` arguments are read (None: files under the data directory)."""
    clock: Clock = field(default_factory=SystemClock)


@dataclass(frozen=True, slots=True)
class AppSettings:
    """What one process runs, fixed before it starts."""

    settings: Settings
    workers: tuple[str, ...] = DEFAULT_WORKERS
    """Also the process's roles: what it may do on NATS is what these workers need."""
    ports: Ports = field(default_factory=Ports)
    notifications: NotificationConfig | None = None
    start_embedded: bool = True
    http_port: int | None = None
    drift_interval: float | None = 10.0
    """Seconds between checks that the router still holds the weights (None: never)."""
    gc_freeze_interval: float | None = FREEZE_INTERVAL
    """Seconds between moves of long-lived objects out of the collector's way (None: never;
    see `adapters.runtime.collector`)."""
    supervision: Policy = RESTART
    """How a dead background loop is restarted, and after how many deaths the process fails."""
    lease_seconds: float = LEASE_SECONDS
    """How long a dead controller replica's partitions wait before another takes them over."""
    http_address: str = LOOPBACK
    """Where /metrics, /healthz and /readyz listen: loopback unless a cluster needs them."""


class RolloutsApp:
    def __init__(self, config: AppSettings) -> None:
        self.config = config
        self.metrics = RolloutMetrics()
        self.supervisor = Supervisor(self.metrics.registry)
        """The process's one supervisor (the Kubernetes composition adds its loops here)."""
        self.health: HealthServer | None = None
        self._stack: AsyncExitStack | None = None
        self._live: Live | None = None

    @property
    def workers(self) -> tuple[str, ...]:
        return self.config.workers

    @property
    def clock(self) -> Clock:
        return self.config.ports.clock

    @property
    def connection(self) -> Connection | None:
        return self._live.connection if self._live else None

    @property
    def broker(self) -> NatsBroker | None:
        """FastStream's broker while started: its subscribers, and the process's connection."""
        return self._live.broker if self._live else None

    @property
    def projection(self) -> StateProjection | None:
        return self._live.projection if self._live else None

    @property
    def controller(self) -> Controller | None:
        return self._live.controller if self._live else None

    @property
    def executors(self) -> tuple[KeyedExecutor, ...]:
        return self._live.executors if self._live else ()

    @property
    def ready(self) -> bool:
        """Started (state rebuilt, consumers running), connected to NATS, and every supervised
        loop running: none died for good, none is waiting to be restarted."""
        live = self._live
        connected = live is not None and live.connection.nc.is_connected
        return connected and self.supervisor.healthy

    async def start(self) -> None:
        stack = AsyncExitStack()
        try:
            await self._serve_health(stack)
            broker = ProcessBroker(server_list(self.config.settings.nats.url or SPEC_URL))
            connection = await self._connect(stack, broker)
            live = await Wiring(
                self.config, stack, self.supervisor, self.metrics, connection, broker=broker
            ).assemble()
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._live = stack, live
        log.info("app.started", workers=list(self.workers), tasks=self.supervisor.tasks)

    async def _serve_health(self, stack: AsyncExitStack) -> None:
        """First up and last down: /readyz says 503 while starting and stopping."""
        if self.config.http_port is None:
            return
        health = HealthServer(
            self.metrics, lambda: self.ready, self.config.http_port, self.config.http_address
        )
        await health.start()
        self.health = health
        stack.push_async_callback(self._stop_health, health)

    async def _stop_health(self, health: HealthServer) -> None:
        await health.stop()
        self.health = None

    async def _connect(self, stack: AsyncExitStack, broker: ProcessBroker) -> Connection:
        """The process's one NATS connection, as the roles of `self.config.workers`: opened
        by the broker, which holds it; everything else uses it too."""
        connection = await connect(
            self.config.settings,
            start_embedded=self.config.start_embedded,
            identity=identity_for(self.workers),
            broker=broker,
        )
        stack.push_async_callback(connection.close)
        return connection

    async def stop(self) -> None:
        stack, self._stack = self._stack, None
        self._live = None  # not ready from here on
        if stack is not None:
            await stack.aclose()

    async def run_until(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; raises `AppFailed` if a background loop dies for good first."""
        stopped = asyncio.ensure_future(stop.wait())
        failed = asyncio.ensure_future(self.supervisor.wait_failed())
        try:
            await asyncio.wait({stopped, failed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (stopped, failed):
                waiter.cancel()
            await asyncio.wait({stopped, failed})  # cancelled is not yet done: let them end
        if failed.done() and not failed.cancelled():
            raise AppFailed(failed.result())


def create_app(
    settings: Settings,
    *,
    workers: Sequence[str] = DEFAULT_WORKERS,
    notifications: NotificationConfig | None = None,
    platform: ReplicaSetPlatform | None = None,
    router: TrafficRouter | None = None,
    clock: Clock | None = None,
    start_embedded: bool = True,
    http_port: int | None = None,
    job_provider: MetricProvider | None = None,
    secret_store: SecretStore | None = None,
    drift_interval: float | None = 10.0,
    gc_freeze_interval: float | None = FREEZE_INTERVAL,
    supervision: Policy = RESTART,
    lease_seconds: float = LEASE_SECONDS,
    http_address: str = LOOPBACK,
) -> RolloutsApp:
    unknown = sorted(set(workers) - set(ALL_WORKERS))
    if unknown:
        raise ValueError(
            f"unknown worker(s) {', '.join(unknown)}; choose from {', '.join(ALL_WORKERS)}"
        )
    remember_missing()
    ports = Ports(platform, router, job_provider, secret_store, clock or SystemClock())
    return RolloutsApp(
        AppSettings(
            settings,
            tuple(workers),
            ports,
            notifications,
            start_embedded,
            http_port,
            drift_interval,
            gc_freeze_interval,
            supervision,
            lease_seconds=lease_seconds,
            http_address=http_address,
        )
    )
