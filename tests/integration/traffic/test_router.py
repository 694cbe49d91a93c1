"""KubernetesTrafficRouter: choosing the routers from the rollout's trafficRouting block."""

from __future__ import annotations

import pytest

from adapters.traffic import KubernetesTrafficRouter
from rollouts.ports import PortError, TrafficRouter, WeightRequest
from tests.integration.traffic.objects import (
    DEMO,
    destination,
    header,
    ingress,
    ingress_rule,
    typed,
    virtual_service,
    weight,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration
COMBINED = {
    "istio": {"virtualService": {"name": "vs"}},
    "nginx": {"stableIngress": "web"},
}


async def test_without_traffic_routing_nothing_is_written_and_nothing_verified(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    assert isinstance(router, TrafficRouter)
    await router.set_weight(weight({}, 30))
    await router.set_route(header({}, "beta", ("X-Beta", "exact", "yes")))
    await router.remove_managed_routes(DEMO, None)
    assert await router.verify_weight(weight({}, 30)) is None
    assert await router.read_weight(weight({}, 30)) is None
    assert fake_kube.requests == []


async def test_negative_weights_are_refused_before_anything_is_read(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    with pytest.raises(PortError, match="negative"):
        await router.set_weight(WeightRequest(DEMO, -1, 101, "a", "b", routing=typed(COMBINED)))
    assert fake_kube.requests == []


async def test_combined_routers_all_get_the_weight_and_all_must_hold_it(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("demo-stable", 100), destination("demo-canary", 0)]
    fake_kube.create(virtual_service("vs", http=[{"route": split}]))
    fake_kube.create(ingress("web", ingress_rule("demo.example", ("/", "demo-stable"))))
    await router.set_weight(weight(COMBINED, 35))
    vs = fake_kube.get("virtualservices", "default", "vs")
    canary = fake_kube.get("ingresses", "default", "demo-web-canary")
    assert vs is not None and canary is not None
    assert [d["weight"] for d in vs["spec"]["http"][0]["route"]] == [65, 35]
    assert canary["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "35"
    assert await router.verify_weight(weight(COMBINED, 35)) is True
    edit = {"metadata": {"annotations": {"nginx.ingress.kubernetes.io/canary-weight": "0"}}}
    fake_kube.patch("ingresses", "default", "demo-web-canary", edit)
    assert await router.verify_weight(weight(COMBINED, 35)) is False
    assert await router.read_weight(weight(COMBINED, 35)) == 35


async def test_header_routes_use_the_services_of_the_last_weight(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("demo-stable", 100), destination("preview", 0)]
    fake_kube.create(virtual_service("vs", http=[{"route": split}]))
    routing = {"istio": {"virtualService": {"name": "vs"}}, "managedRoutes": [{"name": "beta"}]}
    await router.set_weight(
        weight(routing, 0, canary_service="preview", stable_service="demo-stable")
    )
    await router.set_route(header(routing, "beta", ("X-Beta", "exact", "yes")))
    vs = fake_kube.get("virtualservices", "default", "vs")
    assert vs is not None
    assert vs["spec"]["http"][0]["route"][0]["destination"]["host"] == "preview"
