"""Gateway API (the argoproj-labs/gatewayAPI plugin): HTTPRoute weights and header rules."""

from __future__ import annotations

import pytest

from adapters.traffic import KubernetesTrafficRouter
from adapters.traffic.gateway_rules import IN_PROGRESS_LABEL
from adapters.workers.traffic import route_spec
from rollouts.ports import ManagedRoute, PortError
from tests.integration.traffic.objects import (
    DEMO,
    Obj,
    backends,
    header,
    http_route,
    typed,
    weight,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration
PLUGIN = "argoproj-labs/gatewayAPI"


def plugin(**config: object) -> Obj:
    return {"plugins": {PLUGIN: config}, "managedRoutes": [{"name": "beta"}]}


def rules(kube: FakeKube, name: str = "web", ns: str = "default") -> list[Obj]:
    route = kube.get("httproutes", ns, name)
    assert route is not None
    found: list[Obj] = route["spec"]["rules"]
    return found


def weights(rule: Obj) -> list[tuple[str, int]]:
    return [(ref["name"], ref["weight"]) for ref in rule["backendRefs"]]


@pytest.fixture
def web(fake_kube: FakeKube) -> Obj:
    api = {"matches": [{"path": {"type": "PathPrefix", "value": "/api"}}]}
    return fake_kube.create(
        http_route(
            "web",
            backends(("demo-stable", 100), ("demo-canary", 0), **api),
            backends(("demo-stable", 100), ("demo-canary", 0)),
            backends(("static", 1)),
        )
    )


async def test_every_rule_gets_the_weights_and_the_route_a_label(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    await router.set_weight(weight(plugin(httpRoute="web"), 30))
    held = rules(fake_kube)
    assert [weights(rule) for rule in held] == [
        [("demo-stable", 70), ("demo-canary", 30)],
        [("demo-stable", 70), ("demo-canary", 30)],
        [("static", 1)],
    ]
    route = fake_kube.get("httproutes", "default", "web")
    assert route is not None and route["metadata"]["labels"] == {IN_PROGRESS_LABEL: "in-progress"}
    assert await router.verify_weight(weight(plugin(httpRoute="web"), 30)) is True
    assert await router.read_weight(weight(plugin(httpRoute="web"), 30)) == 30
    await router.set_weight(weight(plugin(httpRoute="web"), 0))
    route = fake_kube.get("httproutes", "default", "web")
    assert route is not None and "labels" not in route["metadata"]


async def test_several_routes_in_the_configured_namespace_and_drift(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    for name in ("a", "b"):
        fake_kube.create(
            http_route(name, backends(("demo-stable", 100), ("demo-canary", 0)), namespace="gw")
        )
    routing = plugin(
        httpRoutes=[{"name": "a"}, {"name": "b", "useHeaderRoutes": True}], namespace="gw"
    )
    await router.set_weight(weight(routing, 40))
    for name in ("a", "b"):
        assert weights(rules(fake_kube, name, "gw")[0]) == [
            ("demo-stable", 60),
            ("demo-canary", 40),
        ]
    edited = [backends(("demo-stable", 100), ("demo-canary", 0))]
    fake_kube.patch("httproutes", "gw", "b", {"spec": {"rules": edited}})
    assert await router.verify_weight(weight(routing, 40)) is False


async def test_header_routes_become_rules_for_the_canary(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    routing = plugin(httpRoute="web")
    await router.set_weight(weight(routing, 10))
    await router.set_route(
        header(routing, "beta", ("X-Beta", "exact", "yes"), ("X-Id", "prefix", "u."))
    )
    held = rules(fake_kube)
    assert len(held) == 5
    headers = [
        {"name": "X-Beta", "type": "Exact", "value": "yes"},
        {"name": "X-Id", "type": "RegularExpression", "value": r"u\..*"},
    ]
    assert held[3] == {
        "name": "beta",
        "matches": [{"path": {"type": "PathPrefix", "value": "/api"}, "headers": headers}],
        "filters": [],
        "backendRefs": [{"group": "", "kind": "Service", "name": "demo-canary", "port": 80}],
    }
    assert held[4]["name"] == "beta-1" and held[4]["matches"] == [{"headers": headers}]
    await router.set_weight(weight(routing, 50))
    assert weights(rules(fake_kube)[0]) == [("demo-stable", 50), ("demo-canary", 50)]
    assert "weight" not in rules(fake_kube)[3]["backendRefs"][0]
    assert await router.verify_weight(weight(routing, 50)) is True
    await router.set_route(header(routing, "beta"))
    assert [r.get("name") for r in rules(fake_kube)] == [None, None, None]
    await router.set_route(header(routing, "beta", ("X-Beta", "exact", "yes")))
    await router.remove_managed_routes(DEMO, typed(routing))
    assert len(rules(fake_kube)) == 3


async def test_routes_not_using_header_routes_and_mirrors_are_left_alone(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    routing = plugin(httpRoutes=[{"name": "web"}])
    await router.set_weight(weight(routing, 10))
    await router.set_route(header(routing, "beta", ("X-Beta", "exact", "yes")))
    mirror = {"name": "beta", "match": [{"method": {"exact": "GET"}}]}
    await router.set_route(
        ManagedRoute(DEMO, "beta", "mirror", route_spec("mirror", mirror), typed(routing))
    )
    assert len(rules(fake_kube)) == 3


async def test_missing_routes_and_backends_are_clear_errors(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    with pytest.raises(PortError, match=r"HTTPRoute default/web not found \(rollout default/demo"):
        await router.set_weight(weight(plugin(httpRoute="web"), 10))
    fake_kube.create(http_route("web", backends(("demo-stable", 100))))
    with pytest.raises(PortError, match="backendRef was not found in httpRoute"):
        await router.set_weight(weight(plugin(httpRoute="web"), 10))


async def test_a_conflict_is_retried_with_a_fresh_read(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    fault = fake_kube.fail_next(409, resource="httproutes")
    await router.set_weight(weight(plugin(httpRoute="web"), 20))
    assert fault.hits == 1
    assert weights(rules(fake_kube)[1]) == [("demo-stable", 80), ("demo-canary", 20)]
