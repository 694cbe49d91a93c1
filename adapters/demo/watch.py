"""The demo's view of its rollout: the event stream, followed and folded as a CLI would.

The watch reads through the client's own connection (not the app's projection) so the demo
shows what any other process following the stream sees. It starts after a known stream
sequence, so no event is lost between reading the history and following it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import events.models as ev
from adapters.demo.view import describe_state
from adapters.demo.waiting import ScenarioFailed, cancel_and_wait
from adapters.runtime.client import RolloutsClient
from events.phases import RolloutPhase
from events.store import StoredEvent
from rollouts.evolve import evolve
from rollouts.state import RolloutState

StatePredicate = Callable[[RolloutState], bool]
EventListener = Callable[[StoredEvent], None]


class RolloutWatch:
    def __init__(self, client: RolloutsClient, state: RolloutState) -> None:
        self.state = state
        self.last_sequence = 0
        self.events: list[StoredEvent] = []
        self.phases: list[tuple[int, RolloutPhase]] = []
        """Every phase change seen (stream sequence, new phase), in order."""
        self._client = client
        self._listeners: list[EventListener] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._failure: BaseException | None = None

    def on_event(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Fold the history so far, then follow from its last event.

        Called once the rollout exists: following an empty stream would start at "new events
        only", and the first ones could slip by before the subscription is in place.
        """
        for stored in await self._client.history(self.state.namespace, self.state.name):
            self.apply(stored)
        self._task = asyncio.create_task(self._follow(), name="demo: follow rollout events")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    def apply(self, stored: StoredEvent) -> None:
        """Fold one event and tell the listeners (the display prints it)."""
        self.state = evolve(self.state, stored.event)
        self.last_sequence = stored.stream_sequence
        self.events.append(stored)
        if isinstance(stored.event, ev.RolloutPhaseChanged):
            self.phases.append((stored.stream_sequence, stored.event.to_phase))
        for listener in self._listeners:
            listener(stored)

    async def _follow(self) -> None:
        namespace, name = self.state.namespace, self.state.name
        try:
            async for stored in self._client.follow(namespace, name, after=self.last_sequence):
                self.apply(stored)
                async with self._changed:
                    self._changed.notify_all()
        except Exception as error:  # reported by the next wait, with the reason
            self._failure = error
            async with self._changed:
                self._changed.notify_all()

    async def until(
        self,
        predicate: StatePredicate,
        *,
        what: str,
        expected: str,
        timeout: float,
        after: int = 0,
        off_course: StatePredicate | None = None,
    ) -> RolloutState:
        """Until the folded state (at stream sequence >= `after`) satisfies `predicate`.

        `after` is the version a command's outcome reports: a state older than the command
        must not satisfy a wait that is about the command's effect. The wait fails at once
        when `off_course` holds: the rollout went elsewhere and waiting longer is pointless.
        """
        gave_up = False

        def reached() -> bool:
            nonlocal gave_up
            if self._failure is not None or self.last_sequence < after:
                return self._failure is not None
            if predicate(self.state):
                return True
            gave_up = off_course is not None and off_course(self.state)
            return gave_up

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(reached)
        except TimeoutError:
            seen = describe_state(self.state)
            raise ScenarioFailed(f"{what} (timed out after {timeout:g}s)", expected, seen) from None
        if self._failure is not None:
            raise ScenarioFailed(what, expected, f"the event stream failed: {self._failure!r}")
        if gave_up:
            raise ScenarioFailed(what, expected, describe_state(self.state))
        return self.state
