"""End to end through the Kubernetes composition: a Rollout routed by ALB or by Traefik.

The controller runs as deployed (`create_kubernetes_app` picks the real Kubernetes traffic
router, nothing injected); a new image walks the steps with `kubectl argo rollouts promote`,
and the router's object follows each setWeight: the Ingress's `actions.<stable>` annotation
(ALB) or the TraefikService's weights (Traefik). An abort puts the canary back to 0.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.workers.kubernetes_root import TRAEFIK_API_VERSION_ENV
from tests.integration.kubernetes_controller.harness import System, status
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration
Obj = dict[str, Any]
NS, NAME = "production", "web"  # the harness waits in its namespace
V2 = "registry.example.com/web:2.0.0"
ALB_KEY = "alb.ingress.kubernetes.io/actions.web-stable"


def service(name: str) -> Obj:
    spec = {"selector": {"app": NAME}, "ports": [{"port": 80, "targetPort": 8080}]}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def rollout(routing: Obj) -> Obj:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
    canary = {
        "canaryService": "web-canary",
        "stableService": "web-stable",
        "trafficRouting": routing,
        "steps": steps,
    }
    container = {"name": NAME, "image": "registry.example.com/web:1.0.0"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "namespace": NS},
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {
                "metadata": {"labels": {"app": NAME}},
                "spec": {"containers": [container]},
            },
            "strategy": {"canary": canary},
        },
    }


def alb_ingress() -> Obj:
    backend = {"service": {"name": "web-stable", "port": {"name": "use-annotation"}}}
    path = {"path": "/", "pathType": "Prefix", "backend": backend}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "annotations": {"kubernetes.io/ingress.class": "alb"}},
        "spec": {"rules": [{"http": {"paths": [path]}}]},
    }


def traefik_service(api_version: str = "traefik.io/v1alpha1") -> Obj:
    services = [
        {"name": "web-stable", "port": 80, "weight": 100},
        {"name": "web-canary", "port": 80, "weight": 0},
    ]
    return {
        "apiVersion": api_version,
        "kind": "TraefikService",
        "metadata": {"name": "web-weighted"},
        "spec": {"weighted": {"services": services}},
    }


def alb_weights(kube: FakeKube) -> tuple[int, int] | None:
    found = kube.get("ingresses", NS, "web") or {}
    action = (found.get("metadata") or {}).get("annotations", {}).get(ALB_KEY)
    if action is None:
        return None
    groups = json.loads(action)["ForwardConfig"]["TargetGroups"]
    assert [g["ServiceName"] for g in groups] == ["web-canary", "web-stable"]
    assert {g["ServicePort"] for g in groups} == {"80"}
    return groups[0]["Weight"], groups[1]["Weight"]


def traefik_weights(api_version: str) -> Callable[[FakeKube], tuple[int, int] | None]:
    def read(kube: FakeKube) -> tuple[int, int] | None:
        found = kube.get(f"{api_version}/traefikservices", NS, "web-weighted") or {}
        listed = {s["name"]: s["weight"] for s in found["spec"]["weighted"]["services"]}
        return listed["web-canary"], listed["web-stable"]

    return read


@dataclass(frozen=True)
class Router:
    routing: Obj
    seed: Callable[[], Obj]
    weights: Callable[[FakeKube], tuple[int, int] | None]
    traefik_api_version: str = ""
    """ROLLOUTS_TRAEFIK_API_VERSION for the controller (empty: not set)."""


TRAEFIK = {"traefik": {"weightedTraefikServiceName": "web-weighted"}}
CONTAINOUS = "traefik.containo.us/v1alpha1"
ROUTERS = {
    "alb": Router({"alb": {"ingress": "web", "servicePort": 80}}, alb_ingress, alb_weights),
    "traefik": Router(TRAEFIK, traefik_service, traefik_weights("traefik.io/v1alpha1")),
    "traefik-containo-us": Router(
        TRAEFIK, lambda: traefik_service(CONTAINOUS), traefik_weights(CONTAINOUS), CONTAINOUS
    ),
}


async def real_router_system(system: System) -> System:
    """The system restarted with the router `create_kubernetes_app` picks itself."""
    await system.stop()
    system.router = None  # type: ignore[assignment]
    await system.start()
    return system


async def held(system: System, router: Router, weights: tuple[int, int]) -> None:
    def holds(obj: Obj) -> bool:
        canary = (status(obj).get("canary") or {}).get("weights") or {}
        return (canary.get("canary") or {}).get("weight") == weights[0]

    await system.wait(holds, NAME)
    async with asyncio.timeout(10):
        while router.weights(system.kube) != weights:
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("name", sorted(ROUTERS))
async def test_weights_follow_the_steps_and_abort_puts_them_back(
    system: System, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    router = ROUTERS[name]
    if router.traefik_api_version:
        monkeypatch.setenv(TRAEFIK_API_VERSION_ENV, router.traefik_api_version)
    await real_router_system(system)
    kube = system.kube
    for obj in (service("web-stable"), service("web-canary"), router.seed()):
        obj["metadata"]["namespace"] = NS
        kube.create(obj)
    kube.create(rollout(router.routing))
    await system.wait(lambda o: status(o).get("phase") == "Healthy", NAME)
    await system.plugin.set_image(NS, NAME, NAME, V2)
    await system.wait(lambda o: status(o).get("phase") == "Paused", NAME)
    await held(system, router, (20, 80))
    await system.plugin.promote(NS, NAME)
    await system.wait(lambda o: status(o).get("currentStepIndex") == 3, NAME)
    await held(system, router, (50, 50))
    await system.plugin.abort(NS, NAME)
    await system.wait(lambda o: status(o).get("phase") == "Degraded", NAME)
    await held(system, router, (0, 100))


async def annotation(kube: FakeKube, key: str, *, present: bool) -> str | None:
    """The web Ingress's annotation `key` once it is there (or gone), within 10 s."""
    async with asyncio.timeout(10):
        while (key in web_ingress(kube)["metadata"]["annotations"]) != present:
            await asyncio.sleep(0.05)
    found: str | None = web_ingress(kube)["metadata"]["annotations"].get(key)
    return found


def web_ingress(kube: FakeKube) -> Obj:
    found = kube.get("ingresses", NS, "web")
    assert found is not None
    return found


async def test_an_alb_header_route_comes_and_goes_with_the_canary(system: System) -> None:
    """setHeaderRoute writes the route's action, condition and path; an abort removes them."""
    await real_router_system(system)
    kube = system.kube
    for obj in (service("web-stable"), service("web-canary"), alb_ingress()):
        obj["metadata"]["namespace"] = NS
        kube.create(obj)
    routing = {**ROUTERS["alb"].routing, "managedRoutes": [{"name": "beta"}]}
    manifest = rollout(routing)
    match = {"headerName": "X-Beta", "headerValue": {"exact": "yes"}}
    manifest["spec"]["strategy"]["canary"]["steps"] = [
        {"setWeight": 20},
        {"setHeaderRoute": {"name": "beta", "match": [match]}},
        {"pause": {}},
    ]
    kube.create(manifest)
    await system.wait(lambda o: status(o).get("phase") == "Healthy", NAME)
    await system.plugin.set_image(NS, NAME, NAME, V2)
    await system.wait(lambda o: status(o).get("phase") == "Paused", NAME)
    await held(system, ROUTERS["alb"], (20, 80))
    condition = "alb.ingress.kubernetes.io/conditions.beta"
    # The route step is an intent the traffic worker carries out: the controller does not wait
    # for it (unlike a setWeight, which it verifies), so the annotation may come just after.
    value = await annotation(kube, condition, present=True)
    assert json.loads(value or "")[0]["httpHeaderConfig"] == {
        "httpHeaderName": "X-Beta",
        "values": ["yes"],
    }
    await system.plugin.abort(NS, NAME)
    await system.wait(lambda o: status(o).get("phase") == "Degraded", NAME)
    await held(system, ROUTERS["alb"], (0, 100))
    await annotation(kube, condition, present=False)
    paths = web_ingress(kube)["spec"]["rules"][0]["http"]["paths"]
    assert [p["backend"]["service"]["name"] for p in paths] == ["web-stable"]
