"""The scaler's restart part: pod checks and evictions for `spec.restartAt`, on the platform.

The controller decides; this only looks and acts. A `RestartPodsCheckRequested` is answered
with the pods the platform has (`RestartPodsObserved`), a `PodEvictionRequested` by evicting
each pod through the platform's disruption rules and reporting what became of each
(`PodEvictionsObserved`): evicted, refused (a PodDisruptionBudget said no, HTTP 429; another
failure is reported the same way, with its message, so the controller's 30 s check retries it),
or already gone. An intent whose restart is no longer pending (done, cancelled, replaced by a
newer restartAt) is acknowledged without effect. Input ids are derived from the event's id, so
a redelivered intent publishes an input JetStream deduplicates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from adapters.runtime.projection import StateProjection
from events.base import Input
from events.restart import (
    PodEvictionRequested,
    PodEvictionsObserved,
    RestartPodsCheckRequested,
    RestartPodsObserved,
)
from events.store import StoredEvent
from rollouts.ports import PodRestarter, PortError, RolloutRef

log = structlog.get_logger("rollouts.restart")

Publish = Callable[[str, str, Input], Awaitable[None]]

RESTART_EVENTS = ("RestartPodsCheckRequested", "PodEvictionRequested")


class RestartWorker:
    def __init__(
        self, projection: StateProjection, restarter: PodRestarter, publish: Publish
    ) -> None:
        self._projection = projection
        self._restarter = restarter
        self._publish = publish

    async def handle(self, stored: StoredEvent) -> None:
        event = stored.event
        if not isinstance(event, RestartPodsCheckRequested | PodEvictionRequested):
            return
        namespace, _, name = stored.envelope.subject.partition("/")
        await self._projection.wait_for((namespace, name), stored.stream_sequence)
        state = self._projection.state(namespace, name)
        if state is None or state.pending_restart != event.restart_at:
            return
        ref = RolloutRef(namespace, name)
        if isinstance(event, RestartPodsCheckRequested):
            min_ready = state.spec.spec.min_ready_seconds if state.spec else 0
            item: Input = await self._check(ref, event, stored.envelope.id, min_ready)
        else:
            item = await self._evict(ref, event, stored.envelope.id)
        await self._publish(namespace, name, item)

    async def _check(
        self, ref: RolloutRef, event: RestartPodsCheckRequested, event_id: str, min_ready: int
    ) -> RestartPodsObserved:
        pods = await self._restarter.list_pods(ref, event.replica_sets, min_ready)
        return RestartPodsObserved(
            input_id=f"restart-pods:{event_id}",
            restart_at=event.restart_at,
            round=event.round,
            pods=pods,
        )

    async def _evict(
        self, ref: RolloutRef, event: PodEvictionRequested, event_id: str
    ) -> PodEvictionsObserved:
        evicted: list[str] = []
        refused: list[str] = []
        gone: list[str] = []
        messages: list[str] = []
        for pod in event.pods:
            try:
                eviction = await self._restarter.evict_pod(ref, pod)
            except PortError as error:
                log.warning("restart.evict_failed", rollout=str(ref), pod=pod, error=str(error))
                refused.append(pod)
                messages.append(str(error))
                continue
            {"evicted": evicted, "refused": refused, "gone": gone}[eviction.outcome].append(pod)
            if eviction.message:
                messages.append(eviction.message)
        return PodEvictionsObserved(
            input_id=f"restart-evict:{event_id}",
            restart_at=event.restart_at,
            round=event.round,
            evicted=evicted,
            refused=refused,
            gone=gone,
            message="; ".join(dict.fromkeys(messages))[:500],
        )
