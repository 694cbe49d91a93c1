"""Stand-ins for the worker's collaborators: a projection that is always up to date, a recorded
publisher, a fixed clock and scripted metric providers."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from events.base import Event, Input
from events.envelope import Envelope
from events.store import StoredEvent
from rollouts.ports import Measurement
from rollouts.state import RolloutState

T0 = datetime(2025, 1, 1, tzinfo=UTC)


class FakeProjection:
    def __init__(self, states: dict[tuple[str, str], RolloutState] | None = None) -> None:
        self.states = states or {}

    async def wait_for(self, key: tuple[str, str], sequence: int, timeout: float = 10.0) -> None:
        return None

    def state(self, namespace: str, name: str) -> RolloutState | None:
        return self.states.get((namespace, name))


class Published:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, Input]] = []
        self.arrived = asyncio.Event()

    async def __call__(self, namespace: str, name: str, item: Input) -> None:
        self.items.append((namespace, name, item))
        self.arrived.set()

    def of(self, kind: type[Input]) -> list[Any]:
        return [item for _, _, item in self.items if isinstance(item, kind)]


class TickingClock:
    """Each reading is one second after the previous one."""

    def __init__(self) -> None:
        self.current = T0

    def now(self) -> datetime:
        self.current += timedelta(seconds=1)
        return self.current


class ScriptedProvider:
    """Answers each block with `answer(block)`, optionally after a delay; records the blocks."""

    def __init__(self, answer: Any = None, *, delay: float = 0.0) -> None:
        self.answer = answer if answer is not None else (lambda block: Measurement(value=1.0))
        self.delay = delay
        self.blocks: list[Mapping[str, Any]] = []

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        self.blocks.append(provider)
        if self.delay:
            await asyncio.sleep(self.delay)
        result: Measurement = self.answer(provider)
        return result


def stored(
    event: Event,
    *,
    sequence: int = 1,
    namespace: str = "default",
    name: str = "web",
    event_id: str = "",
) -> StoredEvent:
    envelope = Envelope.for_event(
        event,
        namespace=namespace,
        name=name,
        rollout_sequence=sequence,
        id=event_id or f"evt-{sequence}",
    )
    return StoredEvent(sequence, sequence, envelope, event)
