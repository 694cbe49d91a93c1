"""The deterministic counters behind exact error rates, weights and mirror shares (no servers)."""

from __future__ import annotations

from collections import Counter
from contextlib import aclosing
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from adapters.local.gates import FractionGate, SmoothRoundRobin
from adapters.runtime.statuses import StatusHub
from rollouts.ports import PortError, ReplicaSetStatus, RolloutRef


@pytest.mark.parametrize(
    ("fraction", "window", "hits"),
    [(0.08, 100, 8), (0.05, 20, 1), (1 / 3, 3, 1), (0.0, 50, 0), (1.0, 7, 7), (0.999, 1000, 999)],
)
def test_fraction_gate_opens_exactly_its_share_in_every_window(
    fraction: float, window: int, hits: int
) -> None:
    gate = FractionGate(fraction)
    for _ in range(5):
        assert sum(gate.take() for _ in range(window)) == hits


@pytest.mark.parametrize("fraction", [-0.1, 1.01, float("nan")])
def test_fraction_gate_refuses_impossible_shares(fraction: float) -> None:
    with pytest.raises(PortError, match="between 0 and 1"):
        FractionGate(fraction)


def test_smooth_round_robin_is_exact_and_interleaved() -> None:
    picker = SmoothRoundRobin((("canary", 5), ("stable", 95)))
    picks = [picker.pick() for _ in range(1000)]
    assert Counter(picks) == {"canary": 50, "stable": 950}
    canary_at = [index for index, pick in enumerate(picks) if pick == "canary"]
    assert all(later - earlier == 20 for earlier, later in pairwise(canary_at))


def test_smooth_round_robin_with_nothing_to_pick() -> None:
    assert SmoothRoundRobin((("canary", 0), ("stable", 0))).pick() is None
    with pytest.raises(PortError, match="negative"):
        SmoothRoundRobin((("canary", -1),))


async def test_an_abandoned_status_stream_unsubscribes() -> None:
    hub = StatusHub()
    status = ReplicaSetStatus(RolloutRef("default", "demo"), "h", 1, 1, 1, datetime.now(UTC))
    async with aclosing(hub.subscribe(())) as stream:
        hub.publish(status)
        assert await anext(stream) == status
        assert hub.subscribers == 1
    assert hub.subscribers == 0
