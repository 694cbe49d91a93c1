"""The projection skips what it cannot fold, keeping the rollout's place in the stream."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from structlog.testing import capture_logs

import adapters.runtime.projection as projection_module
import rollouts.evolve as evolve_module
from adapters.runtime.projection import StateProjection
from events.base import Event
from events.memory import InMemoryEventStore
from events.models import ManualPauseChanged
from rollouts.state import RolloutState

AT = datetime(2026, 1, 1, tzinfo=UTC)


async def test_unreadable_and_unfoldable_events_are_skipped_in_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = InMemoryEventStore()
    version = await store.append(
        "ns", "web", [ManualPauseChanged(cause="a", at=AT, paused=True)], expected_version=0
    )
    store.publish_raw("rollouts.evt.ns.web.RolloutAborted", {}, b"{}")
    await store.append(
        "ns", "web", [ManualPauseChanged(cause="b", at=AT, paused=False)], expected_version=2
    )
    original = evolve_module.evolve

    def evolve(state: RolloutState, event: Event) -> RolloutState:
        if event.cause == "a":
            raise KeyError("no such run")
        return original(state, event)

    monkeypatch.setattr(projection_module, "evolve", evolve)
    projection = StateProjection(store)
    counted: list[str] = []
    projection.on_unreadable(lambda event: counted.append(event.reason))
    with capture_logs() as logs:
        await projection.rebuild()
    state, at = projection.entry(("ns", "web"))
    assert at == 3 and version == 1
    assert state.version == 3 and state.remembers("b")
    assert counted == [
        "cannot fold ManualPauseChanged: KeyError: 'no such run'",
        "message has no ce-specversion (not a binary-mode CloudEvent)",
    ]
    assert [e["event"] for e in logs] == ["projection.event_unreadable"] * 2
    assert projection.unreadable == 2
