"""The weight half of the TrafficRouter contract for the routers that hold only weights.

ALB, Traefik, NGINX and SMI split by Service, not by pod-template hash, and have no header or
mirror routes (validation refuses those steps with them), so they run the contract's weight
tests (tests/contract/test_router_local.py) and a weight-only version of "the weight set is the
weight held". Each runs as the Kubernetes router a rollout routing through it uses, over real
HTTP to the fake API server, with each rollout's objects seeded as a cluster would have them:
the Ingress routing to the stable Service (ALB, NGINX), a TraefikService at 100% stable, and
nothing for SMI (it creates its TrafficSplit).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
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
    test_a_new_weight_replaces_the_old_one,
    test_implements_the_port,
    test_negative_weight_is_refused,
    test_nothing_is_held_before_the_first_weight,
    test_the_weight_read_is_the_weight_set,
    test_weights_of_rollouts_are_kept_apart,
    weight,
    with_block,
)
from tests.support.kube import FakeKube, api_client_for

pytestmark = pytest.mark.integration
__all__ = [
    "test_a_new_weight_replaces_the_old_one",
    "test_implements_the_port",
    "test_negative_weight_is_refused",
    "test_nothing_is_held_before_the_first_weight",
    "test_the_weight_read_is_the_weight_set",
    "test_weights_of_rollouts_are_kept_apart",
]
Obj = dict[str, Any]


def stable(rollout: RolloutRef) -> str:
    return f"{rollout.name}-stable"


def canary(rollout: RolloutRef) -> str:
    return f"{rollout.name}-canary"


def ingress(rollout: RolloutRef) -> Obj:
    backend = {"service": {"name": stable(rollout), "port": {"number": 80}}}
    path = {"path": "/", "pathType": "Prefix", "backend": backend}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": f"{rollout.name}-web", "namespace": rollout.namespace},
        "spec": {"rules": [{"host": f"{rollout.name}.example", "http": {"paths": [path]}}]},
    }


def traefik_service(rollout: RolloutRef) -> Obj:
    services = [{"name": stable(rollout), "weight": 100}, {"name": canary(rollout), "weight": 0}]
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": f"{rollout.name}-weighted", "namespace": rollout.namespace},
        "spec": {"weighted": {"services": services}},
    }


@dataclass(frozen=True)
class Kind:
    block: Callable[[RolloutRef], Obj]
    seed: Callable[[RolloutRef], list[Obj]]


KINDS = {
    "alb": Kind(
        lambda r: {"alb": {"ingress": f"{r.name}-web", "servicePort": 80}},
        lambda r: [ingress(r)],
    ),
    "traefik": Kind(
        lambda r: {"traefik": {"weightedTraefikServiceName": f"{r.name}-weighted"}},
        lambda r: [traefik_service(r)],
    ),
    "nginx": Kind(lambda r: {"nginx": {"stableIngress": f"{r.name}-web"}}, lambda r: [ingress(r)]),
    "smi": Kind(lambda r: {"smi": {}}, lambda r: []),
}


@dataclass
class Routed:
    """The Kubernetes router, given each rollout's block and Services as its manifest would."""

    router: KubernetesTrafficRouter
    kind: Kind

    def _request(self, request: WeightRequest) -> WeightRequest:
        rollout = request.rollout
        return dataclasses.replace(
            request,
            canary_service=canary(rollout),
            stable_service=stable(rollout),
            routing=with_block(request.routing, self.kind.block(rollout)),
        )

    async def set_weight(self, request: WeightRequest) -> None:
        await self.router.set_weight(self._request(request))

    async def verify_weight(self, request: WeightRequest) -> bool | None:
        return await self.router.verify_weight(self._request(request))

    async def read_weight(self, request: WeightRequest) -> int | None:
        return await self.router.read_weight(self._request(request))

    async def set_route(self, route: ManagedRoute) -> None:
        await self.router.set_route(route)

    async def remove_managed_routes(
        self, rollout: RolloutRef, routing: TrafficRouting | None
    ) -> None:
        await self.router.remove_managed_routes(rollout, routing)


@pytest.fixture(params=sorted(KINDS))
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[RouterUnderTest]:
    kind = KINDS[request.param]
    async with FakeKube() as kube, api_client_for(kube.url) as client:
        for rollout in (DEMO, OTHER):
            for obj in kind.seed(rollout):
                kube.create(obj)
        yield RouterUnderTest(Routed(KubernetesTrafficRouter(client), kind), True, lambda r: ())


async def test_the_weight_set_is_the_weight_held_by_service(subject: RouterUnderTest) -> None:
    """The contract's test without its pod-template hash: these routers split by Service."""
    await subject.router.set_weight(weight(10))
    assert await subject.router.verify_weight(weight(10)) is True
    assert await subject.router.verify_weight(weight(20)) is False
    assert await subject.router.verify_weight(weight(10, OTHER)) is False
    await subject.router.set_weight(weight(0))
    assert await subject.router.verify_weight(weight(0)) is True
    assert await subject.router.read_weight(weight(0)) == 0
