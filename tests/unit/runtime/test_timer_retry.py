"""A tick whose publish fails is not counted as fired: the timer tries it again, since a tick
given up on would end no pause (the state offers the same wake-up, and it was marked fired).
And a wake-up at the same moment offered by a later state fires again, under a new id."""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

import adapters.workers.timer as timer_module
from adapters.runtime.projection import StateProjection
from adapters.workers.timer import Due, TimerWorker
from events.base import Input


class _Projection:
    def __init__(self) -> None:
        self.states: dict[tuple[str, str], object] = {}

    def on_event(self, listener: object) -> None:
        return None

    def state(self, namespace: str, name: str) -> object | None:
        return self.states.get((namespace, name))


class _State:
    def __init__(self, version: int) -> None:
        self.version = version


class _Clock:
    def now(self) -> datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)


async def test_a_tick_whose_publish_failed_stays_due(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timer_module, "RETRY_SECONDS", 0.0)
    attempts: list[str] = []

    async def failing(namespace: str, name: str, item: Input) -> None:
        attempts.append(item.input_id)
        raise TimeoutError("nats: timeout")

    worker = TimerWorker(cast(StateProjection, _Projection()), failing, _Clock())
    key = ("default", "app")
    due = Due(_Clock().now() - timedelta(seconds=1), 7)
    worker._due[key] = due
    heapq.heappush(worker._heap, (due, key))
    await worker._fire_due()
    assert attempts == [f"tick:default/app:{due.at.isoformat()}@v7"]
    assert key not in worker._fired  # so the same wake-up is scheduled and fired again
    assert key in worker._dirty


async def test_a_later_state_due_at_the_same_moment_fires_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tick for version 5 found nothing to do (an event had come first); version 6 offers
    the same moment again. Keyed by the moment alone it was suppressed: a pause never ended."""
    at = _Clock().now() - timedelta(seconds=1)
    monkeypatch.setattr(timer_module, "next_wakeup", lambda state, pause_limit: at)
    sent: list[str] = []

    async def publish(namespace: str, name: str, item: Input) -> None:
        sent.append(item.input_id)

    projection = _Projection()
    worker = TimerWorker(cast(StateProjection, projection), publish, _Clock())
    key = ("default", "app")
    for version in (5, 5, 6):
        projection.states[key] = _State(version)
        worker._dirty.add(key)
        await worker._refresh()
        await worker._fire_due()
    stamp = at.isoformat()
    assert sent == [f"tick:default/app:{stamp}@v5", f"tick:default/app:{stamp}@v6"]
