"""The controller: the single writer of every rollout's history.

For each input: take the rollout's state from the projection, decide, append with optimistic
concurrency, record the decision in the projection, and only then acknowledge. A conflict means
another controller won the race: catch up from the store and decide again. A redelivered input
finds its id among the rollout's recent causes and decides nothing, so it has no second effect.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from adapters.runtime import log_context
from adapters.runtime.decision_log import log_decision
from adapters.runtime.observability import RolloutMetrics
from adapters.runtime.projection import Key, StateProjection
from events.base import Input
from events.input_codec import InputOutcome
from events.store import ConcurrencyError, EventStore
from rollouts.decide import decide
from rollouts.errors import DomainError
from rollouts.ports import Clock
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.controller")


class Controller:
    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        projection: StateProjection | None = None,
        *,
        metrics: RolloutMetrics | None = None,
        max_attempts: int = 10,
    ) -> None:
        self._metrics = metrics or RolloutMetrics()
        self._store = store
        self._clock = clock
        # not `projection or ...`: an empty projection is falsy (it has a length)
        self._projection = projection if projection is not None else StateProjection(store)
        self._max_attempts = max_attempts

    async def start(self) -> None:
        """Fold the whole stream into the projection (only needed when the controller owns it;
        the app rebuilds the shared projection itself)."""
        await self._projection.rebuild()

    def state(self, namespace: str, name: str) -> RolloutState | None:
        return self._projection.state(namespace, name)

    @property
    def rollout_count(self) -> int:
        return len(self._projection)

    async def handle(self, namespace: str, name: str, item: Input) -> InputOutcome:
        with (
            log_context.bound(
                rollout=f"{namespace}/{name}",
                causation_id=item.input_id,
                revision=self._projection.entry((namespace, name))[0].revision,
            ),
            self._metrics.timed_decision(),
        ):
            outcome = await self._decide_and_append((namespace, name), item)
        self._metrics.inputs.labels(outcome.status).inc()
        return outcome

    async def _decide_and_append(self, key: Key, item: Input) -> InputOutcome:
        namespace, name = key
        for _ in range(self._max_attempts):
            state, version = self._projection.entry(key)
            try:
                events = decide(state, item, self._clock.now())
            except DomainError as refusal:
                if await self._caught_up(key, version):
                    continue
                return self._refused(key, item, refusal)
            if not events:
                if await self._caught_up(key, version):
                    continue
                return InputOutcome(input_id=item.input_id, status="unchanged", version=version)
            try:
                new_version = await self._store.append(
                    namespace, name, events, expected_version=version
                )
            except ConcurrencyError:
                await self._caught_up(key, version)
                continue
            self._projection.record(key, events, new_version)
            log_decision(state, self._projection.entry(key)[0], events)
            for event in events:
                self._metrics.events_appended.labels(event.type_name()).inc()
            log.debug("input.decided", events=len(events), version=new_version)
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

    async def _caught_up(self, key: Key, version: int) -> bool:
        """Fold what another controller appended since `version`; True if there was any.

        An append detects a stale cache by itself (the store refuses it), but a decision that
        appends nothing, or a refusal, could be the product of a stale cache too: an observation
        of a ReplicaSet another controller created, a command for a rollout it just applied. So
        those are only trusted once the store confirms nothing is newer.
        """
        newer = await self._store.load(*key, after=version)
        for stored in newer:
            self._projection.apply(stored)
        if newer:
            log.info(
                "controller.caught_up",
                rollout=f"{key[0]}/{key[1]}",
                version=newer[-1].stream_sequence,
            )
        return bool(newer)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
