"""A client with no server behind it: the in-memory event store and the real `decide`.

`send` decides like the controller and appends what it decided, so a command run through the
CLI changes the history exactly as it would for real; `follow` delivers `live` batches as if
they arrived while the command waited.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from adapters.analysis.templates import InMemoryTemplateStore
from adapters.runtime.client import ControllerUnavailable
from events.base import Event, Input
from events.input_codec import InputOutcome
from events.memory import InMemoryEventStore
from events.store import StoredEvent
from rollouts.decide import decide
from rollouts.evolve import evolve, fold
from rollouts.state import RolloutState, initial_state
from tests.support.sim import T0, Sim

NO_CONTROLLER = "no controller is running; start one with `rollouts serve`"


class FakeClient:
    def __init__(self, now: datetime = T0) -> None:
        self.store = InMemoryEventStore()
        self.now = now
        self.controller = True
        self.sent: list[tuple[str, str, Input]] = []
        self.outcome: InputOutcome | None = None
        self.live: list[tuple[str, str, list[Event]]] = []
        self.raise_on_send: BaseException | None = None
        self.hang = False
        """Whether `follow` waits forever after the live batches, like a real subscription."""
        self.templates = InMemoryTemplateStore()
        """What `apply` stores AnalysisTemplates in."""

    # seeding

    async def record(self, namespace: str, name: str, events: Sequence[Event]) -> None:
        history = await self.store.load(namespace, name)
        expected = history[-1].stream_sequence if history else 0
        for start in range(0, len(events), 500):
            chunk = events[start : start + 500]
            expected = await self.store.append(namespace, name, chunk, expected_version=expected)

    def seed(self, sim: Sim) -> FakeClient:
        asyncio.run(self.record(sim.namespace, sim.name, sim.events))
        self.now = sim.now
        return self

    def last_sequence(self) -> int:
        return asyncio.run(self.store.last_sequence())

    # the RolloutsClient surface used by the CLI

    async def history(self, namespace: str, name: str) -> list[StoredEvent]:
        return await self.store.load(namespace, name)

    async def state(self, namespace: str, name: str) -> RolloutState | None:
        history = await self.history(namespace, name)
        if not history:
            return None
        return fold(initial_state(namespace, name), (s.event for s in history))

    async def states(self) -> list[RolloutState]:
        states: dict[tuple[str, str], RolloutState] = {}
        for stored in await self.store.load_all():
            key = (stored.envelope.namespace, stored.envelope.name)
            states[key] = evolve(states.get(key) or initial_state(*key), stored.event)
        return [states[key] for key in sorted(states)]

    def precheck(self, state: RolloutState, item: Input) -> None:
        decide(state, item, self.now)

    async def send(
        self, namespace: str, name: str, item: Input, *, timeout: float = 15.0
    ) -> InputOutcome:
        if self.raise_on_send is not None:
            raise self.raise_on_send
        if not self.controller:
            raise ControllerUnavailable(NO_CONTROLLER)
        self.sent.append((namespace, name, item))
        if self.outcome is not None:
            return self.outcome
        state = await self.state(namespace, name) or initial_state(namespace, name)
        decided = decide(state, item, self.now)
        await self.record(namespace, name, decided)
        if not decided:
            return InputOutcome(input_id=item.input_id, status="unchanged")
        return InputOutcome(input_id=item.input_id, status="accepted", events=len(decided))

    async def follow(
        self, namespace: str, name: str, *, after: int = 0
    ) -> AsyncIterator[StoredEvent]:
        for live_namespace, live_name, batch in self.live:
            before = await self.store.last_sequence()
            await self.record(live_namespace, live_name, batch)
            for stored in await self.store.load(namespace, name, after=max(after, before)):
                yield stored
        if self.hang:
            await asyncio.Event().wait()


def fake_open_client(client: FakeClient) -> Any:
    """A stand-in for `session.open_client` that hands out `client`."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def open_client(settings: Any) -> AsyncIterator[FakeClient]:
        yield client

    return open_client


def render_text(renderable: Any) -> str:
    """What a 200-column, colourless terminal shows; trailing blanks stripped per line."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=200, color_system=None, emoji=False)
    console.print(renderable)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in output.splitlines())
