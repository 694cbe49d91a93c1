"""Istio host-level splitting: which routes of which VirtualServices get weighted, and how."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.traffic import KubernetesTrafficRouter
from rollouts.ports import PortError
from tests.integration.traffic.objects import (
    Obj,
    destination,
    virtual_service,
    weight,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration


def istio(*services: Any) -> Obj:
    """Routing with `virtualService` (one name or config) or `virtualServices` (several)."""
    configs = [{"name": s} if isinstance(s, str) else s for s in services]
    block = {"virtualService": configs[0]} if len(configs) == 1 else {"virtualServices": configs}
    return {"istio": block}


def weights(
    kube: FakeKube, name: str, section: str = "http", index: int = 0, ns: str = "default"
) -> list[tuple[str, int]]:
    vs = kube.get("virtualservices", ns, name)
    assert vs is not None
    return [
        (d["destination"]["host"], d.get("weight", 0)) for d in vs["spec"][section][index]["route"]
    ]


async def test_the_only_http_route_is_weighted_by_host_and_others_are_dropped(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    route = {
        "route": [
            destination("demo-stable.default.svc.cluster.local", 100, port=8080),
            destination("demo-canary", 0, port=8080),
            destination("leftover", 0),
        ]
    }
    fake_kube.create(virtual_service("vs", hosts=["demo"], http=[route]))
    await router.set_weight(weight(istio("vs"), 30))
    assert weights(fake_kube, "vs") == [
        ("demo-stable.default.svc.cluster.local", 70),
        ("demo-canary", 30),
    ]
    vs = fake_kube.get("virtualservices", "default", "vs")
    assert vs is not None and vs["spec"]["hosts"] == ["demo"]
    assert vs["spec"]["http"][0]["route"][1]["destination"]["port"] == {"number": 8080}
    assert await router.verify_weight(weight(istio("vs"), 30)) is True
    assert await router.verify_weight(weight(istio("vs"), 31)) is False


async def test_named_routes_are_weighted_and_the_others_left_alone(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("demo-stable", 100), destination("demo-canary", 0)]
    fake_kube.create(
        virtual_service(
            "vs",
            http=[
                {"name": "one", "route": split},
                {"name": "static", "route": [destination("elsewhere", 100)]},
                {"name": "two", "route": split},
            ],
        )
    )
    routing = istio({"name": "vs", "routes": ["one", "two"]})
    await router.set_weight(weight(routing, 10))
    assert weights(fake_kube, "vs", index=0) == [("demo-stable", 90), ("demo-canary", 10)]
    assert weights(fake_kube, "vs", index=1) == [("elsewhere", 100)]
    assert weights(fake_kube, "vs", index=2) == [("demo-stable", 90), ("demo-canary", 10)]
    missing = istio({"name": "vs", "routes": ["three"]})
    with pytest.raises(PortError, match="VirtualService default/vs: HTTP route 'three' not found"):
        await router.set_weight(weight(missing, 10))
    with pytest.raises(PortError, match="exactly one route"):
        await router.set_weight(weight(istio("vs"), 10))


async def test_a_route_without_the_canary_is_refused(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    fake_kube.create(virtual_service("vs", http=[{"route": [destination("demo-stable", 100)]}]))
    with pytest.raises(PortError, match="canary Service 'demo-canary' not found in the route"):
        await router.set_weight(weight(istio("vs"), 10))
    assert fake_kube.requests_for("update") == []


async def test_tls_routes_are_matched_by_port_and_sni_hosts(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("demo-stable", 100), destination("demo-canary", 0)]
    fake_kube.create(
        virtual_service(
            "vs",
            tls=[
                {"match": [{"port": 443, "sniHosts": ["a.example"]}], "route": split},
                {"match": [{"port": 443, "sniHosts": ["b.example", "c.example"]}], "route": split},
                {"match": [{"port": 8443, "sniHosts": ["b.example"]}], "route": split},
            ],
        )
    )
    tls = [{"port": 443, "sniHosts": ["c.example", "b.example"]}]
    await router.set_weight(weight(istio({"name": "vs", "tlsRoutes": tls}), 20))
    assert [weights(fake_kube, "vs", "tls", i)[1][1] for i in range(3)] == [0, 20, 0]
    assert await router.verify_weight(weight(istio({"name": "vs", "tlsRoutes": tls}), 20))
    none = [{"port": 9999}]
    with pytest.raises(PortError, match="no TLS route matches port 9999"):
        await router.set_weight(weight(istio({"name": "vs", "tlsRoutes": none}), 20))


async def test_tcp_routes_by_port_and_the_only_tcp_route(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("demo-stable", 100), destination("demo-canary", 0)]
    fake_kube.create(
        virtual_service(
            "multi",
            tcp=[
                {"match": [{"port": 5432}], "route": split},
                {"match": [{"port": 6379}], "route": split},
            ],
        )
    )
    fake_kube.create(virtual_service("single", tcp=[{"route": split}]))
    await router.set_weight(weight(istio({"name": "multi", "tcpRoutes": [{"port": 6379}]}), 15))
    assert weights(fake_kube, "multi", "tcp", 0)[1] == ("demo-canary", 0)
    assert weights(fake_kube, "multi", "tcp", 1) == [("demo-stable", 85), ("demo-canary", 15)]
    await router.set_weight(weight(istio("single"), 15))
    assert weights(fake_kube, "single", "tcp") == [("demo-stable", 85), ("demo-canary", 15)]
    with pytest.raises(PortError, match=r"spec\.tcp must have exactly one route"):
        await router.set_weight(weight(istio("multi"), 15))


async def test_several_virtual_services_in_several_namespaces(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("demo-stable", 100), destination("demo-canary", 0)]
    fake_kube.create(virtual_service("public", http=[{"name": "primary", "route": split}]))
    fake_kube.create(virtual_service("mesh", namespace="edge", http=[{"route": split}]))
    fake_kube.create(virtual_service("dotted.name", namespace="edge", http=[{"route": split}]))
    routing = istio(
        {"name": "public", "routes": ["primary"]}, "mesh.edge", "dotted.name.edge.cluster.local"
    )
    await router.set_weight(weight(routing, 50))
    for ns, name in (("default", "public"), ("edge", "mesh"), ("edge", "dotted.name")):
        assert weights(fake_kube, name, ns=ns) == [("demo-stable", 50), ("demo-canary", 50)]
    assert await router.verify_weight(weight(routing, 50)) is True
    fake_kube.patch("virtualservices", "edge", "mesh", {"spec": {"http": [{"route": split}]}})
    assert await router.verify_weight(weight(routing, 50)) is False
    assert await router.read_weight(weight(routing, 50)) == 50
