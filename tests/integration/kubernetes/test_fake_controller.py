"""The fake's ReplicaSet controller stand-in, and its fault injection."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client import ApiClient, ApiException

from tests.integration.kubernetes.conftest import Raw
from tests.support.kube import FakeKube
from tests.support.kube_objects import replica_set, service

pytestmark = pytest.mark.integration
RS = "/apis/apps/v1/namespaces/default/replicasets"


def counts(fake: FakeKube, name: str = "r") -> tuple[int, int, int]:
    status = (fake.get("replicasets", "default", name) or {}).get("status") or {}
    return (
        status.get("replicas", 0),
        status.get("readyReplicas", 0),
        status.get("availableReplicas", 0),
    )


async def until_counts(fake: FakeKube, wanted: tuple[int, int, int], name: str = "r") -> None:
    await fake.wait_for("replicasets", "default", name, lambda _: counts(fake, name) == wanted, 3)


async def test_pods_are_created_then_become_ready(fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r", replicas=3))
    await until_counts(fake_kube, (3, 0, 0))
    await until_counts(fake_kube, (3, 3, 3))
    pods = fake_kube.objects("pods")
    rs = fake_kube.get("replicasets", "default", "r")
    assert rs is not None and rs["status"]["observedGeneration"] == 1
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["labels"] == {"app": "r"}
        assert pod["metadata"]["name"].startswith("r-")
        (owner,) = pod["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["uid"], owner["controller"]) == (
            "ReplicaSet",
            rs["metadata"]["uid"],
            True,
        )
        assert pod["status"]["phase"] == "Running"


async def test_zero_counts_are_omitted_from_the_status(fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r", replicas=0))
    await fake_kube.wait_for("replicasets", "default", "r", lambda rs: "status" in (rs or {}))
    rs = fake_kube.get("replicasets", "default", "r")
    assert rs is not None and rs["status"] == {"replicas": 0, "observedGeneration": 1}


async def test_scaling_down_removes_pods_and_reports_the_new_generation(
    fake_kube: FakeKube,
) -> None:
    fake_kube.create(replica_set("r", replicas=3))
    await until_counts(fake_kube, (3, 3, 3))
    fake_kube.patch("replicasets", "default", "r", {"spec": {"replicas": 1}})
    await until_counts(fake_kube, (1, 1, 1))
    rs = fake_kube.get("replicasets", "default", "r")
    assert rs is not None and rs["status"]["observedGeneration"] == 2
    assert len(fake_kube.objects("pods")) == 1


async def test_ready_delay_and_min_ready_seconds() -> None:
    async with FakeKube(ready_delay=0.2, min_ready_scale=0.1) as fake:
        started = time.monotonic()
        fake.create(replica_set("r", replicas=2, min_ready_seconds=3))
        await until_counts(fake, (2, 2, 0))
        ready_after = time.monotonic() - started
        await until_counts(fake, (2, 2, 2))
        available_after = time.monotonic() - started
    assert 0.15 <= ready_after < 1.0
    assert 0.45 <= available_after < 1.5


async def test_hold_keeps_pods_not_ready_until_released(fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r", replicas=2))
    await until_counts(fake_kube, (2, 2, 2))
    fake_kube.replicasets.hold("default", "r")
    await until_counts(fake_kube, (2, 0, 0))
    fake_kube.patch("replicasets", "default", "r", {"spec": {"replicas": 3}})
    await until_counts(fake_kube, (3, 0, 0))
    await asyncio.sleep(0.2)
    assert counts(fake_kube) == (3, 0, 0)
    conditions = [pod["status"].get("conditions") for pod in fake_kube.objects("pods")]
    assert [{"type": "Ready", "status": "False"}] in conditions
    fake_kube.replicasets.release("default", "r")
    await until_counts(fake_kube, (3, 3, 3))


async def test_deleting_a_replica_set_deletes_its_pods(fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r", replicas=2))
    fake_kube.create(replica_set("other", replicas=1))
    await until_counts(fake_kube, (2, 2, 2))
    fake_kube.delete("replicasets", "default", "r")
    async with asyncio.timeout(3):
        while len(fake_kube.objects("pods")) != 1:
            await asyncio.sleep(0.01)
    assert fake_kube.objects("pods")[0]["metadata"]["name"].startswith("other-")


async def test_without_simulation_nobody_writes_the_status() -> None:
    async with FakeKube(simulate_replicasets=False) as fake:
        fake.create(replica_set("r", replicas=2))
        await asyncio.sleep(0.2)
        assert "status" not in (fake.get("replicasets", "default", "r") or {})
        assert fake.objects("pods") == []
        fake.replicasets.enabled = True
        await until_counts(fake, (2, 2, 2))


async def test_fail_next_fails_that_many_matching_writes(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    fake_kube.create(service("a"))
    fault = fake_kube.fail_next(409, times=2, resource="services", name="a")
    api = client.CoreV1Api(kube_client)
    patch: dict[str, Any] = {"metadata": {"labels": {"x": "y"}}}
    for _ in range(2):
        with pytest.raises(ApiException) as failed:
            await api.patch_namespaced_service("a", "default", patch)
        assert failed.value.status == 409 and "Conflict" in str(failed.value.body)
    await api.read_namespaced_service("a", "default")
    await api.patch_namespaced_service("a", "default", patch)
    assert (fault.hits, fault.remaining) == (2, 0)


async def test_faults_match_verbs_resources_and_subresources(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r"))
    fake_kube.fail_next(500, verbs={"patch"}, resource="replicasets.apps", subresource="scale")
    merge = "application/merge-patch+json"
    body = {"spec": {"replicas": 2}}
    assert (await raw.call("PATCH", f"{RS}/r", body, content_type=merge))[0] == 200
    status, error = await raw.call("PATCH", f"{RS}/r/scale", body, content_type=merge)
    assert (status, error["reason"]) == (500, "InternalError")
    assert (await raw.call("PATCH", f"{RS}/r/scale", body, content_type=merge))[0] == 200
    fake_kube.fail_next(503, verbs={"watch", "list"}, resource="replicasets")
    assert (await raw.call("GET", RS))[0] == 503


async def test_latency_and_slowness(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.slow(0.3, verbs={"list"}, resource="services")
    started = time.monotonic()
    await raw.call("GET", RS)
    fast = time.monotonic() - started
    await raw.call("GET", "/api/v1/namespaces/default/services")
    slow = time.monotonic() - started - fast
    assert slow >= 0.3 and fast < slow - 0.15
    fake_kube.latency = 0.2
    started = time.monotonic()
    await raw.call("GET", RS)
    assert time.monotonic() - started >= 0.2


async def test_the_request_log_says_what_was_asked(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r"))
    merge = "application/merge-patch+json"
    await raw.call("PATCH", f"{RS}/r/scale", {"spec": {"replicas": 2}}, content_type=merge)
    await raw.call("GET", RS, labelSelector="app=r")
    (scale,) = fake_kube.requests_for("patch", "replicasets", subresource="scale")
    assert (scale.content_type, scale.body) == (merge, {"spec": {"replicas": 2}})
    (listed,) = fake_kube.requests_for("list")
    assert listed.query == {"labelSelector": "app=r"}
    assert fake_kube.requests_for("patch", subresource=None) == []


async def test_the_server_restarts_with_its_objects(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(service("a"))
    await fake_kube.stop()
    assert fake_kube.open_watches == 0
    await fake_kube.start()
    assert (await raw.call("GET", "/api/v1/namespaces/default/services/a"))[0] == 200
