"""The TrafficRouter contract (tests/contract/test_router_local.py) against the Kubernetes router.

The contract's requests carry only `managedRoutes`; a rollout routing with Istio adds its
`istio` block. So the router under test is the Kubernetes router as such a rollout uses it:
Istio subset-level splitting (the contract also checks that another canary hash is not held,
which only the DestinationRule records), over real HTTP to the fake API server, with each
rollout's DestinationRule and VirtualService seeded at 100% stable.

The other routers hold weights but no pod-template hash, and NGINX, SMI and Gateway API have
no mirror routes; their behaviour is pinned in tests/integration/traffic instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.traffic import KubernetesTrafficRouter
from rollouts.ports import ManagedRoute, RolloutRef, WeightRequest
from rollouts.spec.traffic import TrafficRouting
from tests.contract.test_router_local import (
    DEMO,
    OTHER,
    RouterUnderTest,
    test_a_header_route_needs_a_header_name,
    test_a_malformed_header_route_is_refused,
    test_a_new_weight_replaces_the_old_one,
    test_a_route_without_match_removes_it,
    test_header_and_mirror_routes_are_held,
    test_implements_the_port,
    test_negative_weight_is_refused,
    test_nothing_is_held_before_the_first_weight,
    test_remove_managed_routes_drops_them_all,
    test_the_weight_read_is_the_weight_set,
    test_the_weight_set_is_the_weight_held,
    test_weights_of_rollouts_are_kept_apart,
    with_block,
)
from tests.support.kube import FakeKube, api_client_for

pytestmark = pytest.mark.integration
__all__ = [
    "test_a_header_route_needs_a_header_name",
    "test_a_malformed_header_route_is_refused",
    "test_a_new_weight_replaces_the_old_one",
    "test_a_route_without_match_removes_it",
    "test_header_and_mirror_routes_are_held",
    "test_implements_the_port",
    "test_negative_weight_is_refused",
    "test_nothing_is_held_before_the_first_weight",
    "test_remove_managed_routes_drops_them_all",
    "test_the_weight_read_is_the_weight_set",
    "test_the_weight_set_is_the_weight_held",
    "test_weights_of_rollouts_are_kept_apart",
]
ISTIO = "networking.istio.io/v1beta1"


def istio_block(rollout: RolloutRef) -> dict[str, Any]:
    return {
        "virtualService": {"name": f"{rollout.name}-vsvc", "routes": ["primary"]},
        "destinationRule": {
            "name": f"{rollout.name}-destrule",
            "canarySubsetName": "canary",
            "stableSubsetName": "stable",
        },
    }


def seed(kube: FakeKube, rollout: RolloutRef) -> None:
    metadata = {"namespace": rollout.namespace}
    subsets = [{"name": "stable", "labels": {"app": rollout.name}}, {"name": "canary"}]
    kube.create({
        "apiVersion": ISTIO,
        "kind": "DestinationRule",
        "metadata": {"name": f"{rollout.name}-destrule", **metadata},
        "spec": {"host": rollout.name, "subsets": subsets},
    })  # fmt: skip
    route = [
        {"destination": {"host": rollout.name, "subset": "stable"}, "weight": 100},
        {"destination": {"host": rollout.name, "subset": "canary"}, "weight": 0},
    ]
    kube.create({
        "apiVersion": ISTIO,
        "kind": "VirtualService",
        "metadata": {"name": f"{rollout.name}-vsvc", **metadata},
        "spec": {"hosts": [rollout.name], "http": [{"name": "primary", "route": route}]},
    })  # fmt: skip


@dataclass
class IstioRollouts:
    """The Kubernetes router, given each rollout's Istio block as its manifest would."""

    router: KubernetesTrafficRouter

    def routing(self, rollout: RolloutRef, routing: TrafficRouting | None) -> TrafficRouting:
        return with_block(routing, {"istio": istio_block(rollout)})

    async def set_weight(self, request: WeightRequest) -> None:
        routing = self.routing(request.rollout, request.routing)
        await self.router.set_weight(dataclasses.replace(request, routing=routing))

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        routing = self.routing(request.rollout, request.routing)
        return await self.router.verify_weight(dataclasses.replace(request, routing=routing))

    async def read_weight(self, request: WeightRequest) -> int | None:
        routing = self.routing(request.rollout, request.routing)
        return await self.router.read_weight(dataclasses.replace(request, routing=routing))

    async def set_route(self, route: ManagedRoute) -> None:
        routing = self.routing(route.rollout, route.routing)
        await self.router.set_route(dataclasses.replace(route, routing=routing))

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None:
        await self.router.remove_managed_routes(rollout, self.routing(rollout, routing))


def held_routes(kube: FakeKube, rollout: RolloutRef) -> tuple[str, ...]:
    """The managed routes the rollout's VirtualService holds (every route but `primary`)."""
    vs = kube.get("virtualservices", rollout.namespace, f"{rollout.name}-vsvc")
    assert vs is not None
    return tuple(r["name"] for r in vs["spec"]["http"] if r.get("name") != "primary")


@pytest.fixture
async def subject() -> AsyncIterator[RouterUnderTest]:
    async with FakeKube() as kube, api_client_for(kube.url) as client:
        for rollout in (DEMO, OTHER):
            seed(kube, rollout)
        router = IstioRollouts(KubernetesTrafficRouter(client))
        yield RouterUnderTest(router, True, lambda rollout: held_routes(kube, rollout))
