"""The controller: the single writer of every rollout's history.

For each input: fold state (cached), decide, append with optimistic concurrency, and only then
acknowledge. A conflict means another controller won the race: reload that rollout and decide
again. A redelivered input finds its id among the rollout's recent causes and decides nothing,
so it has no second effect.
"""

from __future__ import annotations

from datetime import datetime

import structlog

from events.base import Input
from events.input_codec import InputOutcome
from events.store import ConcurrencyError, EventStore
from rollouts.decide import decide
from rollouts.errors import DomainError
from rollouts.evolve import fold
from rollouts.ports import Clock
from rollouts.state import RolloutState, initial_state

log = structlog.get_logger("rollouts.controller")

Key = tuple[str, str]


class Controller:
    def __init__(self, store: EventStore, clock: Clock, *, max_attempts: int = 10) -> None:
        self._store = store
        self._clock = clock
        self._max_attempts = max_attempts
        self._states: dict[Key, tuple[RolloutState, int]] = {}

    async def start(self) -> None:
        """Rebuild every rollout's state from the stream (the cache is only a cache)."""
        after = 0
        while True:
            page = await self._store.load_all(after=after, limit=10_000)
            for stored in page:
                namespace, _, name = stored.envelope.subject.partition("/")
                state, _ = self._states.get((namespace, name), (initial_state(namespace, name), 0))
                state = fold(state, [stored.event])
                self._states[(namespace, name)] = (state, stored.stream_sequence)
                after = stored.stream_sequence
            if len(page) < 10_000:
                break
        log.info("controller.rebuilt", rollouts=len(self._states), sequence=after)

    def state(self, namespace: str, name: str) -> RolloutState | None:
        entry = self._states.get((namespace, name))
        return entry[0] if entry else None

    @property
    def rollout_count(self) -> int:
        return len(self._states)

    async def handle(self, namespace: str, name: str, item: Input) -> InputOutcome:
        key = (namespace, name)
        for _ in range(self._max_attempts):
            state, version = self._states.get(key, (initial_state(namespace, name), 0))
            try:
                events = decide(state, item, self._clock.now())
            except DomainError as refusal:
                if await self._caught_up(key, state, version):
                    continue
                return self._refused(key, item, refusal)
            if not events:
                if await self._caught_up(key, state, version):
                    continue
                return InputOutcome(input_id=item.input_id, status="unchanged", version=version)
            try:
                new_version = await self._store.append(
                    namespace, name, events, expected_version=version
                )
            except ConcurrencyError:
                await self._caught_up(key, state, version)
                continue
            self._states[key] = (fold(state, events), new_version)
            return InputOutcome(
                input_id=item.input_id, status="accepted", events=len(events), version=new_version
            )
        raise RuntimeError(
            f"rollout {namespace}/{name}: still conflicting after {self._max_attempts} attempts"
        )

    def _refused(self, key: Key, item: Input, refusal: DomainError) -> InputOutcome:
        log.info(
            "input.refused", rollout=f"{key[0]}/{key[1]}", input=item.input_id, reason=str(refusal)
        )
        return InputOutcome(input_id=item.input_id, status="refused", message=str(refusal))

    async def _caught_up(self, key: Key, state: RolloutState, version: int) -> bool:
        """Fold what another controller appended since `version`; True if there was any.

        An append detects a stale cache by itself (the store refuses it), but a decision that
        appends nothing, or a refusal, could be the product of a stale cache too: an observation
        of a ReplicaSet another controller created, a command for a rollout it just applied. So
        those are only trusted once the store confirms nothing is newer.
        """
        newer = await self._store.load(*key, after=version)
        if not newer:
            return False
        for stored in newer:
            state = fold(state, [stored.event])
            version = stored.stream_sequence
        self._states[key] = (state, version)
        log.info("controller.caught_up", rollout=f"{key[0]}/{key[1]}", version=version)
        return True


class SystemClock:
    def now(self) -> datetime:
        from datetime import UTC

        return datetime.now(UTC)
