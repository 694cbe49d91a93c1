"""The traffic worker: applies weight and route intents with the TrafficRouter, then reports
what the router holds (`TrafficWeightObserved`), verified where the router can check.

It also watches for drift: someone else changing the router's objects (a hand-edited
VirtualService put back to 100/0 mid-rollout, say). It remembers the last weight request it
applied per rollout (and, at start, the last confirmed one of every rollout in the projection);
every `drift_interval` seconds, or when asked (`check_drift`, `check_all`), it asks the router
to verify each; when the router answers False it applies the request again and publishes
`TrafficDriftObserved` with the canary weight it found (`read_weight`; None: unknown).
A request the controller has since replaced is never re-applied: the newer intent is on its way.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from pydantic import ValidationError

import events.inputs as inp
import events.models as ev
from adapters.runtime.projection import StateProjection
from adapters.runtime.tasks import Running, Spawn, spawn_task
from events.base import Input
from events.store import StoredEvent
from rollouts.ports import ManagedRoute, PortError, RolloutRef, TrafficRouter, WeightRequest
from rollouts.spec.steps import SetHeaderRoute, SetMirrorRoute
from rollouts.spec.traffic import TrafficRouting
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.traffic")

Publish = Callable[[str, str, Input], Awaitable[None]]

TRAFFIC_EVENTS = ("TrafficWeightRequested", "ManagedRouteSet", "ManagedRoutesRemoved")


def routing_of(state: RolloutState | None) -> TrafficRouting | None:
    canary = state.spec.spec.strategy.canary if state and state.spec else None
    return canary.traffic_routing if canary else None


def services_of(state: RolloutState | None) -> tuple[str, str]:
    canary = state.spec.spec.strategy.canary if state and state.spec else None
    return (canary.canary_service, canary.stable_service) if canary else ("", "")


def weight_request(
    ref: RolloutRef, state: RolloutState | None, event: ev.TrafficWeightRequested
) -> WeightRequest:
    canary_service, stable_service = services_of(state)
    return WeightRequest(
        rollout=ref,
        canary_weight=event.canary_weight,
        stable_weight=event.stable_weight,
        canary_hash=event.canary_hash,
        stable_hash=event.stable_hash,
        canary_service=canary_service,
        stable_service=stable_service,
        routing=routing_of(state),
    )


def confirmed_request(ref: RolloutRef, state: RolloutState) -> WeightRequest | None:
    """The request the router last confirmed holding, rebuilt from the state (at start)."""
    traffic, routing = state.traffic, routing_of(state)
    if not traffic.confirmed or routing is None or traffic.requested_canary is None:
        return None
    total = routing.effective_max_weight
    canary_service, stable_service = services_of(state)
    return WeightRequest(
        rollout=ref,
        canary_weight=traffic.requested_canary,
        stable_weight=total - traffic.requested_canary,
        canary_hash=traffic.canary_hash,
        stable_hash=traffic.stable_hash,
        canary_service=canary_service,
        stable_service=stable_service,
        routing=routing,
    )


class TrafficWorker:
    def __init__(
        self,
        projection: StateProjection,
        router: TrafficRouter,
        publish: Publish,
        *,
        drift_interval: float | None = None,
    ) -> None:
        """`drift_interval`: seconds between drift checks (None: only when asked)."""
        self._projection = projection
        self._router = router
        self._publish = publish
        self._drift_interval = drift_interval
        self._desired: dict[RolloutRef, WeightRequest] = {}
        self._locks: dict[RolloutRef, asyncio.Lock] = {}
        self._task: Running | None = None

    async def handle(self, stored: StoredEvent) -> None:
        namespace, _, name = stored.envelope.subject.partition("/")
        await self._projection.wait_for((namespace, name), stored.stream_sequence)
        state = self._projection.state(namespace, name)
        ref = RolloutRef(namespace, name)
        event = stored.event
        async with self._lock(ref):
            if isinstance(event, ev.TrafficWeightRequested):
                await self._set_weight(ref, state, event, stored.envelope.id)
            elif isinstance(event, ev.ManagedRouteSet):
                await self._router.set_route(managed_route(ref, state, event))
            elif isinstance(event, ev.ManagedRoutesRemoved):
                await self._router.remove_managed_routes(ref, routing_of(state))

    async def _set_weight(
        self,
        ref: RolloutRef,
        state: RolloutState | None,
        event: ev.TrafficWeightRequested,
        eid: str,
    ) -> None:
        if state is not None and _superseded(
            state, (event.canary_weight, event.canary_hash, event.stable_hash)
        ):
            return
        request = weight_request(ref, state, event)
        await self._router.set_weight(request)
        self._desired[ref] = request
        verified = await self._router.verify_weight(request)
        report = inp.TrafficWeightObserved(
            input_id=f"{eid}:applied", canary_weight=event.canary_weight, verified=verified
        )
        await self._publish(ref.namespace, ref.name, report)

    # drift

    def desired(self, ref: RolloutRef) -> WeightRequest | None:
        """The weight request remembered for `ref` (what drift checks compare against)."""
        return self._desired.get(ref)

    def start(self, spawn: Spawn = spawn_task) -> None:
        for (namespace, name), state in self._projection.states.items():
            ref = RolloutRef(namespace, name)
            if ref not in self._desired and (request := confirmed_request(ref, state)):
                self._desired[ref] = request
        if self._drift_interval is not None and self._task is None:
            self._task = spawn("traffic-drift", self._run)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await task.stop()

    async def _run(self) -> None:
        assert self._drift_interval is not None
        while True:
            await asyncio.sleep(self._drift_interval)
            await self.check_all()

    async def check_all(self) -> list[inp.TrafficDriftObserved]:
        """Check every remembered rollout; a failing one is logged and the others still run."""
        found = []
        for ref in list(self._desired):
            try:
                observed = await self.check_drift(ref)
            except Exception as error:  # one broken rollout must not stop the others' checks
                log.warning("traffic.drift_check_failed", rollout=str(ref), error=str(error))
                continue
            if observed is not None:
                found.append(observed)
        return found

    async def check_drift(self, ref: RolloutRef) -> inp.TrafficDriftObserved | None:
        """Verify `ref`'s remembered weights; re-apply and report them if they drifted."""
        async with self._lock(ref):
            request = self._desired.get(ref)
            if request is None or self._superseded(request):
                return None
            if await self._router.verify_weight(request) is not False:
                return None
            found = await self._read_weight(request)
            await self._router.set_weight(request)
            observed = inp.TrafficDriftObserved(
                input_id=f"drift:{ref}:{uuid.uuid4()}",
                expected_canary_weight=request.canary_weight,
                found_canary_weight=found,
                detail=drift_detail(request, found),
            )
            log.warning("traffic.drift_corrected", rollout=str(ref), detail=observed.detail)
            await self._publish(ref.namespace, ref.name, observed)
            return observed

    def _superseded(self, request: WeightRequest) -> bool:
        state = self._projection.state(request.rollout.namespace, request.rollout.name)
        wanted = (request.canary_weight, request.canary_hash, request.stable_hash)
        return state is not None and _superseded(state, wanted)

    async def _read_weight(self, request: WeightRequest) -> int | None:
        try:
            found = await self._router.read_weight(request)
        except Exception as error:  # the reading only enriches the report
            log.info("traffic.read_weight_failed", rollout=str(request.rollout), error=str(error))
            return None
        return found if isinstance(found, int) else None

    def _lock(self, ref: RolloutRef) -> asyncio.Lock:
        return self._locks.setdefault(ref, asyncio.Lock())


def managed_route(
    ref: RolloutRef, state: RolloutState | None, event: ev.ManagedRouteSet
) -> ManagedRoute:
    canary, stable = services_of(state)
    return ManagedRoute(
        ref,
        event.name,
        event.kind,
        route_spec(event.kind, event.route),
        routing_of(state),
        canary_service=canary,
        stable_service=stable,
    )


def route_spec(kind: str, body: dict[str, Any] | None) -> SetHeaderRoute | SetMirrorRoute | None:
    """The event's route body as the step's model, checked once here for every router."""
    if body is None:
        return None
    model = SetHeaderRoute if kind == "header" else SetMirrorRoute
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        step = "setHeaderRoute" if kind == "header" else "setMirrorRoute"
        raise PortError(f"{step} {body.get('name', '')!r}: {where}: {first['msg']}") from None


def _superseded(state: RolloutState, weights: tuple[int, str | None, str | None]) -> bool:
    """A newer weight was requested since this one (an intent arriving late or redelivered, a
    remembered request the drift check would restore): what the rollout wants now is the newer
    request's, so this one must not undo it. `weights`: (canary weight, canary and stable hash)."""
    traffic = state.traffic
    return (traffic.requested_canary, traffic.canary_hash, traffic.stable_hash) != weights


def drift_detail(request: WeightRequest, found: int | None) -> str:
    expected = f"canary {request.canary_weight} / stable {request.stable_weight}"
    held = "other weights" if found is None else f"canary weight {found}"
    return f"the traffic router held {held} instead of {expected}; the weights were re-applied"
