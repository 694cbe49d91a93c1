"""The traffic worker: applies weight and route intents with the TrafficRouter, then reports
what the router holds (`TrafficWeightObserved`), verified where the router can check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import events.inputs as inp
import events.models as ev
from adapters.runtime.projection import StateProjection
from events.base import Input
from events.store import StoredEvent
from rollouts.ports import ManagedRoute, RolloutRef, TrafficRouter, WeightRequest
from rollouts.state import RolloutState

Publish = Callable[[str, str, Input], Awaitable[None]]

TRAFFIC_EVENTS = ("TrafficWeightRequested", "ManagedRouteSet", "ManagedRoutesRemoved")


def routing_of(state: RolloutState | None) -> dict[str, Any]:
    canary = state.spec.spec.strategy.canary if state and state.spec else None
    if canary is None or canary.traffic_routing is None:
        return {}
    return canary.traffic_routing.model_dump(mode="json", by_alias=True, exclude_unset=True)


class TrafficWorker:
    def __init__(
        self, projection: StateProjection, router: TrafficRouter, publish: Publish
    ) -> None:
        self._projection = projection
        self._router = router
        self._publish = publish

    async def handle(self, stored: StoredEvent) -> None:
        namespace, _, name = stored.envelope.subject.partition("/")
        await self._projection.wait_for((namespace, name), stored.stream_sequence)
        state = self._projection.state(namespace, name)
        ref = RolloutRef(namespace, name)
        event = stored.event
        if isinstance(event, ev.TrafficWeightRequested):
            await self._set_weight(ref, state, event, stored.envelope.id)
        elif isinstance(event, ev.ManagedRouteSet):
            route = ManagedRoute(ref, event.name, event.kind, event.route, routing_of(state))
            await self._router.set_route(route)
        elif isinstance(event, ev.ManagedRoutesRemoved):
            await self._router.remove_managed_routes(ref, routing_of(state))

    async def _set_weight(
        self,
        ref: RolloutRef,
        state: RolloutState | None,
        event: ev.TrafficWeightRequested,
        eid: str,
    ) -> None:
        canary = state.spec.spec.strategy.canary if state and state.spec else None
        request = WeightRequest(
            rollout=ref,
            canary_weight=event.canary_weight,
            stable_weight=event.stable_weight,
            canary_hash=event.canary_hash,
            stable_hash=event.stable_hash,
            canary_service=canary.canary_service if canary else "",
            stable_service=canary.stable_service if canary else "",
            routing=routing_of(state),
        )
        await self._router.set_weight(request)
        verified = await self._router.verify_weight(request)
        report = inp.TrafficWeightObserved(
            input_id=f"{eid}:applied", canary_weight=event.canary_weight, verified=verified
        )
        await self._publish(ref.namespace, ref.name, report)
