"""In-memory twins of the platform and router ports, for contract tests and the pure-core demo.

They keep the ports' promises with no IO: a scaled ReplicaSet is ready at once (unless told to
hold back), a weight is held exactly as set. Each records the calls it received, so a test can
assert what a worker asked for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from adapters.local.matching import compile_route
from adapters.runtime.statuses import StatusHub
from rollouts.ports import (
    Clock,
    ManagedRoute,
    PortError,
    ReplicaSetSpec,
    ReplicaSetStatus,
    RolloutRef,
    WeightRequest,
)
from rollouts.spec.traffic import TrafficRouting

Key = tuple[RolloutRef, str]


class InMemoryPlatform:
    def __init__(self, *, instantly_ready: bool = True, clock: Clock | None = None) -> None:
        self.instantly_ready = instantly_ready
        self.calls: list[tuple[str, Any]] = []
        self.services: dict[tuple[RolloutRef, str], str] = {}
        self._counts: dict[Key, tuple[int, int, int]] = {}
        self._hub = StatusHub()
        self._clock = clock

    async def start(self) -> None:
        self._hub.reopen()

    async def stop(self) -> None:
        self._hub.close()

    async def scale(self, spec: ReplicaSetSpec) -> None:
        if spec.replicas < 0:
            raise PortError(f"{spec.name}: replicas must not be negative, got {spec.replicas}")
        self.calls.append(("scale", spec))
        key = (spec.rollout, spec.pod_template_hash)
        _, ready, _ = self._counts.get(key, (0, 0, 0))
        ready = spec.replicas if self.instantly_ready else min(ready, spec.replicas)
        self._set(key, (spec.replicas, ready, ready), force=key not in self._counts)

    async def delete(self, rollout: RolloutRef, pod_template_hash: str) -> None:
        self.calls.append(("delete", (rollout, pod_template_hash)))
        key = (rollout, pod_template_hash)
        if key in self._counts:
            self._set(key, (0, 0, 0))
            del self._counts[key]

    async def switch_service(
        self, rollout: RolloutRef, service: str, pod_template_hash: str
    ) -> None:
        self.calls.append(("switch_service", (rollout, service, pod_template_hash)))
        self.services[(rollout, service)] = pod_template_hash

    def statuses(self) -> AsyncIterator[ReplicaSetStatus]:
        current = [self._status(key, counts) for key, counts in self._counts.items()]
        return self._hub.subscribe(current)

    def make_ready(self, rollout: RolloutRef, pod_template_hash: str) -> None:
        """Release pods held back by `instantly_ready=False`."""
        key = (rollout, pod_template_hash)
        replicas, _, _ = self._counts.get(key, (0, 0, 0))
        self._set(key, (replicas, replicas, replicas))

    def replicas(self, rollout: RolloutRef, pod_template_hash: str) -> int:
        return self._counts.get((rollout, pod_template_hash), (0, 0, 0))[0]

    def _set(self, key: Key, counts: tuple[int, int, int], *, force: bool = False) -> None:
        if force or self._counts.get(key) != counts:
            self._counts[key] = counts
            self._hub.publish(self._status(key, counts))

    def _status(self, key: Key, counts: tuple[int, int, int]) -> ReplicaSetStatus:
        now = self._clock.now() if self._clock is not None else datetime.now(UTC)
        return ReplicaSetStatus(key[0], key[1], *counts, observed_at=now)


class InMemoryRouter:
    """Holds weights and routes; `verifiable=False` makes it the no-op router that cannot tell."""

    def __init__(self, *, verifiable: bool = True) -> None:
        self.verifiable = verifiable
        self.calls: list[tuple[str, Any]] = []
        self.weights: dict[RolloutRef, WeightRequest] = {}
        self.routes: dict[RolloutRef, dict[str, ManagedRoute]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def set_weight(self, request: WeightRequest) -> None:
        for weight in (request.canary_weight, request.stable_weight):
            if weight < 0:
                raise PortError(f"{request.rollout}: weights must not be negative: {weight}")
        self.calls.append(("set_weight", request))
        self.weights[request.rollout] = request

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        if not self.verifiable:
            return None
        held = self.weights.get(request.rollout)
        return held is not None and _split(held) == _split(request)

    async def read_weight(self, request: WeightRequest) -> int | None:
        held = self.weights.get(request.rollout)
        return held.canary_weight if self.verifiable and held is not None else None

    async def set_route(self, route: ManagedRoute) -> None:
        compiled = compile_route(route)
        self.calls.append(("set_route", route))
        routes = self.routes.setdefault(route.rollout, {})
        if compiled is None:
            routes.pop(route.name, None)
        else:
            routes[route.name] = route

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None:
        self.calls.append(("remove_managed_routes", rollout))
        self.routes.pop(rollout, None)

    def managed_routes(self, rollout: RolloutRef) -> tuple[str, ...]:
        return tuple(self.routes.get(rollout, {}))


def _split(request: WeightRequest) -> tuple[int, int, str, str]:
    return request.canary_weight, request.stable_weight, request.canary_hash, request.stable_hash
