"""KubernetesPlatform.switch_service, and rollouts whose objects live in a mapped namespace."""

from __future__ import annotations

import pytest
from kubernetes_asyncio.client import ApiClient

from adapters.kubernetes import MANAGED_BY, POD_TEMPLATE_HASH, ROLLOUT_REF, KubernetesPlatform
from rollouts.ports import PortError
from tests.integration.kubernetes.test_platform import DEMO, platform, spec, stored
from tests.support.kube import FakeKube
from tests.support.kube_objects import service

pytestmark = pytest.mark.integration
__all__ = ["platform"]


async def test_switch_service_points_the_selector_at_the_hash(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    fake_kube.create(service("demo-stable", selector={"app": "demo", "tier": "web"}))
    await platform.switch_service(DEMO, "demo-stable", "abc123")
    svc = fake_kube.get("services", "default", "demo-stable")
    assert svc is not None
    assert svc["spec"]["selector"] == {"app": "demo", "tier": "web", POD_TEMPLATE_HASH: "abc123"}
    assert svc["metadata"]["annotations"] == {MANAGED_BY: "demo"}
    await platform.switch_service(DEMO, "demo-stable", "abc123")
    await platform.switch_service(DEMO, "demo-stable", "def456")
    (_, second) = fake_kube.requests_for("patch", "services")
    assert second.body == {"spec": {"selector": {POD_TEMPLATE_HASH: "def456"}}}


async def test_switch_service_refuses_a_service_of_another_rollout_or_none(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    taken = service("shared")
    taken["metadata"]["annotations"] = {MANAGED_BY: "other"}
    fake_kube.create(taken)
    with pytest.raises(PortError, match='Service "shared" is managed by another Rollout'):
        await platform.switch_service(DEMO, "shared", "abc123")
    with pytest.raises(PortError, match="Service default/missing not found"):
        await platform.switch_service(DEMO, "missing", "abc123")
    assert fake_kube.requests_for("patch") == []


async def test_namespace_of_places_objects_and_remembers_the_rollout(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    platform = KubernetesPlatform(kube_client, namespace_of=lambda ref: f"ro-{ref.namespace}")
    fake_kube.create(service("demo-stable", namespace="ro-default"))
    await platform.scale(spec(1))
    await platform.switch_service(DEMO, "demo-stable", "abc123")
    rs = stored(fake_kube, namespace="ro-default")
    assert rs["metadata"]["annotations"][ROLLOUT_REF] == "default/demo"
    svc = fake_kube.get("services", "ro-default", "demo-stable")
    assert svc is not None and svc["spec"]["selector"][POD_TEMPLATE_HASH] == "abc123"
    await platform.delete(DEMO, "abc123")
    assert fake_kube.objects("replicasets") == []
