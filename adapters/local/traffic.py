"""Where the local proxy sends each request of one rollout: the routing table, no IO.

Two modes, as in a cluster. Before any weight is set the rollout has no traffic router (Argo's
replica-count canary): requests spread over the pods its Services select, the way kube-proxy
spreads them. Once a weight is set, the proxy is the router: managed routes first, in
`managedRoutes` order, then the exact canary/stable split.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters.local.gates import SmoothRoundRobin
from adapters.local.matching import CompiledRoute, compile_route
from rollouts.ports import ManagedRoute, PortError, WeightRequest
from rollouts.spec.traffic import TrafficRouting

SERVICE_HEADER = "X-Rollout-Service"
"""A request carrying this header goes to the pods the named Service selects (e.g. a preview)."""


@dataclass(frozen=True, slots=True)
class Destination:
    hashes: tuple[str, ...] | None
    """ReplicaSets whose ready pods may answer; None means every ReplicaSet of the rollout."""
    via: str
    """Why: `weight`, `header:<route>`, `mirror:<route>`, `service:<name>` or `all`."""
    mirror_to: str | None = None


class RolloutTraffic:
    def __init__(self) -> None:
        self.request: WeightRequest | None = None
        self._split = SmoothRoundRobin(())
        self._routes: dict[str, CompiledRoute] = {}
        self._order: tuple[str, ...] = ()
        self._services: dict[str, str] = {}
        self.front_service: str | None = None

    def set_weight(self, request: WeightRequest) -> None:
        for side, weight in (("canary", request.canary_weight), ("stable", request.stable_weight)):
            if weight < 0:
                raise PortError(f"{request.rollout}: {side} weight must not be negative: {weight}")
        self._split = SmoothRoundRobin(
            (
                (request.canary_hash, request.canary_weight),
                (request.stable_hash, request.stable_weight),
            )
        )
        self.request = request
        self._remember_order(request.routing)

    def holds(self, request: WeightRequest) -> bool:
        held = self.request
        return held is not None and _split_of(held) == _split_of(request)

    def set_route(self, route: ManagedRoute) -> None:
        compiled = compile_route(route)
        if compiled is None:
            self._routes.pop(route.name, None)
        else:
            self._routes[route.name] = compiled
        self._remember_order(route.routing)

    def clear_routes(self) -> None:
        self._routes.clear()

    @property
    def route_names(self) -> tuple[str, ...]:
        return tuple(route.name for route in self._ordered_routes())

    def switch_service(self, service: str, pod_template_hash: str) -> None:
        self._services[service] = pod_template_hash

    @property
    def services(self) -> Mapping[str, str]:
        return dict(self._services)

    def choose(self, method: str, path: str, headers: Mapping[str, str]) -> Destination:
        named = headers.get(SERVICE_HEADER)
        if named is not None and named in self._services:
            return Destination((self._services[named],), f"service:{named}")
        if self.request is None:
            return self._unrouted()
        canary = self.request.canary_hash
        for route in self._ordered_routes():
            if not route.matches(method, path, headers):
                continue
            if route.kind == "header":
                return Destination((canary,), f"header:{route.name}")
            mirrored = route.mirror_gate is not None and route.mirror_gate.take()
            return Destination(
                self._weighted(), f"mirror:{route.name}", canary if mirrored else None
            )
        return Destination(self._weighted(), "weight")

    def _weighted(self) -> tuple[str, ...]:
        picked = self._split.pick()
        return () if picked is None else (picked,)

    def _unrouted(self) -> Destination:
        """kube-proxy: the front Service's pods; without one, every Service's; else all pods."""
        front = self.front_service or next(
            (name for name in self._services if name.endswith("active")), None
        )
        if front is not None and front in self._services:
            return Destination((self._services[front],), f"service:{front}")
        if self._services:
            return Destination(tuple(dict.fromkeys(self._services.values())), "services")
        return Destination(None, "all")

    def _ordered_routes(self) -> list[CompiledRoute]:
        rank = {name: index for index, name in enumerate(self._order)}
        return sorted(self._routes.values(), key=lambda route: rank.get(route.name, len(rank)))

    def _remember_order(self, routing: TrafficRouting | None) -> None:
        names = routing.managed_route_names if routing is not None else ()
        if names:
            self._order = tuple(name for name in names if name)


def _split_of(request: WeightRequest) -> tuple[int, int, str, str]:
    return (
        request.canary_weight,
        request.stable_weight,
        request.canary_hash,
        request.stable_hash,
    )
