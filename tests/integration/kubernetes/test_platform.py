"""KubernetesPlatform's writes against the fake API: create, adopt, scale, delete, Services.

Its status watch is in test_platform_statuses.py; the shared port contract runs it too
(tests/contract/test_platform_local.py, id `kubernetes`).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

import pytest
from kubernetes_asyncio.client import ApiClient

from adapters.kubernetes import (
    DESIRED_REPLICAS,
    EPHEMERAL_METADATA,
    POD_TEMPLATE_HASH,
    REVISION,
    ROLLOUT_LABEL,
    KubernetesPlatform,
)
from rollouts.ports import PortError, ReplicaSetSpec, RolloutRef
from tests.support.kube import FakeKube, api_client_for
from tests.support.kube_objects import replica_set, rollout
from tests.support.kube_resources import ROLLOUTS

pytestmark = pytest.mark.integration
DEMO = RolloutRef("default", "demo")
LABELS = {"app": "demo"}


def spec(
    replicas: int = 2,
    pod_hash: str = "abc123",
    revision: int = 1,
    pod_labels: Mapping[str, str] | None = None,
    min_ready_seconds: int = 0,
) -> ReplicaSetSpec:
    template = {
        "metadata": {"labels": LABELS, "annotations": {"team": "a"}},
        "spec": {"containers": [{"name": "app", "image": "demo:2"}]},
    }
    return ReplicaSetSpec(
        DEMO, pod_hash, revision, replicas, template, min_ready_seconds, dict(pod_labels or {})
    )


@pytest.fixture
async def platform(kube_client: ApiClient) -> AsyncIterator[KubernetesPlatform]:
    yield KubernetesPlatform(kube_client, retry_delay=0.05)


def stored(fake: FakeKube, name: str = "demo-abc123", namespace: str = "default") -> Any:
    found = fake.get("replicasets", namespace, name)
    assert found is not None, f"no ReplicaSet {namespace}/{name}"
    return found


async def test_creates_the_replica_set_argo_would(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    owner = rollout("demo", replicas=5)
    expression = {"key": "tier", "operator": "NotIn", "values": ["db"]}
    owner["spec"]["selector"]["matchExpressions"] = [expression]
    uid = fake_kube.create(owner)["metadata"]["uid"]
    await platform.scale(spec(2, revision=4, pod_labels={"role": "canary"}, min_ready_seconds=7))
    rs = stored(fake_kube)
    hashed = {**LABELS, POD_TEMPLATE_HASH: "abc123"}
    assert rs["metadata"]["labels"] == {**hashed, ROLLOUT_LABEL: "demo"}
    assert rs["metadata"]["annotations"] == {
        REVISION: "4",
        DESIRED_REPLICAS: "5",
        EPHEMERAL_METADATA: '{"labels":{"role":"canary"}}',
    }
    assert rs["metadata"]["ownerReferences"] == [
        {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "demo", "uid": uid,
         "controller": True, "blockOwnerDeletion": True}
    ]  # fmt: skip
    assert rs["spec"]["selector"] == {"matchLabels": hashed, "matchExpressions": [expression]}
    assert rs["spec"]["template"]["metadata"]["labels"] == {**hashed, "role": "canary"}
    assert rs["spec"]["template"]["metadata"]["annotations"] == {"team": "a"}
    assert (rs["spec"]["replicas"], rs["spec"]["minReadySeconds"]) == (2, 7)


async def test_a_rollout_of_another_api_group_owns_its_replica_sets(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    """Run beside Argo Rollouts with the CRDs under another group (`--api-group`)."""
    fake_kube.register(replace(ROLLOUTS, group="rollouts.example.com"))
    owner = {**rollout("demo"), "apiVersion": "rollouts.example.com/v1alpha1"}
    uid = fake_kube.create(owner)["metadata"]["uid"]
    platform = KubernetesPlatform(kube_client, rollout_api=("rollouts.example.com", "v1alpha1"))
    await platform.scale(spec(1))
    (reference,) = stored(fake_kube)["metadata"]["ownerReferences"]
    assert (reference["apiVersion"], reference["uid"]) == ("rollouts.example.com/v1alpha1", uid)


async def test_without_a_rollout_object_the_replica_set_has_no_owner(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(1))
    rs = stored(fake_kube)
    assert "ownerReferences" not in rs["metadata"]
    assert rs["metadata"]["annotations"] == {REVISION: "1"}
    assert rs["spec"]["selector"] == {"matchLabels": {**LABELS, POD_TEMPLATE_HASH: "abc123"}}


async def test_adopts_an_orphan_of_the_same_revision(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    uid = fake_kube.create(rollout("demo"))["metadata"]["uid"]
    hashed = {**LABELS, POD_TEMPLATE_HASH: "abc123"}
    orphan = fake_kube.create(replica_set("demo-abc123", replicas=1, labels=hashed))
    await platform.scale(spec(3, revision=2))
    rs = stored(fake_kube)
    assert rs["metadata"]["uid"] == orphan["metadata"]["uid"]
    assert [ref["uid"] for ref in rs["metadata"]["ownerReferences"]] == [uid]
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["annotations"][REVISION] == "2"
    assert fake_kube.requests_for("create", "replicasets") == []
    adoptions = fake_kube.requests_for("patch", "replicasets")
    assert adoptions, "the orphan must be patched, not recreated"
    assert all(patch.body["metadata"]["resourceVersion"] for patch in adoptions), (
        "adopting extends ownerReferences: it must be conditional"
    )


@pytest.mark.parametrize(
    ("labels", "controller", "problem"),
    [
        ({"app": "demo", POD_TEMPLATE_HASH: "other"}, None, "label is 'other'"),
        ({"app": "demo"}, None, "label is None"),
        ({"app": "demo", POD_TEMPLATE_HASH: "abc123"}, ("Deployment", "web", "u1"), "Deployment"),
        ({"app": "demo", POD_TEMPLATE_HASH: "abc123"}, ("Rollout", "demo", "old"), "earlier"),
    ],
)
async def test_refuses_a_replica_set_that_is_not_this_revisions(
    platform: KubernetesPlatform,
    fake_kube: FakeKube,
    labels: dict[str, str],
    controller: tuple[str, str, str] | None,
    problem: str,
) -> None:
    fake_kube.create(rollout("demo"))
    squatter = replica_set("demo-abc123", labels=labels)
    if controller is not None:
        kind, name, uid = controller
        squatter["metadata"]["ownerReferences"] = [
            {"apiVersion": "x/v1", "kind": kind, "name": name, "uid": uid, "controller": True}
        ]
    fake_kube.create(squatter)
    with pytest.raises(PortError, match=problem):
        await platform.scale(spec(3))
    assert fake_kube.requests_for("patch") == fake_kube.requests_for("create") == []


async def test_a_repeated_scale_writes_nothing(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    fake_kube.create(rollout("demo"))
    await platform.scale(spec(2, pod_labels={"role": "stable"}))
    version = stored(fake_kube)["metadata"]["resourceVersion"]
    writes = len(fake_kube.requests_for("patch")) + len(fake_kube.requests_for("create"))
    await platform.scale(spec(2, pod_labels={"role": "stable"}))
    assert len(fake_kube.requests_for("patch")) + len(fake_kube.requests_for("create")) == writes
    assert stored(fake_kube)["metadata"]["resourceVersion"] == version


async def test_scale_patches_only_what_changed(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(2, revision=1))
    await platform.scale(spec(4, revision=3, min_ready_seconds=5))
    rs = stored(fake_kube)
    assert (rs["spec"]["replicas"], rs["spec"]["minReadySeconds"]) == (4, 5)
    assert rs["metadata"]["annotations"][REVISION] == "3"
    (patch,) = fake_kube.requests_for("patch", "replicasets")
    assert patch.content_type == "application/merge-patch+json"
    assert patch.body == {
        "metadata": {"annotations": {REVISION: "3"}},
        "spec": {"replicas": 4, "minReadySeconds": 5},
    }


async def test_ephemeral_labels_follow_the_role_on_template_and_pods(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(2, pod_labels={"role": "canary", "keep": "x"}))
    await fake_kube.wait_for(
        "replicasets", "default", "demo-abc123", lambda rs: len(fake_kube.objects("pods")) == 2
    )
    await platform.scale(spec(2, pod_labels={"keep": "x", "tier": "stable"}))
    rs = stored(fake_kube)
    wanted = {**LABELS, POD_TEMPLATE_HASH: "abc123", "keep": "x", "tier": "stable"}
    assert rs["spec"]["template"]["metadata"]["labels"] == wanted
    assert json.loads(rs["metadata"]["annotations"][EPHEMERAL_METADATA]) == {
        "labels": {"keep": "x", "tier": "stable"}
    }
    assert [pod["metadata"]["labels"] for pod in fake_kube.objects("pods")] == [wanted, wanted]
    await platform.scale(spec(2))
    rs = stored(fake_kube)
    assert EPHEMERAL_METADATA not in rs["metadata"]["annotations"]
    plain = {**LABELS, POD_TEMPLATE_HASH: "abc123"}
    assert [pod["metadata"]["labels"] for pod in fake_kube.objects("pods")] == [plain, plain]


async def test_conflicts_are_retried_with_a_fresh_read(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(1))
    reads = len(fake_kube.requests_for("get", "replicasets"))
    fault = fake_kube.fail_next(409, times=2, verbs={"patch"}, resource="replicasets")
    await platform.scale(spec(3))
    assert fault.hits == 2
    assert stored(fake_kube)["spec"]["replicas"] == 3
    assert len(fake_kube.requests_for("get", "replicasets")) == reads + 3


async def test_a_conflicting_create_is_retried_too(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    fake_kube.fail_next(409, verbs={"create"}, resource="replicasets")
    await platform.scale(spec(1))
    assert stored(fake_kube)["spec"]["replicas"] == 1


async def test_endless_conflicts_become_a_port_error(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(1))
    fake_kube.fail_next(409, times=100, verbs={"patch"})
    with pytest.raises(PortError, match="gave up after 5 conflicting writes"):
        await platform.scale(spec(3))


async def test_api_errors_are_one_readable_line(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    fake_kube.fail_next(500, verbs={"create"})
    with pytest.raises(PortError) as failed:
        await platform.scale(spec(1))
    message = str(failed.value)
    assert message.startswith("create ReplicaSet default/demo-abc123: 500 InternalError: ")
    assert "\n" not in message and len(message) < 400
    assert failed.value.__cause__ is None
    assert failed.value.__context__ is None or failed.value.__suppress_context__


async def test_a_forbidden_rollout_lookup_is_an_error_not_an_absence(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    fake_kube.fail_next(403, verbs={"get"}, resource="rollouts")
    with pytest.raises(PortError, match="read Rollout default/demo: 403 Forbidden"):
        await platform.scale(spec(1))
    assert fake_kube.get("replicasets", "default", "demo-abc123") is None


async def test_negative_replicas_are_refused_before_any_request(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    with pytest.raises(PortError, match="negative"):
        await platform.scale(spec(-1))
    assert fake_kube.requests == []


async def test_a_slow_api_times_out(kube_client: ApiClient, fake_kube: FakeKube) -> None:
    platform = KubernetesPlatform(kube_client, request_timeout=0.2)
    fake_kube.latency = 0.6
    started = time.monotonic()
    with pytest.raises(PortError, match="did not answer"):
        await platform.scale(spec(1))
    assert time.monotonic() - started < 0.6


async def test_an_unreachable_api_is_a_port_error() -> None:
    async with FakeKube() as fake:
        url = fake.url
    async with api_client_for(url) as api_client:
        with pytest.raises(PortError, match="did not answer"):
            await KubernetesPlatform(api_client).scale(spec(1))


async def test_delete_removes_the_replica_set_and_tolerates_its_absence(
    platform: KubernetesPlatform, fake_kube: FakeKube
) -> None:
    await platform.scale(spec(1))
    await platform.delete(DEMO, "abc123")
    assert fake_kube.get("replicasets", "default", "demo-abc123") is None
    (deleted,) = fake_kube.requests_for("delete", "replicasets")
    assert deleted.query["propagationPolicy"] == "Background"
    await platform.delete(DEMO, "abc123")
    fake_kube.fail_next(500, verbs={"delete"})
    with pytest.raises(PortError, match="delete ReplicaSet default/demo-abc123: 500"):
        await platform.delete(DEMO, "abc123")
