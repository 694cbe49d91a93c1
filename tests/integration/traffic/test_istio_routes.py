"""Istio header and mirror routes: where they go, what they hold, how they leave."""

from __future__ import annotations

import pytest

from adapters.traffic import KubernetesTrafficRouter
from adapters.workers.traffic import route_spec
from rollouts.ports import ManagedRoute, PortError
from tests.integration.traffic.objects import (
    DEMO,
    PAYMENTS,
    Obj,
    destination,
    header,
    payments_routing,
    payments_weight,
    seed_payments,
    typed,
    virtual_service,
    weight,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration
MANAGED = [{"name": "beta"}, {"name": "shadow"}]
ROUTING: Obj = {
    "istio": {"virtualService": {"name": "vs", "routes": ["primary"]}},
    "managedRoutes": MANAGED,
}


def mirror(
    name: str = "shadow", percentage: int | None = 40, routing: Obj = ROUTING
) -> ManagedRoute:
    body: Obj = {"name": name, "match": [{"method": {"exact": "GET"}, "path": {"prefix": "/api"}}]}
    if percentage is not None:
        body["percentage"] = percentage
    return ManagedRoute(DEMO, name, "mirror", route_spec("mirror", body), typed(routing))


def http(kube: FakeKube, ns: str = "default", name: str = "vs") -> list[Obj]:
    vs = kube.get("virtualservices", ns, name)
    assert vs is not None
    routes: list[Obj] = vs["spec"]["http"]
    return routes


@pytest.fixture
def seeded(fake_kube: FakeKube) -> FakeKube:
    split = [destination("demo-stable", 100, port=80), destination("demo-canary", 0, port=80)]
    fake_kube.create(
        virtual_service(
            "vs",
            http=[
                {
                    "name": "health",
                    "match": [{"uri": {"exact": "/healthz"}}],
                    "route": [destination("demo-stable")],
                },
                {"name": "primary", "route": split},
            ],
        )
    )
    return fake_kube


async def test_a_header_route_goes_first_and_sends_all_to_the_canary(
    router: KubernetesTrafficRouter, seeded: FakeKube
) -> None:
    await router.set_weight(weight(ROUTING, 10))
    route = header(
        ROUTING,
        "beta",
        ("X-Beta", "exact", "yes"),
        ("X-Tier", "regex", "gold|plat"),
        ("X-Id", "prefix", "u-"),
    )
    await router.set_route(route)
    routes = http(seeded)
    assert [r["name"] for r in routes] == ["beta", "health", "primary"]
    assert routes[0] == {
        "name": "beta",
        "match": [
            {"headers": {"X-Beta": {"exact": "yes"}}},
            {"headers": {"X-Tier": {"regex": "gold|plat"}}},
            {"headers": {"X-Id": {"prefix": "u-"}}},
        ],
        "route": [{"destination": {"host": "demo-canary", "port": {"number": 80}}, "weight": 100}],
    }
    await router.set_route(header(ROUTING, "beta", ("X-Beta", "exact", "no")))
    routes = http(seeded)
    assert [r["name"] for r in routes] == ["beta", "health", "primary"]
    assert routes[0]["match"] == [{"headers": {"X-Beta": {"exact": "no"}}}]


async def test_a_mirror_route_keeps_the_weights_and_mirrors_to_the_canary(
    router: KubernetesTrafficRouter, seeded: FakeKube
) -> None:
    await router.set_weight(weight(ROUTING, 20))
    await router.set_route(mirror())
    await router.set_route(header(ROUTING, "beta", ("X-Beta", "exact", "yes")))
    routes = http(seeded)
    assert [r["name"] for r in routes] == ["beta", "shadow", "health", "primary"]
    shadow = routes[1]
    assert shadow["match"] == [{"method": {"exact": "GET"}, "uri": {"prefix": "/api"}}]
    assert shadow["route"] == routes[3]["route"]
    assert shadow["mirror"] == {"host": "demo-canary", "port": {"number": 80}}
    assert shadow["mirrorPercentage"] == {"value": 40.0}
    await router.set_weight(weight(ROUTING, 50))
    shadow, primary = http(seeded)[1], http(seeded)[3]
    assert (
        [d["weight"] for d in shadow["route"]]
        == [50, 50]
        == [d["weight"] for d in primary["route"]]
    )
    assert await router.verify_weight(weight(ROUTING, 50)) is True


async def test_a_mirror_route_defaults_to_mirroring_everything(
    router: KubernetesTrafficRouter, seeded: FakeKube
) -> None:
    await router.set_weight(weight(ROUTING, 0))
    await router.set_route(mirror(percentage=None))
    assert http(seeded)[0]["mirrorPercentage"] == {"value": 100.0}


async def test_routes_without_match_are_removed_and_remove_all_clears_them(
    router: KubernetesTrafficRouter, seeded: FakeKube
) -> None:
    await router.set_weight(weight(ROUTING, 0))
    await router.set_route(header(ROUTING, "beta", ("X-Beta", "exact", "yes")))
    await router.set_route(mirror())
    await router.set_route(header(ROUTING, "beta"))
    assert [r["name"] for r in http(seeded)] == ["shadow", "health", "primary"]
    await router.set_route(header(ROUTING, "beta", ("X-Beta", "exact", "yes")))
    await router.remove_managed_routes(DEMO, typed(ROUTING))
    assert [r["name"] for r in http(seeded)] == ["health", "primary"]
    writes = len(seeded.requests_for("update"))
    await router.remove_managed_routes(DEMO, typed(ROUTING))
    assert len(seeded.requests_for("update")) == writes


async def test_removal_tolerates_a_missing_virtual_service(router: KubernetesTrafficRouter) -> None:
    await router.remove_managed_routes(DEMO, typed(ROUTING))


async def test_subset_routes_go_to_the_destination_rule_host_and_canary_subset(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    routing = payments_routing() | {"managedRoutes": MANAGED}
    await router.set_weight(payments_weight(5))
    route = header(routing, "beta", ("X-Beta", "exact", "yes"))
    routed = typed(routing)
    await router.set_route(ManagedRoute(PAYMENTS, "beta", "header", route.route, routed))
    await router.set_route(ManagedRoute(PAYMENTS, "shadow", "mirror", mirror().route, routed))
    routes = http(fake_kube, "production", "payments-api-vsvc")
    assert [r["name"] for r in routes] == ["beta", "shadow", "primary"]
    assert routes[0]["route"] == [
        {"destination": {"host": "payments-api", "subset": "canary"}, "weight": 100}
    ]
    assert routes[1]["mirror"] == {"host": "payments-api", "subset": "canary"}
    assert [d["weight"] for d in routes[1]["route"]] == [95, 5]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"regex": "(unclosed"}, "invalid regex"),
        ({"exact": "a", "prefix": "b"}, "exactly one"),
        ({}, "exactly one"),
    ],
)
async def test_a_malformed_match_writes_nothing(
    router: KubernetesTrafficRouter, seeded: FakeKube, value: Obj, reason: str
) -> None:
    body = {"name": "beta", "match": [{"headerName": "X-Beta", "headerValue": value}]}
    with pytest.raises(PortError, match=reason):
        await router.set_route(
            ManagedRoute(DEMO, "beta", "header", route_spec("header", body), typed(ROUTING))
        )
    bad_mirror = {"name": "shadow", "match": [{"method": value}]}
    with pytest.raises(PortError, match=reason):
        await router.set_route(
            ManagedRoute(DEMO, "shadow", "mirror", route_spec("mirror", bad_mirror), typed(ROUTING))
        )
    assert seeded.requests_for("update") == []


async def test_host_split_routes_need_the_canary_service(
    router: KubernetesTrafficRouter, seeded: FakeKube
) -> None:
    with pytest.raises(PortError, match="canaryService"):
        await router.set_route(header(ROUTING, "beta", ("X-Beta", "exact", "yes")))
