"""The WorkloadScaler contract (workloadRef scaleDown), against the local twin and against the
Kubernetes scaler over real HTTP to the fake API server (a Deployment's /scale subresource)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from kubernetes_asyncio import client

from adapters.kubernetes.workloads import KubernetesWorkloadScaler
from adapters.local.workloads import LocalWorkloads
from rollouts.ports import PortError, RolloutRef, WorkloadScale, WorkloadScaler
from tests.support.kube import FakeKube, api_client_for, fake_kube

pytestmark = pytest.mark.integration
__all__ = ["fake_kube"]
NS = "default"


@dataclass
class ScalerUnderTest:
    port: WorkloadScaler
    replicas: Callable[[str], int | None]
    """The replicas the platform holds for Deployment `name` (None: no such object)."""


def request(name: str, replicas: int) -> WorkloadScale:
    return WorkloadScale(RolloutRef(NS, "rollout"), "Deployment", name, replicas)


def deployment(name: str, replicas: int) -> dict[str, object]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "web:1"}]},
            },
        },
    }


@pytest.fixture(params=["local", "kubernetes"])
async def scaler(
    request: pytest.FixtureRequest, fake_kube: FakeKube
) -> AsyncIterator[ScalerUnderTest]:
    if request.param == "local":
        twin = LocalWorkloads({(NS, "Deployment", name): 4 for name in ("web", "api")})
        yield ScalerUnderTest(twin, lambda name: twin.replicas.get((NS, "Deployment", name)))
        return
    kube = fake_kube
    for name in ("web", "api"):
        kube.create(deployment(name, 4))

    def held(name: str) -> int | None:
        found = kube.get("deployments", NS, name)
        return None if found is None else int(found["spec"]["replicas"])

    async with api_client_for(kube.url) as api:
        yield ScalerUnderTest(KubernetesWorkloadScaler(client.AppsV1Api(api)), held)


async def test_implements_the_port(scaler: ScalerUnderTest) -> None:
    assert isinstance(scaler.port, WorkloadScaler)


async def test_the_count_set_is_the_count_held(scaler: ScalerUnderTest) -> None:
    assert await scaler.port.scale_workload(request("web", 1)) is True
    assert scaler.replicas("web") == 1
    assert await scaler.port.scale_workload(request("web", 0)) is True
    assert scaler.replicas("web") == 0


async def test_the_same_count_again_changes_nothing(scaler: ScalerUnderTest) -> None:
    assert await scaler.port.scale_workload(request("web", 2)) is True
    assert await scaler.port.scale_workload(request("web", 2)) is False
    assert scaler.replicas("web") == 2


async def test_workloads_are_kept_apart(scaler: ScalerUnderTest) -> None:
    await scaler.port.scale_workload(request("web", 0))
    assert scaler.replicas("api") == 4


async def test_a_negative_count_is_refused(scaler: ScalerUnderTest) -> None:
    with pytest.raises(PortError, match="must not be negative"):
        await scaler.port.scale_workload(request("web", -1))
    assert scaler.replicas("web") == 4


async def test_a_missing_deployment_is_a_port_error(fake_kube: FakeKube) -> None:
    """On a cluster only: the local platform runs no Deployments, its twin records counts."""
    async with api_client_for(fake_kube.url) as api:
        port = KubernetesWorkloadScaler(client.AppsV1Api(api))
        with pytest.raises(PortError, match="Deployment default/gone not found"):
            await port.scale_workload(request("gone", 0))
