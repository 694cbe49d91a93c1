"""The analysis worker with in-memory stores: requests resolved, measurements taken, never
blocking one run on another's slow provider."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, MutableMapping
from types import SimpleNamespace
from typing import Any, cast

import events.inputs as inp
import events.models as ev
from adapters.analysis.providers import MeasurementScope
from adapters.analysis.secrets import InMemorySecretStore
from adapters.analysis.templates import InMemoryTemplateStore
from adapters.runtime.projection import StateProjection
from adapters.workers.analysis import UNKNOWN_RUN, AnalysisWorker
from adapters.workers.analysis_events import ANALYSIS_EVENTS
from events.phases import AnalysisRunKind
from events.store import StoredEvent
from rollouts.ports import Measurement
from rollouts.spec import Metric
from rollouts.state import RolloutState
from tests.unit.runspec.builders import metric, template
from tests.unit.runspec.fakes import (
    T0,
    FakeProjection,
    Published,
    ScriptedProvider,
    TickingClock,
    stored,
)

RATE = template(
    "rate",
    metrics=[metric("rate", successCondition="result < {{args.limit}}")],
    args=[
        {"name": "limit"},
        {"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
    ],
)


def request(
    *, analysis: dict[str, Any] | None = None, run: str = "web-abc-2-1"
) -> ev.AnalysisRunRequested:
    return ev.AnalysisRunRequested(
        cause="in-1",
        at=T0,
        run_name=run,
        kind=AnalysisRunKind.STEP,
        step_index=1,
        revision=2,
        pod_template_hash="abc",
        stable_pod_template_hash="old",
        analysis=analysis
        or {"templates": [{"templateName": "rate"}], "args": [{"name": "limit", "value": "0.05"}]},
    )


def started(
    run: str, *metrics: dict[str, Any], secret_args: dict[str, Any] | None = None
) -> ev.AnalysisRunStarted:
    return ev.AnalysisRunStarted(
        cause="in-2", at=T0, run_name=run, metrics=list(metrics), secret_args=secret_args or {}
    )


def due(run: str, name: str = "rate", index: int = 1) -> ev.MeasurementDue:
    return ev.MeasurementDue(cause="in-3", at=T0, run_name=run, metric=name, index=index)


class System:
    def __init__(
        self,
        provider: ScriptedProvider | None = None,
        history: list[StoredEvent] | None = None,
        state: Any = None,
        secrets: InMemorySecretStore | None = None,
    ) -> None:
        self.provider = provider or ScriptedProvider()
        self.published = Published()
        self.history = history or []
        projection = FakeProjection(
            {("default", "web"): cast(RolloutState, state)} if state else {}
        )
        self.worker = AnalysisWorker(
            cast(StateProjection, projection),
            InMemoryTemplateStore([RATE]),
            secrets or InMemorySecretStore({("default", "creds"): {"token": "t0ken-value"}}),
            self.provider,
            self.published,
            TickingClock(),
            history=self.load,
        )

    async def load(self, namespace: str, name: str) -> list[StoredEvent]:
        return self.history


def test_the_worker_serves_requests_measurements_and_terminations() -> None:
    assert ANALYSIS_EVENTS == (
        "AnalysisRunRequested",
        "MeasurementDue",
        "AnalysisRunTerminationRequested",
    )


async def test_a_request_is_resolved() -> None:
    system = System()
    await system.worker.handle(stored(request(), event_id="e1"))
    (resolved,) = system.published.of(inp.AnalysisRunResolved)
    assert resolved.input_id == "e1:resolved" and resolved.error is None
    assert resolved.run_name == "web-abc-2-1"
    assert resolved.metrics[0]["successCondition"] == "result < 0.05"
    assert resolved.args == {"limit": "0.05"}
    assert resolved.secret_args == {"token": {"name": "creds", "key": "token"}}
    assert "t0ken-value" not in resolved.model_dump_json()


async def test_resolution_failures_carry_argos_message() -> None:
    system = System()
    await system.worker.handle(stored(request(analysis={"templates": [{"templateName": "gone"}]})))
    missing_arg = {"templates": [{"templateName": "rate"}]}
    await system.worker.handle(stored(request(analysis=missing_arg), sequence=2))
    errors = [item.error for item in system.published.of(inp.AnalysisRunResolved)]
    assert errors == ["AnalysisTemplate 'gone' not found", "args.limit was not resolved"]


async def test_a_missing_secret_fails_the_run_at_once() -> None:
    system = System(secrets=InMemorySecretStore())
    await system.worker.handle(stored(request()))
    (resolved,) = system.published.of(inp.AnalysisRunResolved)
    assert resolved.error == 'Unable to resolve metric arguments: secrets "creds" not found'


WEB_METRIC = {
    "name": "rate",
    "successCondition": "result < 0.05",
    "provider": {
        "web": {"url": "http://m/x", "headers": [{"key": "X-Token", "value": "{{args.token}}"}]}
    },
}
SECRET_ARGS = {"token": {"name": "creds", "key": "token"}}


async def test_a_due_measurement_is_taken_with_the_spec_from_the_history(
    logs: list[MutableMapping[str, Any]],
) -> None:
    def answer(block: Mapping[str, Any]) -> Measurement:
        return Measurement(value=0.01, metadata={"sent": block["web"]["headers"][0]["value"]})

    system = System(
        ScriptedProvider(answer),
        history=[stored(started("r1", WEB_METRIC, secret_args=SECRET_ARGS))],
    )
    await system.worker.handle(stored(due("r1", index=2), event_id="d1", sequence=5))
    await system.worker.drain()
    (taken,) = system.published.of(inp.MeasurementTaken)
    assert taken.input_id == "d1:taken"
    assert (taken.run_name, taken.metric, taken.index) == ("r1", "rate", 2)
    assert taken.value == 0.01 and taken.error is None
    assert taken.metadata == {"sent": "*****"}
    assert taken.finished_at > taken.started_at
    assert [line["event"] for line in logs] == ["analysis.measured"]
    assert "t0ken-value" not in repr(logs)


async def test_the_spec_is_read_from_the_state_when_it_holds_it() -> None:
    run = SimpleNamespace(
        metrics=(SimpleNamespace(spec=Metric.model_validate(WEB_METRIC)),), secret_args=SECRET_ARGS
    )
    state = SimpleNamespace(analysis_runs={"r1": run})
    system = System(state=state)
    await system.worker.handle(stored(due("r1")))
    await system.worker.drain()
    assert system.provider.blocks[0]["web"]["headers"][0]["value"] == "t0ken-value"
    assert system.published.of(inp.MeasurementTaken)[0].error is None


async def test_a_state_without_secret_names_falls_back_to_the_history() -> None:
    run = SimpleNamespace(metrics=(SimpleNamespace(spec=Metric.model_validate(WEB_METRIC)),))
    system = System(
        state=SimpleNamespace(analysis_runs={"r1": run}),
        history=[stored(started("r1", WEB_METRIC, secret_args=SECRET_ARGS))],
    )
    await system.worker.handle(stored(due("r1")))
    await system.worker.drain()
    assert system.provider.blocks[0]["web"]["headers"][0]["value"] == "t0ken-value"


async def test_an_unknown_run_is_an_error_measurement() -> None:
    system = System()
    await system.worker.handle(stored(due("nobody")))
    await system.worker.drain()
    (taken,) = system.published.of(inp.MeasurementTaken)
    assert taken.error == UNKNOWN_RUN and system.provider.blocks == []


async def test_a_slow_provider_does_not_hold_up_another_run() -> None:
    slow = {**WEB_METRIC, "name": "slow", "provider": {"web": {"url": "http://slow"}}}
    fast = {**WEB_METRIC, "name": "fast", "provider": {"web": {"url": "http://fast"}}}

    class Provider(ScriptedProvider):
        async def measure(self, provider: Mapping[str, Any], now: Any) -> Measurement:
            if provider["web"]["url"] == "http://slow":
                await asyncio.sleep(0.5)
            return Measurement(value=provider["web"]["url"])

    system = System(
        Provider(), history=[stored(started("bg", slow)), stored(started("step", fast))]
    )
    await system.worker.handle(stored(due("bg", "slow"), event_id="a", sequence=7))
    await system.worker.handle(stored(due("step", "fast"), event_id="b", sequence=8))
    assert system.worker.in_flight == 2
    await system.worker.drain()
    order = [item.metric for item in system.published.of(inp.MeasurementTaken)]
    assert order == ["fast", "slow"]


async def test_a_redelivered_due_event_measures_once() -> None:
    system = System(
        ScriptedProvider(delay=0.1),
        history=[stored(started("r1", WEB_METRIC, secret_args=SECRET_ARGS))],
    )
    event = stored(due("r1"), event_id="same")
    await system.worker.handle(event)
    await system.worker.handle(event)
    await system.worker.drain()
    assert len(system.provider.blocks) == 1


async def test_stop_cancels_measurements_in_flight() -> None:
    system = System(
        ScriptedProvider(delay=30),
        history=[stored(started("r1", WEB_METRIC, secret_args=SECRET_ARGS))],
    )
    await system.worker.handle(stored(due("r1")))
    await asyncio.sleep(0.05)
    await system.worker.stop()
    assert system.worker.in_flight == 0 and system.published.items == []


class TerminableProvider(ScriptedProvider):
    """Slow for run r1, quick otherwise; records the measurements it is told to clean up."""

    def __init__(self) -> None:
        super().__init__()
        self.terminated: list[MeasurementScope] = []

    async def measure(self, provider: Mapping[str, Any], now: Any) -> Measurement:
        if provider["web"]["url"] == "http://slow":
            await asyncio.sleep(30)
        return Measurement(value=1.0)

    async def terminate(self, scope: MeasurementScope) -> None:
        self.terminated.append(scope)


async def test_a_terminated_run_cuts_its_measurements_short_and_cleans_up() -> None:
    slow = {**WEB_METRIC, "name": "slow", "provider": {"web": {"url": "http://slow"}}}
    quick = {**WEB_METRIC, "name": "quick", "provider": {"web": {"url": "http://quick"}}}
    provider = TerminableProvider()
    system = System(provider, history=[stored(started("r1", slow)), stored(started("r2", quick))])
    await system.worker.handle(stored(due("r1", "slow", index=3), event_id="a", sequence=7))
    await asyncio.sleep(0.05)
    ended = ev.AnalysisRunTerminationRequested(cause="in-9", at=T0, run_name="r1", reason="x")
    await system.worker.handle(stored(ended, event_id="t", sequence=8))
    assert system.worker.in_flight == 0 and system.published.items == []
    assert provider.terminated == [MeasurementScope("default", "web", "r1", "slow", 3)]
    await system.worker.handle(stored(ended, event_id="t", sequence=8))  # redelivered
    assert len(provider.terminated) == 1
    await system.worker.handle(stored(due("r2", "quick"), event_id="b", sequence=9))
    await system.worker.drain()
    assert [item.metric for item in system.published.of(inp.MeasurementTaken)] == ["quick"]
