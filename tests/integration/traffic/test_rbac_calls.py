"""Every call the traffic routers make is one the traffic worker's role grants (deploy/base/rbac).

One rollout routes through all six routers at once; the router sets, verifies, reads, adds and
removes a header route, and the fake API's request log must hold nothing the role leaves out.
"""

from __future__ import annotations

import pytest

from adapters.traffic import KubernetesTrafficRouter
from tests.deploy.test_rbac import EXPECTED
from tests.integration.traffic.objects import (
    DEMO,
    Obj,
    backends,
    destination,
    header,
    http_route,
    ingress,
    ingress_rule,
    typed,
    virtual_service,
    weight,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration

ROUTING: Obj = {
    "istio": {"virtualService": {"name": "vs", "routes": ["primary"]}},
    "nginx": {"stableIngress": "web"},
    "smi": {},
    "alb": {"ingress": "web", "servicePort": 80},
    "traefik": {"weightedTraefikServiceName": "weighted"},
    "plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "route"}},
    "managedRoutes": [{"name": "beta"}],
}


def seed(kube: FakeKube) -> None:
    split = [destination("demo-stable", 100), destination("demo-canary", 0)]
    kube.create(virtual_service("vs", hosts=["demo"], http=[{"name": "primary", "route": split}]))
    kube.create(ingress("web", ingress_rule("demo.example", ("/", "demo-stable"))))
    kube.create(http_route("route", backends(("demo-stable", 100), ("demo-canary", 0))))
    services = [{"name": "demo-stable", "weight": 100}, {"name": "demo-canary", "weight": 0}]
    kube.create({
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": "weighted", "namespace": "default"},
        "spec": {"weighted": {"services": services}},
    })  # fmt: skip


async def test_every_call_of_every_router_is_granted(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube)
    await router.set_weight(weight(ROUTING, 20))
    await router.set_weight(weight(ROUTING, 40))
    assert await router.verify_weight(weight(ROUTING, 40)) is True
    assert await router.read_weight(weight(ROUTING, 40)) == 40
    await router.set_route(header(ROUTING, "beta", ("X-Beta", "exact", "yes")))
    await router.remove_managed_routes(DEMO, typed(ROUTING))
    calls = {
        (r.call.resource.group, r.call.resource.plural, r.call.verb)
        for r in fake_kube.requests
        if r.call is not None
    }
    assert ("traefik.io", "traefikservices", "update") in calls
    assert ("networking.k8s.io", "ingresses", "patch") in calls
    assert calls - EXPECTED["traffic"] == set()
