"""The traffic worker's route intents on the Kubernetes router: a setHeaderRoute step puts its
route in the VirtualService, and an abort takes it out and sends everything back to stable."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from adapters.runtime.projection import StateProjection
from adapters.traffic import KubernetesTrafficRouter
from adapters.workers.traffic import TrafficWorker
from events.base import Input
from events.memory import InMemoryEventStore
from tests.integration.traffic.objects import destination, virtual_service
from tests.support.kube import FakeKube
from tests.support.sim import Sim, istio_canary, rollout_manifest

pytestmark = pytest.mark.integration
STEPS = [
    {"setWeight": 10},
    {
        "setHeaderRoute": {
            "name": "beta",
            "match": [{"headerName": "X-Beta", "headerValue": {"exact": "1"}}],
        }
    },
    {"pause": {}},
]


def manifest(image: str) -> dict[str, object]:
    canary = istio_canary(STEPS, trafficRouting={"managedRoutes": [{"name": "beta"}]})
    return rollout_manifest("demo", image=image, replicas=2, canary=canary)


def http(kube: FakeKube) -> list[dict[str, Any]]:
    vs = kube.get("virtualservices", "default", "vs")
    assert vs is not None
    routes: list[dict[str, Any]] = vs["spec"]["http"]
    return routes


async def test_header_route_steps_and_abort(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    split = [destination("stable", 100), destination("canary", 0)]
    fake_kube.create(virtual_service("vs", http=[{"name": "primary", "route": split}]))
    sim = Sim()
    sim.deploy(manifest("demo:1"))
    sim.deploy(manifest("demo:2"))
    handled = len(sim.events)
    sim.command(inp.Abort)
    sim.platform()
    first, rest = sim.events[:handled], sim.events[handled:]
    store = InMemoryEventStore()
    await store.append("default", "demo", first, expected_version=0)
    projection = StateProjection(store)
    await projection.rebuild()
    published: list[Input] = []

    async def publish(namespace: str, name: str, item: Input) -> None:
        published.append(item)

    worker = TrafficWorker(projection, router, publish)
    for item in await store.load("default", "demo"):
        await worker.handle(item)
    assert [r["name"] for r in http(fake_kube)] == ["beta", "primary"]
    assert http(fake_kube)[0]["route"] == [{"destination": {"host": "canary"}, "weight": 100}]
    assert [d["weight"] for d in http(fake_kube)[1]["route"]] == [90, 10]
    assert ev.ManagedRoutesRemoved in [type(event) for event in rest]
    last = await store.append("default", "demo", rest, expected_version=handled)
    projection.record(("default", "demo"), rest, last)
    for item in (await store.load("default", "demo"))[handled:]:
        await worker.handle(item)
    assert [r["name"] for r in http(fake_kube)] == ["primary"]
    assert [d["weight"] for d in http(fake_kube)[0]["route"]] == [100, 0]
    await projection.close()
