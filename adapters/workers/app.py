"""The composition root of the long-running processes: `rollouts serve` and `rollouts worker`.

`create_app(settings, workers=...)` wires the chosen workers to one NATS connection (embedded
or remote), one projection of all rollout states, and the platform. Nothing connects until
`start()`; `stop()` undoes everything in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
import structlog
from faststream.nats import NatsBroker, NatsCredentials, NatsToken, NatsUserPassword
from faststream.security import BaseSecurity
from nats.aio.msg import Msg

from adapters.analysis import KvTemplateStore, LocalSecretStore, build_providers
from adapters.analysis.secrets import SecretStore
from adapters.metrics import MetricSettings
from adapters.notify import NotificationConfig
from adapters.runtime.collector import FREEZE_INTERVAL, CollectorFreezer
from adapters.runtime.connect import Connection, connect
from adapters.runtime.keyed import KeyedExecutor
from adapters.runtime.observability import HealthServer, RolloutMetrics
from adapters.runtime.projection import StateProjection
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import NatsSettings, Settings
from adapters.runtime.tasks import cancel_and_wait
from adapters.workers.analysis import ANALYSIS_EVENTS, AnalysisWorker
from adapters.workers.controller import Controller, SystemClock
from adapters.workers.notifier import NotifierWorker, create_notifier
from adapters.workers.observer import PlatformObserver
from adapters.workers.scaler import SCALER_EVENTS, ScalerWorker
from adapters.workers.subscriptions import subscribe_events, subscribe_inputs
from adapters.workers.timer import TimerWorker
from adapters.workers.traffic import TRAFFIC_EVENTS, TrafficWorker
from events.input_codec import H_REPLY_TO, InputOutcome, MalformedInput, decode_input
from events.jetstream import JetStreamEventStore
from rollouts.ports import Clock, MetricProvider, ReplicaSetPlatform, TrafficRouter

log = structlog.get_logger("rollouts.app")

ALL_WORKERS = ("controller", "traffic", "scaler", "timer", "analysis", "notifier")
DEFAULT_WORKERS = ("controller", "traffic", "scaler", "timer", "analysis")
NOTIFIER_ACK_WAIT = 180.0
"""Longer than the worst-case retries of one notification, so a slow delivery is never
redelivered to a second notifier while the first is still trying."""


def broker_security(settings: NatsSettings) -> BaseSecurity | None:
    context = None
    if settings.tls_ca or settings.tls_cert:
        context = ssl.create_default_context(cafile=settings.tls_ca)
        if settings.tls_cert:
            context.load_cert_chain(settings.tls_cert, settings.tls_key)
    if settings.creds_file:
        return NatsCredentials(settings.creds_file, ssl_context=context)
    if settings.token:
        return NatsToken(settings.token, ssl_context=context)
    if settings.user:
        return NatsUserPassword(settings.user, settings.password or "", ssl_context=context)
    return BaseSecurity(ssl_context=context) if context else None


@dataclass
class RolloutsApp:
    settings: Settings
    workers: Sequence[str] = DEFAULT_WORKERS
    notifications: NotificationConfig | None = None
    platform: ReplicaSetPlatform | None = None
    router: TrafficRouter | None = None
    job_provider: MetricProvider | None = None
    """The analysis worker's `job` provider (None: Jobs run as local processes)."""
    secret_store: SecretStore | None = None
    """Where `secretKeyRef` arguments are read (None: files under the data directory)."""
    clock: Clock = field(default_factory=SystemClock)
    start_embedded: bool = True
    http_port: int | None = None
    metrics: RolloutMetrics = field(default_factory=RolloutMetrics)
    health: HealthServer | None = None
    connection: Connection | None = None
    controller: Controller | None = None
    projection: StateProjection | None = None
    _broker: NatsBroker | None = None
    drift_interval: float | None = 10.0
    """Seconds between checks that the router still holds the weights (None: never)."""
    gc_freeze_interval: float | None = FREEZE_INTERVAL
    """Seconds between moves of long-lived objects out of the collector's way (None: never;
    see `adapters.runtime.collector`)."""
    _freezer: CollectorFreezer | None = None
    _stoppables: list[TimerWorker | PlatformObserver | NotifierWorker | TrafficWorker] = field(
        default_factory=list
    )
    _executors: list[KeyedExecutor] = field(default_factory=list)
    _ready: bool = False
    _http: httpx.AsyncClient | None = None
    _analysis: AnalysisWorker | None = None
    _lag_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.http_port is not None:
            self.health = HealthServer(self.metrics, lambda: self.ready, self.http_port)
            await self.health.start()
        self.connection = await connect(self.settings, start_embedded=self.start_embedded)
        store = JetStreamEventStore(self.connection.js)
        self.projection = StateProjection(store)
        self.projection.on_event(self.metrics.observe_state)
        await self.projection.rebuild()
        await self.projection.follow(self.connection.nc)
        url = self.connection.nc.connected_url
        servers = f"nats://{url.hostname}:{url.port}" if url else "nats://127.0.0.1:4222"
        self._broker = NatsBroker(
            servers,
            security=broker_security(self.settings.nats),
            logger=None,
            max_reconnect_attempts=-1,
        )
        publish = InputPublisher(self.connection.js)
        if "controller" in self.workers:
            await self._wire_controller(store)
        await self._wire_effects(publish)
        self._wire_analysis(store, publish)
        await self._wire_notifier(store)
        await self._broker.start()
        for item in self._stoppables:
            item.start()
        self._lag_task = asyncio.create_task(self._watch_lag(), name="consumer-lag")
        self._ready = True
        if self.gc_freeze_interval is not None:
            self._freezer = CollectorFreezer(self.gc_freeze_interval)
            self._freezer.start()
        log.info("app.started", workers=list(self.workers), url=servers)

    @property
    def ready(self) -> bool:
        """Connected to NATS, state rebuilt and consumers started."""
        nc = self.connection.nc if self.connection else None
        return self._ready and nc is not None and nc.is_connected

    async def _watch_lag(self, period: float = 5.0) -> None:
        """Consumer lag as a gauge: how many messages each of our consumers has yet to get."""
        assert self.connection is not None
        consumers = [("ROLLOUT_INPUTS", "controller")] if "controller" in self.workers else []
        consumers += [
            ("ROLLOUTS", w)
            for w in self.workers
            if w in ("traffic", "scaler", "analysis", "notifier")
        ]
        while self._ready:
            for stream, durable in consumers:
                with contextlib.suppress(Exception):
                    info = await self.connection.js.consumer_info(stream, durable)
                    lag = info.num_pending + (info.num_ack_pending or 0)
                    self.metrics.consumer_lag.labels(durable).set(lag)
            await asyncio.sleep(period)

    def _revision_of(self, namespace: str, name: str) -> int | None:
        state = self.projection.state(namespace, name) if self.projection else None
        return state.revision if state is not None else None

    def _executor(self) -> KeyedExecutor:
        executor = KeyedExecutor()
        self._executors.append(executor)
        return executor

    async def _wire_controller(self, store: JetStreamEventStore) -> None:
        assert self._broker is not None and self.connection is not None
        assert self.projection is not None
        self.controller = Controller(store, self.clock, self.projection, metrics=self.metrics)
        nc, controller = self.connection.nc, self.controller

        async def on_input(namespace: str, name: str, raw: Msg) -> None:
            reply_to = (raw.headers or {}).get(H_REPLY_TO)
            try:
                item = decode_input(raw.headers, raw.data)
            except MalformedInput as error:
                log.warning("input.malformed", subject=raw.subject, error=str(error))
                outcome = InputOutcome(
                    input_id=(raw.headers or {}).get("ce-id", ""),
                    status="invalid",
                    message=str(error),
                )
                await raw.term()
            else:
                outcome = await controller.handle(namespace, name, item)
                await raw.ack()
            if reply_to:
                await nc.publish(reply_to, outcome.model_dump_json().encode())

        subscribe_inputs(self._broker, self._executor(), durable="controller", handler=on_input)

    async def _wire_effects(self, publish: InputPublisher) -> None:
        assert self._broker is not None and self.projection is not None
        if "traffic" in self.workers and self.router is not None:
            traffic = TrafficWorker(
                self.projection, self.router, publish, drift_interval=self.drift_interval
            )
            self._stoppables.append(traffic)
            subscribe_events(
                self._broker,
                self._executor(),
                durable="traffic",
                event_types=TRAFFIC_EVENTS,
                handler=traffic.handle,
                revision_of=self._revision_of,
            )
        if "scaler" in self.workers and self.platform is not None:
            scaler = ScalerWorker(self.projection, self.platform)
            await scaler.resync()
            subscribe_events(
                self._broker,
                self._executor(),
                durable="scaler",
                event_types=SCALER_EVENTS,
                handler=scaler.handle,
                revision_of=self._revision_of,
            )
            self._stoppables.append(PlatformObserver(self.platform, publish))
        if "timer" in self.workers:
            self._stoppables.append(TimerWorker(self.projection, publish, self.clock))

    def _wire_analysis(self, store: JetStreamEventStore, publish: InputPublisher) -> None:
        if "analysis" not in self.workers:
            return
        assert self.connection is not None and self._broker is not None
        assert self.projection is not None
        self._http = httpx.AsyncClient(trust_env=True)
        self._analysis = AnalysisWorker(
            self.projection,
            KvTemplateStore(self.connection.js),
            self.secret_store or LocalSecretStore(self.settings.data_dir),
            build_providers(
                MetricSettings.from_environ(os.environ), self._http, job=self.job_provider
            ),
            publish,
            self.clock,
            history=store.load,
        )
        subscribe_events(
            self._broker,
            self._executor(),
            durable="analysis",
            event_types=ANALYSIS_EVENTS,
            handler=self._analysis.handle,
            revision_of=self._revision_of,
        )

    async def _wire_notifier(self, store: JetStreamEventStore) -> None:
        if "notifier" not in self.workers or self.notifications is None:
            return
        assert self.connection is not None and self._broker is not None
        notifier = await create_notifier(self.connection.js, store, self.notifications, self.clock)
        subscribe_events(
            self._broker,
            self._executor(),
            durable="notifier",
            event_types=None,
            handler=notifier.handle,
            ack_wait=NOTIFIER_ACK_WAIT,
            revision_of=self._revision_of,
        )
        self._stoppables.append(notifier)

    async def stop(self) -> None:
        self._ready = False
        if self._lag_task is not None:
            await cancel_and_wait(self._lag_task)
            self._lag_task = None
        for item in reversed(self._stoppables):
            await item.stop()
        self._stoppables.clear()
        if self._broker is not None:
            await self._broker.stop()
            self._broker = None
        for executor in self._executors:
            await executor.close()
        self._executors.clear()
        if self._analysis is not None:
            await self._analysis.stop()
            self._analysis = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self.projection is not None:
            await self.projection.close()
        if self.connection is not None:
            await self.connection.close()
            self.connection = None
        if self.health is not None:
            await self.health.stop()
            self.health = None
        if self._freezer is not None:
            await self._freezer.stop()
            self._freezer = None


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
) -> RolloutsApp:
    unknown = sorted(set(workers) - set(ALL_WORKERS))
    if unknown:
        raise ValueError(
            f"unknown worker(s) {', '.join(unknown)}; choose from {', '.join(ALL_WORKERS)}"
        )
    return RolloutsApp(
        settings=settings,
        workers=tuple(workers),
        notifications=notifications,
        platform=platform,
        router=router,
        job_provider=job_provider,
        secret_store=secret_store,
        clock=clock or SystemClock(),
        start_embedded=start_embedded,
        http_port=http_port,
    )
