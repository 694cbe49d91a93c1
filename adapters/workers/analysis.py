"""The analysis worker: resolves requested runs and takes the measurements that fall due.

`AnalysisRunRequested` is answered with `AnalysisRunResolved` (input id `<event id>:resolved`):
templates fetched from the template store, merged and resolved by the pure `resolve_run`.
`MeasurementDue` is answered with `MeasurementTaken` (input id `<event id>:taken`): the run's
frozen metric, secret arguments read and substituted just before the provider is called, the
value or error masked of secrets. A provider that fails or hangs gives an Error measurement,
never an exception. Providers that need to know which measurement they take (the Kubernetes
`job` provider names its Job after it) are given its `MeasurementScope`.

Measurements run as tasks of their own: the event is acknowledged at once, so a slow provider
holds up neither other rollouts nor the other runs of its own rollout (a worker killed meanwhile
takes them again when it restarts: `resume`). Each metric has at most
one measurement in flight (the engine waits for one before scheduling the next), so the inputs
of a metric reach the controller in order. A redelivered `MeasurementDue` while its measurement
is still running is ignored; the input id makes any duplicate `MeasurementTaken` harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

import events.inputs as inp
import events.models as ev
from adapters.analysis.frozen import FrozenRuns, History
from adapters.analysis.measure import GUARD_SECONDS, MeasurementRunner
from adapters.analysis.providers import MeasurementScope
from adapters.analysis.resolve import resolve_request
from adapters.analysis.secrets import SecretStore
from adapters.analysis.templates import TemplateStore
from adapters.runtime.projection import StateProjection
from adapters.runtime.tasks import cancel_and_wait
from events.base import Input
from events.store import StoredEvent
from rollouts.ports import Clock, MetricProvider

log = structlog.get_logger("rollouts.analysis")

Publish = Callable[[str, str, Input], Awaitable[None]]

MAX_CONCURRENT_MEASUREMENTS = 64
UNKNOWN_RUN = "the analysis run's spec is not known to the analysis worker"


class AnalysisWorker:
    def __init__(  # noqa: PLR0917 - the composition root's documented call
        self,
        projection: StateProjection,
        templates: TemplateStore,
        secrets: SecretStore,
        providers: MetricProvider,
        publish: Publish,
        clock: Clock,
        *,
        history: History | None = None,
        guard_seconds: float = GUARD_SECONDS,
        concurrency: int = MAX_CONCURRENT_MEASUREMENTS,
    ) -> None:
        self._projection = projection
        self._templates = templates
        self._secrets = secrets
        self._publish = publish
        self._runner = MeasurementRunner(secrets, providers, clock, guard_seconds=guard_seconds)
        self._runs = FrozenRuns(history)
        self._history = history
        self._slots = asyncio.Semaphore(concurrency)
        self._in_flight: dict[str, tuple[MeasurementScope, asyncio.Task[None]]] = {}
        """By `MeasurementDue` event id: the measurement being taken and its task."""

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def resume(self) -> None:
        """Take again the measurements the rollouts still await. A `MeasurementDue` is
        acknowledged as soon as its measurement starts, so a worker killed mid-measurement
        left it answered by nobody, and the run waited for ever. The state says which are
        awaited; the history gives their events, so the input ids are the same as before
        (a measurement that did get through is deduplicated, or dropped as no longer awaited).
        Call before the consumers start."""
        if self._history is None:
            return
        for (namespace, name), state in list(self._projection.states.items()):
            awaited = {
                (run.name, metric.name, metric.in_flight)
                for run in state.analysis_runs.values()
                if run.started and not run.phase.completed
                for metric in run.metrics
                if metric.in_flight is not None
            }
            if not awaited:
                continue
            for stored in await self._history(namespace, name):
                event = stored.event
                if not isinstance(event, ev.MeasurementDue):
                    continue
                if (event.run_name, event.metric, event.index) in awaited:
                    self._start_measurement(namespace, name, stored, event)
            log.info("analysis.resumed", rollout=f"{namespace}/{name}", measurements=len(awaited))

    async def handle(self, stored: StoredEvent) -> None:
        namespace, _, name = stored.envelope.subject.partition("/")
        event = stored.event
        if isinstance(event, ev.AnalysisRunRequested):
            await self._resolve(namespace, name, stored, event)
        elif isinstance(event, ev.MeasurementDue):
            self._start_measurement(namespace, name, stored, event)
        elif isinstance(event, ev.AnalysisRunTerminationRequested):
            await self._terminate(namespace, name, event.run_name)

    async def _terminate(self, namespace: str, name: str, run: str) -> None:
        """The run ended (promoted, aborted, replaced): measurements still being taken for it
        are cut short and their providers clean up, as Argo's Terminate deletes their Jobs."""
        cut = [
            (scope, task)
            for scope, task in self._in_flight.values()
            if (scope.namespace, scope.rollout, scope.run) == (namespace, name, run)
        ]
        await cancel_and_wait([task for _, task in cut])
        for scope, _ in cut:
            await self._runner.terminate(scope)
        if cut:
            log.info("analysis.terminated", rollout=f"{namespace}/{name}", run=run, cut=len(cut))

    async def _resolve(
        self, namespace: str, name: str, stored: StoredEvent, event: ev.AnalysisRunRequested
    ) -> None:
        await self._projection.wait_for((namespace, name), stored.stream_sequence)
        state = self._projection.state(namespace, name)
        resolved = await resolve_request(
            event,
            state,
            self._templates,
            self._secrets,
            namespace=namespace,
            input_id=f"{stored.envelope.id}:resolved",
        )
        log.info(
            "analysis.resolved",
            rollout=f"{namespace}/{name}",
            run=event.run_name,
            metrics=len(resolved.metrics),
            error=resolved.error,
        )
        await self._publish(namespace, name, resolved)

    def _start_measurement(
        self, namespace: str, name: str, stored: StoredEvent, event: ev.MeasurementDue
    ) -> None:
        event_id = stored.envelope.id
        if event_id in self._in_flight:
            return
        task = asyncio.create_task(
            self._measure(namespace, name, stored, event),
            name=f"measure:{namespace}/{name}:{event.run_name}:{event.metric}:{event.index}",
        )
        scope = MeasurementScope(namespace, name, event.run_name, event.metric, event.index)
        self._in_flight[event_id] = (scope, task)
        task.add_done_callback(lambda _: self._in_flight.pop(event_id, None))

    async def _measure(
        self, namespace: str, name: str, stored: StoredEvent, event: ev.MeasurementDue
    ) -> None:
        try:
            async with self._slots:
                taken = await self._take(namespace, name, stored, event)
            await self._publish(namespace, name, taken)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # publishing gave up: the controller never hears of it
            log.error(
                "analysis.measurement_lost",
                rollout=f"{namespace}/{name}",
                run=event.run_name,
                metric=event.metric,
                error=repr(error),
            )

    async def _take(
        self, namespace: str, name: str, stored: StoredEvent, event: ev.MeasurementDue
    ) -> inp.MeasurementTaken:
        with contextlib.suppress(TimeoutError):
            await self._projection.wait_for((namespace, name), stored.stream_sequence)
        state = self._projection.state(namespace, name)
        run = await self._runs.find(namespace, name, event.run_name, state)
        metric = run.metrics.get(event.metric) if run is not None else None
        input_id = f"{stored.envelope.id}:taken"
        if run is None or metric is None:
            now = self._runner.now()
            return inp.MeasurementTaken(
                input_id=input_id,
                run_name=event.run_name,
                metric=event.metric,
                index=event.index,
                error=UNKNOWN_RUN,
                started_at=now,
                finished_at=now,
            )
        scope = MeasurementScope(namespace, name, event.run_name, event.metric, event.index)
        taken = await self._runner.take(namespace, metric, run.secret_args, scope=scope)
        log.info(
            "analysis.measured",
            rollout=f"{namespace}/{name}",
            run=event.run_name,
            metric=event.metric,
            index=event.index,
            failed=taken.error is not None,
        )
        return inp.MeasurementTaken(
            input_id=input_id,
            run_name=event.run_name,
            metric=event.metric,
            index=event.index,
            value=taken.value,
            error=taken.error,
            started_at=taken.started_at,
            finished_at=taken.finished_at,
            metadata=taken.metadata,
        )

    async def drain(self) -> None:
        """Until every measurement started so far has been published (tests, shutdown)."""
        while self._in_flight:
            tasks = [task for _, task in self._in_flight.values()]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Cancel measurements still running; their `MeasurementDue` stays unanswered."""
        await cancel_and_wait([task for _, task in self._in_flight.values()])
        self._in_flight.clear()
