"""How `RolloutsApp.start()` puts the process together, part by part, onto its resource stack.

Each part is registered on the `AsyncExitStack` as soon as it exists, so whatever was built is
closed in reverse order, also when a later part fails to start. The order of creation is
therefore the order of shutdown reversed, and it matters:

    projection (+ watchdog) -> workers -> executors -> broker started -> loops -> gauges

Stopping then runs: gauges and loops (timer, observer, drift check) end; the broker stops
delivering; the executors end the handlers in flight; the workers close (analysis cancels its
measurements, the notifier finishes its deliveries); the projection stops following; then the
connection closes (in `RolloutsApp`). Every loop runs under the process's supervisor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import structlog
from faststream.nats import NatsBroker

from adapters.history.fences import FenceWatch
from adapters.history.restore import finish_imports
from adapters.runtime.collector import CollectorFreezer
from adapters.runtime.connect import Connection
from adapters.runtime.keyed import KeyedExecutor
from adapters.runtime.observability import RolloutMetrics
from adapters.runtime.projection import StateProjection
from adapters.runtime.publish import InputPublisher
from adapters.runtime.snapshot_writer import SnapshotWriter, open_snapshots
from adapters.runtime.supervisor import Supervisor
from adapters.workers.analysis_events import ANALYSIS_EVENTS
from adapters.workers.controller import Controller
from adapters.workers.dead_letters import DeadInputs
from adapters.workers.inputs import input_handler
from adapters.workers.observer import PlatformObserver
from adapters.workers.partition_feeds import durable_name
from adapters.workers.partitions import ControllerInputs, PartitionedInputs
from adapters.workers.restart import RestartWorker
from adapters.workers.scaler import SCALER_EVENTS, ScalerWorker
from adapters.workers.subscriptions import ACK_WAIT_SECONDS, EventHandler, subscribe_events
from adapters.workers.timer import TimerWorker
from adapters.workers.traffic import TRAFFIC_EVENTS, TrafficWorker
from events.jetstream import JetStreamEventStore
from events.streams import INPUT_PARTITIONS, INPUTS_STREAM
from rollouts.ports import PodRestarter

if TYPE_CHECKING:
    from adapters.workers.app import AppSettings

NOTIFIER_ACK_WAIT = 180.0
"""Longer than the worst-case retries of one notification, so a slow delivery is never
redelivered to a second notifier while the first is still trying."""
LAG_PERIOD = 5.0
EFFECT_EVENTS: dict[str, Sequence[str] | None] = {
    "traffic": TRAFFIC_EVENTS,
    "scaler": SCALER_EVENTS,
    "analysis": ANALYSIS_EVENTS,
    "notifier": None,  # every event: its rules choose
}
"""Each effect worker's durable consumer and the event types it reads: what it subscribes to
here, and what the AsyncAPI document (`adapters.workers.asyncapi`) says it subscribes to."""
EFFECT_CONSUMERS = tuple(EFFECT_EVENTS)

Starter = Callable[[], None]

log = structlog.get_logger("rollouts.app")


@dataclass(frozen=True, slots=True)
class Live:
    """The parts of a started app that callers use (all closed by the app's stack)."""

    connection: Connection
    projection: StateProjection
    controller: Controller | None
    executors: tuple[KeyedExecutor, ...]
    broker: NatsBroker
    """FastStream's broker: the effect workers' subscribers, and the holder of `connection`."""


class Wiring:
    """The builder of one start: what the parts share while they are wired (then dropped)."""

    def __init__(
        self,
        config: AppSettings,
        stack: AsyncExitStack,
        supervisor: Supervisor,
        metrics: RolloutMetrics,
        connection: Connection,
        *,
        broker: NatsBroker,
    ) -> None:
        self.config = config
        self.stack = stack
        self.supervisor = supervisor
        self.metrics = metrics
        self.connection = connection
        self.store = JetStreamEventStore(connection.js)
        self.publish = InputPublisher(connection.js)
        self.projection = StateProjection(self.store)
        self.spawn = supervisor.spawner(config.supervision)
        self.executors: list[KeyedExecutor] = []
        self.starters: list[Starter] = []
        self.partitions: PartitionedInputs | None = None
        self.broker = broker
        """Connected already: `connection` is its connection (`adapters.runtime.broker`)."""

    async def assemble(self) -> Live:
        writer = await self.follow()
        controller = await self.controller() if "controller" in self.config.workers else None
        if writer is not None:  # after the controller's inputs: stopped before them, so its
            self.loop(writer.start, writer.stop)  # last flush still holds their partitions
        await self.effects()
        await self.analysis()
        await self.notifier()
        self.stack.push_async_callback(self.broker.stop)
        await self.broker.start()
        for start in self.starters:
            start()
        self.gauges()
        return Live(
            self.connection, self.projection, controller, tuple(self.executors), self.broker
        )

    async def follow(self) -> SnapshotWriter | None:
        self.projection.on_event(self.metrics.observe_state)
        self.projection.on_unreadable(lambda _: self.metrics.events_unreadable.inc())
        writer = await open_snapshots(
            self.connection.js,
            self.projection,
            self.store,
            write="controller" in self.config.workers,  # the stream's writer writes them
            registry=self.metrics.registry,
            held=self.held_partitions,
        )
        await self.projection.rebuild()  # after the snapshots: only the tail
        self.stack.push_async_callback(self.projection.close)
        await self.projection.follow(self.connection.nc, self.spawn)
        return writer

    def held_partitions(self) -> list[int]:
        """The input partitions this controller replica decides, hence snapshots."""
        return list(self.partitions.consumers) if self.partitions is not None else []

    def executor(self) -> KeyedExecutor:
        """Registered after the worker it feeds, so it stops (ending the handlers in flight)
        before that worker closes."""
        executor = KeyedExecutor(on_error=lambda _: self.metrics.handler_errors.labels("job").inc())
        self.executors.append(executor)
        self.stack.push_async_callback(executor.close)
        return executor

    def revision_of(self, namespace: str, name: str) -> int | None:
        state = self.projection.state(namespace, name)
        return state.revision if state is not None else None

    def loop(self, start: Callable[..., None], stop: Callable[[], Awaitable[None]]) -> None:
        """A component loop, started under the supervisor once the consumers run."""

        def starter() -> None:
            start(self.spawn)
            self.stack.push_async_callback(stop)

        self.starters.append(starter)

    async def controller(self) -> Controller:
        """The controller takes the inputs of the partitions it holds a lease on, so several
        replicas share the rollouts and each rollout's inputs are decided in publish order."""
        controller = Controller(
            self.store, self.config.ports.clock, self.projection, metrics=self.metrics
        )
        dead = DeadInputs(self.connection.js, self.metrics)
        await finish_imports(self.connection.js)  # a committed import is rolled forward
        inputs = ControllerInputs(
            self.connection.nc,
            input_handler(controller, self.connection.nc, dead=dead),
            dead,
            stream=INPUTS_STREAM,
            partitions=INPUT_PARTITIONS,
            lease_seconds=self.config.lease_seconds,
        )
        await inputs.open()
        self.partitions = inputs.inputs
        self.loop(inputs.start, inputs.stop)
        return controller

    async def effects(self) -> None:
        workers, ports = self.config.workers, self.config.ports
        for worker, port in (("traffic", ports.router), ("scaler", ports.platform)):
            if worker in workers and port is None:  # say so: nobody will move these weights
                log.warning("worker.not_started", worker=worker, reason="no port configured")
        if "traffic" in workers and ports.router is not None:
            traffic = TrafficWorker(
                self.projection,
                ports.router,
                self.publish,
                drift_interval=self.config.drift_interval,
            )
            self.loop(traffic.start, traffic.stop)
            self.subscribe("traffic", traffic.handle)
        if "scaler" in workers and ports.platform is not None:
            platform = ports.platform
            restarts = None
            if isinstance(platform, PodRestarter):  # `spec.restartAt`: pods listed, evicted
                restarts = RestartWorker(self.projection, platform, self.publish)
            scaler = ScalerWorker(self.projection, platform, restarts)
            fences = FenceWatch(self.connection.nc)
            await scaler.resync(skip=lambda namespace, name: fences.fenced((namespace, name)))
            self.subscribe("scaler", scaler.handle)
            observer = PlatformObserver(ports.platform, self.publish)
            self.loop(observer.start, observer.stop)
        if "timer" in workers:
            timer = TimerWorker(
                self.projection,
                self.publish,
                ports.clock,
                pause_limit=self.config.settings.max_pause,
            )
            self.loop(timer.start, timer.stop)

    def subscribe(
        self, durable: str, handler: EventHandler, ack_wait: float = ACK_WAIT_SECONDS
    ) -> None:
        subscribe_events(
            self.broker,
            self.executor(),
            durable=durable,
            event_types=EFFECT_EVENTS[durable],
            handler=handler,
            ack_wait=ack_wait,
            revision_of=self.revision_of,
        )

    async def analysis(self) -> None:
        if "analysis" not in self.config.workers:
            return
        # Imported here: the providers (botocore among them) and the notifier's services are
        # half a second of imports that a process running neither worker must not pay.
        from adapters.analysis.providers import build_providers
        from adapters.analysis.secrets import LocalSecretStore
        from adapters.analysis.templates import KvTemplateStore
        from adapters.metrics import MetricSettings
        from adapters.workers.analysis import AnalysisWorker

        ports = self.config.ports
        http = httpx.AsyncClient(trust_env=True)
        self.stack.push_async_callback(http.aclose)
        providers = build_providers(
            MetricSettings.from_environ(os.environ), http, job=ports.job_provider
        )
        worker = AnalysisWorker(
            self.projection,
            KvTemplateStore(self.connection.js),
            ports.secret_store or LocalSecretStore(self.config.settings.data_dir),
            providers,
            self.publish,
            ports.clock,
            history=self.store.load,
        )
        self.stack.push_async_callback(worker.stop)
        await worker.resume()  # measurements a killed predecessor left unanswered
        self.subscribe("analysis", worker.handle)

    async def notifier(self) -> None:
        config = self.config.notifications
        if "notifier" not in self.config.workers or config is None:
            return
        from adapters.workers.notifier import create_notifier  # see analysis()

        js, clock = self.connection.js, self.config.ports.clock
        notifier = await create_notifier(js, self.store, config, clock)
        self.stack.push_async_callback(notifier.stop)
        self.subscribe("notifier", notifier.handle, ack_wait=NOTIFIER_ACK_WAIT)

    def gauges(self) -> None:
        """Consumer lag, and the collector freezer: under the supervisor too."""
        lag = self.spawn("consumer-lag", self.watch_lag)
        self.stack.push_async_callback(lag.stop)
        if self.config.gc_freeze_interval is not None:
            freezer = CollectorFreezer(self.config.gc_freeze_interval)
            freezer.start(self.spawn)
            self.stack.push_async_callback(freezer.stop)

    async def watch_lag(self) -> None:
        """How many messages each of our consumers has yet to get, as a gauge."""
        workers = self.config.workers
        effects = [("ROLLOUTS", w, w) for w in workers if w in EFFECT_CONSUMERS]
        js, gauge = self.connection.js, self.metrics.consumer_lag
        while True:
            held = sorted(self.partitions.consumers) if self.partitions else []
            controller = [(INPUTS_STREAM, durable_name(p), "controller") for p in held]
            lags: dict[str, int] = {}
            for stream, durable, label in controller + effects:
                with contextlib.suppress(Exception):
                    info = await js.consumer_info(stream, durable)
                    lag = info.num_pending + (info.num_ack_pending or 0)
                    lags[label] = lags.get(label, 0) + lag
            for label, lag in lags.items():
                gauge.labels(label).set(lag)
            await asyncio.sleep(LAG_PERIOD)
