"""A restarted analysis worker takes again the measurements its killed predecessor had
acknowledged but never answered (`MeasurementDue` is acknowledged when the measurement starts)."""

from __future__ import annotations

from typing import cast

import events.inputs as inp
from adapters.analysis.secrets import InMemorySecretStore
from adapters.analysis.templates import InMemoryTemplateStore
from adapters.runtime.projection import StateProjection
from adapters.workers.analysis import AnalysisWorker
from rollouts.evolve import fold
from rollouts.state import initial_state
from tests.unit.runspec.fakes import (
    FakeProjection,
    Published,
    ScriptedProvider,
    TickingClock,
    stored,
)
from tests.unit.runspec.test_worker import RATE, WEB_METRIC, due, request, started

RUN = "web-abc-2-1"


async def test_a_measurement_awaited_by_the_state_is_taken_again_with_the_same_input_id() -> None:
    history = [
        stored(request(run=RUN), event_id="e1", sequence=1),
        stored(started(RUN, WEB_METRIC), event_id="e2", sequence=2),
        stored(due(RUN, index=1), event_id="e3", sequence=3),
    ]
    state = fold(initial_state("default", "web"), [s.event for s in history])
    assert state.analysis_runs[RUN].metrics[0].in_flight == 1
    published = Published()

    async def load(namespace: str, name: str) -> list:  # type: ignore[type-arg]
        return history

    worker = AnalysisWorker(
        cast(StateProjection, FakeProjection({("default", "web"): state})),
        InMemoryTemplateStore([RATE]),
        InMemorySecretStore(),
        ScriptedProvider(),
        published,
        TickingClock(),
        history=load,
    )
    await worker.resume()
    await worker.drain()
    (taken,) = published.of(inp.MeasurementTaken)
    assert taken.input_id == "e3:taken"
    assert (taken.run_name, taken.metric, taken.index) == (RUN, "rate", 1)


async def test_nothing_is_taken_again_when_no_measurement_is_awaited() -> None:
    history = [
        stored(request(run=RUN), event_id="e1", sequence=1),
        stored(started(RUN, WEB_METRIC), event_id="e2", sequence=2),
    ]
    state = fold(initial_state("default", "web"), [s.event for s in history])
    published = Published()

    async def load(namespace: str, name: str) -> list:  # type: ignore[type-arg]
        return history

    worker = AnalysisWorker(
        cast(StateProjection, FakeProjection({("default", "web"): state})),
        InMemoryTemplateStore([RATE]),
        InMemorySecretStore(),
        ScriptedProvider(),
        published,
        TickingClock(),
        history=load,
    )
    await worker.resume()
    await worker.drain()
    assert published.of(inp.MeasurementTaken) == []
