"""The timer worker: wakes a rollout when its state says something is due.

Wake-ups are a function of state (`rollouts.timers.next_wakeup`), rebuilt from the stream at
start, so a restart in the middle of a 10-minute pause still ends it on time. A tick's input id
names the rollout, the due time and the state version the wake-up was computed from: a tick
fired twice for one state (two timer workers, a restart) is deduplicated by JetStream, and a
tick that finds nothing to do decides nothing.

The version matters. A tick may reach the controller after an event that makes it decide
nothing (an observation of pods restarting, say); when a later event makes the same due time
actionable again, the wake-up must fire again. Keyed by due time alone, it was suppressed here
as already fired, and deduplicated by JetStream had it been sent: a pause that never ended.

The controller's default maximum pause (`pause_limit`) rides on every tick: it decides nothing
on its own, and a Rollout's annotations override it, but the deadline it sets is a wake-up like
any other, rebuilt from state after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import NamedTuple

import structlog

import events.inputs as inp
from adapters.runtime.projection import Key, StateProjection
from adapters.runtime.tasks import Running, Spawn, spawn_task
from events.base import Input
from events.pause_limit import PauseLimit
from rollouts.errors import DomainError
from rollouts.ports import Clock
from rollouts.state import RolloutState
from rollouts.timers import next_wakeup

log = structlog.get_logger("rollouts.timer")

Publish = Callable[[str, str, Input], Awaitable[None]]

RETRY_SECONDS = 1.0
"""Pause before a tick whose publish failed is tried again."""
SETTLE_SECONDS = 0.02
"""How long to let the rest of a decision's events arrive before computing wake-ups: one
decision is one atomic batch, delivered in one burst."""

REFRESH_SLICE = 20
"""Rollouts whose wake-up is computed between two yields to the loop (about 0.1 ms each)."""


class Due(NamedTuple):
    """When, and for which state version (ordered by time first, for the heap)."""

    at: datetime
    version: int


def tick_id(key: Key, due: Due) -> str:
    return f"tick:{key[0]}/{key[1]}:{due.at.isoformat()}@v{due.version}"


class TimerWorker:
    def __init__(
        self,
        projection: StateProjection,
        publish: Publish,
        clock: Clock,
        pause_limit: PauseLimit | None = None,
    ) -> None:
        self._projection = projection
        self._pause_limit = pause_limit
        self._publish = publish
        self._clock = clock
        self._due: dict[Key, Due] = {}
        self._heap: list[tuple[Due, Key]] = []
        self._fired: dict[Key, Due] = {}
        self._changed = asyncio.Event()
        self._dirty: set[Key] = set()
        self._refused: dict[Key, int] = {}
        self._task: Running | None = None
        projection.on_event(self._on_state)

    def _on_state(self, key: Key, state: RolloutState) -> None:
        """Only note the change: the projection calls this after every event, and the events
        of one decision arrive one by one. Wake-ups are computed in the worker's loop once the
        whole decision has been folded (a half-folded decision is not a state decide knows)."""
        self._dirty.add(key)
        self._changed.set()

    async def _refresh(self) -> None:
        """Wake-ups of the rollouts changed since the last refresh, `REFRESH_SLICE` at a time
        with the loop let go between slices: after a fleet-wide abort a thousand rollouts are
        dirty at once, and computing them in one go held every decision up for tens of ms."""
        dirty, self._dirty = self._dirty, set()
        for done, key in enumerate(dirty, start=1):
            if done % REFRESH_SLICE == 0:
                await asyncio.sleep(0)
            state = self._projection.state(*key)
            if state is None:
                continue
            try:
                self._schedule(key, state)
            except DomainError as error:
                self._refused_state(key, state, error)
            except Exception:
                log.exception("timer.next_wakeup_failed", rollout=f"{key[0]}/{key[1]}")
        self._refused = {key: v for key, v in self._refused.items() if key in self._dirty}

    def _refused_state(self, key: Key, state: RolloutState, error: DomainError) -> None:
        """A state the core refuses to decide on is, first, a decision folded halfway: under
        load the projection's subscription can bring a decision's first events before the
        controller records the whole of it (a rollout created but not yet given its phase).
        So it is tried once more after the settle time, when the rest has come; refused again
        at the same version, it is a state no decision will move, and said so."""
        if self._refused.get(key) != state.version:
            self._refused[key] = state.version
            self._dirty.add(key)
            self._changed.set()
            log.debug("timer.state_unsettled", rollout=f"{key[0]}/{key[1]}", error=str(error))
            return
        log.error("timer.next_wakeup_refused", rollout=f"{key[0]}/{key[1]}", error=str(error))

    def _schedule(self, key: Key, state: RolloutState) -> None:
        at = next_wakeup(state, self._pause_limit)
        due = None if at is None else Due(at, state.version)
        if due is None or self._fired.get(key) == due:
            self._due.pop(key, None)
            return
        if self._due.get(key) != due:
            self._due[key] = due
            heapq.heappush(self._heap, (due, key))
            self._changed.set()

    def start(self, spawn: Spawn = spawn_task) -> None:
        self._task = spawn("timer-worker", self._run)

    async def _run(self) -> None:
        self._dirty.update(
            self._projection.rollout_keys()
        )  # a restarted loop recomputes every wake-up
        while True:
            self._changed.clear()
            if self._dirty:
                await asyncio.sleep(SETTLE_SECONDS)
                await self._refresh()
            await self._fire_due()
            delay = self._seconds_to_next()
            # asyncio.timeout, not wait_for: in 3.11 wait_for swallows a cancellation that
            # arrives as the event is set, and stop() would wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._changed.wait()

    def _seconds_to_next(self) -> float:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)
        if not self._heap:
            return 60.0
        return max(0.0, (self._heap[0][0].at - self._clock.now()).total_seconds())

    async def _fire_due(self) -> None:
        now = self._clock.now()
        failed: list[Key] = []
        while self._heap and self._heap[0][0].at <= now:
            due, key = heapq.heappop(self._heap)
            if self._due.get(key) != due:
                continue
            del self._due[key]
            self._fired[key] = due
            tick = inp.Tick(input_id=tick_id(key, due), pause_limit=self._pause_limit)
            try:
                await self._publish(key[0], key[1], tick)
            except Exception as error:
                log.error("timer.publish_failed", rollout=f"{key[0]}/{key[1]}", error=repr(error))
                failed.append(key)
        if failed:  # fired again on a later pass: a tick given up on would end no pause ever
            await asyncio.sleep(RETRY_SECONDS)
            for key in failed:
                self._fired.pop(key, None)
                self._dirty.add(key)
            self._changed.set()

    async def stop(self) -> None:
        if self._task is not None:
            await self._task.stop()
            self._task = None
