"""A state the core refuses to decide on is first taken for a decision folded halfway: the timer
tries it again once the rest can have come, and only a refusal at the same version is an error."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from structlog.testing import capture_logs

import adapters.workers.timer as timer_module
from adapters.runtime.projection import StateProjection
from adapters.workers.timer import TimerWorker
from events.base import Input
from rollouts.errors import IllegalTransition
from tests.unit.runtime.test_timer_retry import _Clock, _Projection, _State

NOW = _Clock().now()
KEY = ("default", "app")


def _worker(monkeypatch: pytest.MonkeyPatch, refused_at: set[int]) -> tuple[TimerWorker, Any]:
    """A worker with rollout KEY at version 1 noted as changed."""

    def next_wakeup(state: Any, pause_limit: object) -> datetime:
        if state.version in refused_at:
            raise IllegalTransition("rollout", "create", "New", "Degraded")
        return NOW + timedelta(seconds=30)

    monkeypatch.setattr(timer_module, "next_wakeup", next_wakeup)

    async def publish(namespace: str, name: str, item: Input) -> None:
        return None

    projection = _Projection()
    projection.states[KEY] = _State(1)
    worker = TimerWorker(cast(StateProjection, projection), publish, _Clock())
    worker._dirty.add(KEY)
    return worker, projection


async def test_a_half_folded_state_is_tried_again_once_the_rest_has_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, projection = _worker(monkeypatch, refused_at={1})
    with capture_logs() as logs:
        await worker._refresh()
        assert KEY in worker._dirty and KEY not in worker._due  # queued for another look
        projection.states[KEY] = _State(2)  # the rest of the decision folded
        await worker._refresh()
    assert worker._due[KEY].at == NOW + timedelta(seconds=30)
    assert not worker._dirty and not worker._refused
    assert not [e for e in logs if e["log_level"] in ("warning", "error")]


async def test_a_state_refused_twice_at_one_version_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, _ = _worker(monkeypatch, refused_at={1})
    with capture_logs() as logs:
        await worker._refresh()
        await worker._refresh()
        await worker._refresh()  # not retried for ever
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["timer.next_wakeup_refused"]
    assert not worker._dirty and KEY not in worker._due
