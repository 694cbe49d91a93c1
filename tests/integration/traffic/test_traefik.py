"""Traefik: the canary and stable weights of a weighted TraefikService, nothing else touched."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from adapters.kubernetes.errors import KubernetesError
from adapters.traffic import KubernetesTrafficRouter
from rollouts.ports import PortError
from tests.integration.traffic.objects import Obj, weight
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration

TRAEFIK: Obj = {"traefik": {"weightedTraefikServiceName": "demo-weighted"}}
IO = "traefik.io/v1alpha1"
CONTAINOUS = "traefik.containo.us/v1alpha1"


def traefik_service(*services: tuple[str, int], api_version: str = IO, **extra: Any) -> Obj:
    listed = [{"name": name, "port": 80, "weight": w, **extra} for name, w in services]
    return {
        "apiVersion": api_version,
        "kind": "TraefikService",
        "metadata": {"name": "demo-weighted", "namespace": "default"},
        "spec": {"weighted": {"services": listed, "sticky": {"cookie": {"name": "lb"}}}},
    }


def held(kube: FakeKube, api_version: str = IO) -> Obj:
    found = kube.get(f"{api_version}/traefikservices", "default", "demo-weighted")
    assert found is not None
    return found


def weights(kube: FakeKube, api_version: str = IO) -> list[tuple[str, int]]:
    return [
        (s["name"], s["weight"]) for s in held(kube, api_version)["spec"]["weighted"]["services"]
    ]


async def test_weights_follow_and_the_rest_is_kept(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    fake_kube.create(traefik_service(("demo-stable", 100), ("demo-canary", 0), ("mirror", 7)))
    assert await router.verify_weight(weight(TRAEFIK, 10)) is False
    assert await router.read_weight(weight(TRAEFIK, 10)) == 0
    await router.set_weight(weight(TRAEFIK, 10))
    assert weights(fake_kube) == [("demo-stable", 90), ("demo-canary", 10), ("mirror", 7)]
    spec = held(fake_kube)["spec"]["weighted"]
    assert spec["sticky"] == {"cookie": {"name": "lb"}}
    assert all(s["port"] == 80 for s in spec["services"])
    assert await router.verify_weight(weight(TRAEFIK, 10)) is True
    assert await router.read_weight(weight(TRAEFIK, 10)) == 10
    await router.set_weight(weight(TRAEFIK, 0))
    assert weights(fake_kube)[:2] == [("demo-stable", 100), ("demo-canary", 0)]
    assert await router.verify_weight(weight(TRAEFIK, 10)) is False


async def test_the_older_api_group_is_a_controller_setting(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    fake_kube.create(
        traefik_service(("demo-stable", 100), ("demo-canary", 0), api_version=CONTAINOUS)
    )
    router = KubernetesTrafficRouter(kube_client, traefik_api_version=CONTAINOUS)
    await router.set_weight(weight(TRAEFIK, 45))
    assert weights(fake_kube, CONTAINOUS) == [("demo-stable", 55), ("demo-canary", 45)]
    with pytest.raises(PortError, match=r"unsupported Traefik API version `traefik\.io/v2`"):
        KubernetesTrafficRouter(kube_client, traefik_api_version="traefik.io/v2")


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (None, "TraefikService default/demo-weighted not found"),
        (traefik_service(("demo-stable", 100)), "traefik canary service was not found"),
        (traefik_service(("demo-canary", 0)), "traefik stable service was not found"),
        (
            {**traefik_service(), "spec": {"mirroring": {"name": "x"}}},
            "spec.weighted.services was not found in traefik service manifest",
        ),
    ],
)
async def test_argos_errors_for_a_missing_object_or_service(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, obj: Obj | None, message: str
) -> None:
    if obj is not None:
        fake_kube.create(obj)
    with pytest.raises(PortError, match=message):
        await router.set_weight(weight(TRAEFIK, 10))
    assert await router.read_weight(weight(TRAEFIK, 10)) in (None, 0)


async def test_a_conflicting_writer_makes_it_read_again(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    fake_kube.create(traefik_service(("demo-stable", 100), ("demo-canary", 0)))
    fake_kube.faults.fail_next(409, 2, verbs=["update"], resource="traefikservices.traefik.io")
    await router.set_weight(weight(TRAEFIK, 20))
    assert weights(fake_kube) == [("demo-stable", 80), ("demo-canary", 20)]
    fake_kube.faults.fail_next(409, 5, verbs=["update"], resource="traefikservices.traefik.io")
    with pytest.raises(KubernetesError, match="gave up after 3 conflicting writes"):
        await router.set_weight(weight(TRAEFIK, 30))
