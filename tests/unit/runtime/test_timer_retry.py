"""A tick whose publish fails is not counted as fired: the timer tries it again, since a tick
given up on would end no pause (the state offers the same wake-up, and it was marked fired)."""

from __future__ import annotations

import heapq
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

import adapters.workers.timer as timer_module
from adapters.runtime.projection import StateProjection
from adapters.workers.timer import TimerWorker
from events.base import Input


class _Projection:
    states: dict[tuple[str, str], object] = {}

    def on_event(self, listener: object) -> None:
        return None

    def state(self, namespace: str, name: str) -> None:
        return None


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
    due = _Clock().now() - timedelta(seconds=1)
    worker._due[key] = due
    heapq.heappush(worker._heap, (due, key))
    await worker._fire_due()
    assert attempts == [f"tick:default/app:{due.isoformat()}"]
    assert key not in worker._fired  # so the same wake-up is scheduled and fired again
    assert key in worker._dirty
