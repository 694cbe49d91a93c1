"""Drift through the ALB and Traefik routers: the traffic worker finds a hand-edited annotation or
TraefikService weight (by reading it back), puts it right and reports what it found."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import events.inputs as inp
import events.models as ev
from adapters.runtime.projection import StateProjection
from adapters.traffic import KubernetesTrafficRouter
from adapters.workers.traffic import TrafficWorker
from events.base import Input
from events.memory import InMemoryEventStore
from rollouts.ports import RolloutRef
from tests.integration.traffic.objects import Obj, ingress, ingress_rule
from tests.support.kube import FakeKube
from tests.support.sim import Sim

pytestmark = pytest.mark.integration
WEB = RolloutRef("default", "web")
ALB_KEY = "alb.ingress.kubernetes.io/actions.web-stable"
TRAEFIK = "traefik.io/v1alpha1/traefikservices"


def manifest(routing: Obj, image: str = "web:1") -> Obj:
    container = {"name": "web", "image": image}
    canary = {
        "canaryService": "web-canary",
        "stableService": "web-stable",
        "trafficRouting": routing,
        "steps": [{"setWeight": 20}, {"pause": {}}],
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [container]},
            },
            "strategy": {"canary": canary},
        },
    }


def alb_canary(kube: FakeKube) -> int:
    found = kube.get("ingresses", "default", "web")
    assert found is not None
    groups = json.loads(found["metadata"]["annotations"][ALB_KEY])["ForwardConfig"]["TargetGroups"]
    return int(groups[0]["Weight"])


def alb_edit(kube: FakeKube) -> None:
    groups = [
        {"ServiceName": "web-canary", "Weight": 0},
        {"ServiceName": "web-stable", "Weight": 100},
    ]
    action = json.dumps({"Type": "forward", "ForwardConfig": {"TargetGroups": groups}})
    kube.patch("ingresses", "default", "web", {"metadata": {"annotations": {ALB_KEY: action}}})


def traefik_canary(kube: FakeKube) -> int:
    found = kube.get(TRAEFIK, "default", "web-weighted")
    assert found is not None
    listed = {s["name"]: s["weight"] for s in found["spec"]["weighted"]["services"]}
    return int(listed["web-canary"])


def traefik_edit(kube: FakeKube) -> None:
    services = [{"name": "web-stable", "weight": 100}, {"name": "web-canary", "weight": 0}]
    kube.patch(TRAEFIK, "default", "web-weighted", {"spec": {"weighted": {"services": services}}})


def seed_alb(kube: FakeKube) -> None:
    kube.create(ingress("web", ingress_rule("web.example", ("/", "web-stable"))))


def seed_traefik(kube: FakeKube) -> None:
    kube.create({
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": "web-weighted", "namespace": "default"},
        "spec": {"weighted": {"services": []}},
    })  # fmt: skip
    traefik_edit(kube)


@dataclass(frozen=True)
class Case:
    routing: Obj
    seed: Callable[[FakeKube], None]
    canary: Callable[[FakeKube], int]
    edit: Callable[[FakeKube], None]


CASES = {
    "alb": Case({"alb": {"ingress": "web", "servicePort": 80}}, seed_alb, alb_canary, alb_edit),
    "traefik": Case(
        {"traefik": {"weightedTraefikServiceName": "web-weighted"}},
        seed_traefik,
        traefik_canary,
        traefik_edit,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_hand_edit_is_found_put_right_and_reported(
    fake_kube: FakeKube, router: KubernetesTrafficRouter, name: str
) -> None:
    case = CASES[name]
    case.seed(fake_kube)
    sim = Sim(name="web", namespace="default")
    sim.deploy(manifest(case.routing))
    sim.deploy(manifest(case.routing, "web:2"))
    assert sim.weight == 20
    store = InMemoryEventStore()
    await store.append("default", "web", sim.events, expected_version=0)
    projection = StateProjection(store)
    await projection.rebuild()
    published: list[Input] = []

    async def publish(namespace: str, rollout: str, item: Input) -> None:
        published.append(item)

    worker = TrafficWorker(projection, router, publish)
    try:
        for stored in await store.load("default", "web"):
            if isinstance(stored.event, ev.TrafficWeightRequested):
                await worker.handle(stored)
        assert case.canary(fake_kube) == 20
        assert await worker.check_drift(WEB) is None
        case.edit(fake_kube)
        observed = await worker.check_drift(WEB)
    finally:
        await projection.close()
    assert isinstance(observed, inp.TrafficDriftObserved)
    assert (observed.expected_canary_weight, observed.found_canary_weight) == (20, 0)
    assert published[-1] == observed
    assert case.canary(fake_kube) == 20
