"""The fake Kubernetes API server: PUT, the PATCH flavours, /status, /scale and DELETE."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client import ApiClient, ApiException

from tests.integration.kubernetes.conftest import Raw
from tests.support.kube import FakeKube
from tests.support.kube_objects import replica_set, rollout, service

pytestmark = pytest.mark.integration
RS = "/apis/apps/v1/namespaces/default/replicasets"
ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts"
SERVICES = "/api/v1/namespaces/default/services"
MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


@pytest.fixture(autouse=True)
def _no_controller(fake_kube: FakeKube) -> None:
    """Statuses here are written by the tests alone."""
    fake_kube.replicasets.enabled = False


async def test_put_replaces_the_object_and_bumps_the_version(raw: Raw, fake_kube: FakeKube) -> None:
    created = fake_kube.create(replica_set("r"))
    created["spec"]["replicas"] = 4
    created["metadata"]["labels"]["app"] = "r"
    status, updated = await raw.call("PUT", f"{RS}/r", created)
    assert status == 200
    assert updated["spec"]["replicas"] == 4
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert updated["metadata"]["generation"] == 2


async def test_put_with_a_stale_version_is_409_conflict(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    stale = fake_kube.create(service("a"))
    fake_kube.patch("services", "default", "a", {"metadata": {"labels": {"x": "1"}}})
    api: Any = client.CoreV1Api(kube_client)
    with pytest.raises(ApiException) as conflict:
        await api.replace_namespaced_service("a", "default", stale)
    assert conflict.value.status == 409
    assert "the object has been modified" in str(conflict.value.body)
    assert '"reason": "Conflict"' in str(conflict.value.body).replace('":"', '": "')


async def test_put_of_a_built_in_kind_may_omit_the_version_a_custom_one_may_not(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create(service("a"))
    fake_kube.create(rollout("r"))
    unconditional = service("a")
    assert (await raw.call("PUT", f"{SERVICES}/a", unconditional))[0] == 200
    status, error = await raw.call("PUT", f"{ROLLOUTS}/r", rollout("r", replicas=5))
    assert (status, error["reason"]) == (422, "Invalid")


async def test_put_of_a_missing_object_is_404_and_of_a_renamed_one_400(
    raw: Raw, fake_kube: FakeKube
) -> None:
    assert (await raw.call("PUT", f"{SERVICES}/nope", service("nope")))[0] == 404
    fake_kube.create(service("a"))
    assert (await raw.call("PUT", f"{SERVICES}/a", service("b")))[0] == 400


@pytest.mark.parametrize("content_type", [MERGE, STRATEGIC])
async def test_merge_patches_merge_maps_and_null_deletes(
    raw: Raw, fake_kube: FakeKube, content_type: str
) -> None:
    fake_kube.create(service("a", selector={"app": "demo", "old": "x"}))
    patch = {"spec": {"selector": {"old": None, "rollouts-pod-template-hash": "abc"}}}
    status, patched = await raw.call("PATCH", f"{SERVICES}/a", patch, content_type=content_type)
    assert status == 200
    assert patched["spec"]["selector"] == {"app": "demo", "rollouts-pod-template-hash": "abc"}
    assert patched["spec"]["ports"] == [{"port": 80}]


async def test_json_patch_operations(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(service("a"))
    operations = [
        {"op": "test", "path": "/spec/selector/app", "value": "demo"},
        {"op": "add", "path": "/metadata/labels", "value": {"a~b/c": "1"}},
        {"op": "replace", "path": "/spec/ports/0/port", "value": 8080},
        {"op": "add", "path": "/spec/ports/-", "value": {"port": 9090}},
        {"op": "copy", "from": "/spec/selector/app", "path": "/metadata/annotations"},
        {"op": "move", "from": "/metadata/annotations", "path": "/spec/selector/copied"},
        {"op": "remove", "path": "/spec/selector/app"},
    ]
    status, patched = await raw.call("PATCH", f"{SERVICES}/a", operations, content_type=JSON_PATCH)
    assert status == 200, patched
    assert patched["metadata"]["labels"] == {"a~b/c": "1"}
    assert patched["spec"]["ports"] == [{"port": 8080}, {"port": 9090}]
    assert patched["spec"]["selector"] == {"copied": "demo"}


async def test_a_failed_json_patch_test_changes_nothing(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(service("a"))
    operations = [
        {"op": "replace", "path": "/spec/selector/app", "value": "x"},
        {"op": "test", "path": "/spec/selector/app", "value": "demo"},
    ]
    status, error = await raw.call("PATCH", f"{SERVICES}/a", operations, content_type=JSON_PATCH)
    assert (status, error["reason"]) == (422, "Invalid")
    assert fake_kube.get("services", "default", "a")["spec"]["selector"] == {"app": "demo"}  # type: ignore[index]


async def test_a_patch_carrying_a_stale_version_is_409(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(service("a"))
    fake_kube.patch("services", "default", "a", {"metadata": {"labels": {"x": "1"}}})
    patch = {"metadata": {"resourceVersion": "1", "labels": {"y": "2"}}}
    status, error = await raw.call("PATCH", f"{SERVICES}/a", patch, content_type=MERGE)
    assert (status, error["reason"]) == (409, "Conflict")


async def test_server_side_apply_creates_then_merges(raw: Raw, fake_kube: FakeKube) -> None:
    apply = "application/apply-patch+yaml"
    status, error = await raw.call("PATCH", f"{SERVICES}/a", service("a"), content_type=apply)
    assert (status, error["reason"]) == (400, "BadRequest"), "fieldManager is required"
    status, created = await raw.call(
        "PATCH", f"{SERVICES}/a", service("a"), content_type=apply, fieldManager="me"
    )
    assert status == 201 and created["metadata"]["uid"]
    labelled = {**service("a"), "metadata": {"name": "a", "labels": {"x": "1"}}}
    status, patched = await raw.call(
        "PATCH", f"{SERVICES}/a", labelled, content_type=apply, fieldManager="me"
    )
    assert status == 200 and patched["metadata"]["labels"] == {"x": "1"}
    status, _ = await raw.call("PATCH", f"{SERVICES}/a", [], content_type="text/plain")
    assert status == 415


async def test_main_resource_writes_ignore_status(raw: Raw, fake_kube: FakeKube) -> None:
    status, created = await raw.call("POST", ROLLOUTS, {**rollout("r"), "status": {"phase": "X"}})
    assert status == 201 and "status" not in created
    fake_kube.set_status("rollouts", "default", "r", {"phase": "Healthy"})
    patch = {"spec": {"replicas": 7}, "status": {"phase": "Degraded"}}
    _, patched = await raw.call("PATCH", f"{ROLLOUTS}/r", patch, content_type=MERGE)
    assert patched["status"] == {"phase": "Healthy"}
    assert patched["spec"]["replicas"] == 7


async def test_status_writes_change_only_status_and_not_the_generation(
    raw: Raw, fake_kube: FakeKube
) -> None:
    created = fake_kube.create(rollout("r"))
    patch = {"spec": {"replicas": 9}, "status": {"phase": "Paused", "HPAReplicas": 2}}
    _, patched = await raw.call("PATCH", f"{ROLLOUTS}/r/status", patch, content_type=MERGE)
    assert patched["status"] == {"phase": "Paused", "HPAReplicas": 2}
    assert patched["spec"]["replicas"] == 3
    assert patched["metadata"]["generation"] == created["metadata"]["generation"]
    assert patched["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]
    body = {**patched, "status": {"phase": "Healthy"}}
    status, replaced = await raw.call("PUT", f"{ROLLOUTS}/r/status", body)
    assert (status, replaced["status"]) == (200, {"phase": "Healthy"})
    stale = {**created, "status": {"phase": "Degraded"}}
    assert (await raw.call("PUT", f"{ROLLOUTS}/r/status", stale))[0] == 409


async def test_generated_client_status_calls(kube_client: ApiClient, fake_kube: FakeKube) -> None:
    fake_kube.create(rollout("r"))
    api: Any = client.CustomObjectsApi(kube_client)
    patched = await api.patch_namespaced_custom_object_status(
        "argoproj.io", "v1alpha1", "default", "rollouts", "r", {"status": {"phase": "Healthy"}},
        _content_type=MERGE,
    )  # fmt: skip
    assert patched["status"] == {"phase": "Healthy"}


async def test_a_kind_without_status_has_no_status_subresource(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}})
    path = "/api/v1/namespaces/default/secrets/s/status"
    assert (await raw.call("PATCH", path, {"status": {}}, content_type=MERGE))[0] == 404


async def test_replica_set_scale_subresource(kube_client: ApiClient, fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r", replicas=2))
    fake_kube.set_status("replicasets", "default", "r", {"replicas": 2})
    apps = client.AppsV1Api(kube_client)
    scale = await apps.read_namespaced_replica_set_scale("r", "default")
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (2, 2, "app=r")
    await apps.patch_namespaced_replica_set_scale("r", "default", {"spec": {"replicas": 5}})
    stored = fake_kube.get("replicasets", "default", "r")
    assert stored is not None and stored["spec"]["replicas"] == 5
    assert stored["status"] == {"replicas": 2}


async def test_scale_writes_are_conditional_on_the_version(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r", replicas=2))
    _, scale = await raw.call("GET", f"{RS}/r/scale")
    fake_kube.patch("replicasets", "default", "r", {"metadata": {"labels": {"app": "r", "x": "y"}}})
    scale["spec"]["replicas"] = 3
    assert (await raw.call("PUT", f"{RS}/r/scale", scale))[0] == 409
    del scale["metadata"]["resourceVersion"]
    status, updated = await raw.call("PUT", f"{RS}/r/scale", scale)
    assert (status, updated["spec"]["replicas"], updated["kind"]) == (200, 3, "Scale")


async def test_rollout_scale_reads_hpa_replicas_and_the_published_selector(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create(rollout("r", replicas=4))
    fake_kube.set_status("rollouts", "default", "r", {"HPAReplicas": 3, "selector": "app=r"})
    _, scale = await raw.call("GET", f"{ROLLOUTS}/r/scale")
    assert (scale["spec"], scale["status"]) == (
        {"replicas": 4},
        {"replicas": 3, "selector": "app=r"},
    )
    body: Any = {"spec": {"replicas": 6}}
    await raw.call("PATCH", f"{ROLLOUTS}/r/scale", body, content_type=MERGE)
    assert fake_kube.get("rollouts", "default", "r")["spec"]["replicas"] == 6  # type: ignore[index]


async def test_negative_scale_is_refused(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(replica_set("r"))
    patch = {"spec": {"replicas": -1}}
    assert (await raw.call("PATCH", f"{RS}/r/scale", patch, content_type=MERGE))[0] == 422
    assert (await raw.call("GET", f"{SERVICES}/x/scale"))[0] == 404


async def test_delete_answers_a_status_for_built_in_kinds_and_the_object_for_custom_ones(
    raw: Raw, fake_kube: FakeKube
) -> None:
    created = fake_kube.create(replica_set("r"))
    fake_kube.create(rollout("ro"))
    _, answer = await raw.call("DELETE", f"{RS}/r")
    assert answer["kind"] == "Status" and answer["status"] == "Success"
    assert answer["details"]["uid"] == created["metadata"]["uid"]
    _, gone = await raw.call("DELETE", f"{ROLLOUTS}/ro")
    assert gone["kind"] == "Rollout" and gone["metadata"]["name"] == "ro"
    assert (await raw.call("DELETE", f"{RS}/r"))[0] == 404


async def test_delete_honours_preconditions(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(service("a"))
    options = {"kind": "DeleteOptions", "preconditions": {"resourceVersion": "999"}}
    assert (await raw.call("DELETE", f"{SERVICES}/a", options))[0] == 409
    options["preconditions"] = {"resourceVersion": "1"}
    assert (await raw.call("DELETE", f"{SERVICES}/a", options))[0] == 200


async def test_deleting_an_owner_leaves_its_dependents(raw: Raw, fake_kube: FakeKube) -> None:
    owner = fake_kube.create(rollout("ro"))
    reference = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "ro",
                 "uid": owner["metadata"]["uid"], "controller": True}  # fmt: skip
    owned = replica_set("ro-abc")
    owned["metadata"]["ownerReferences"] = [reference]
    fake_kube.create(owned)
    await raw.call("DELETE", f"{ROLLOUTS}/ro")
    remaining = fake_kube.get("replicasets", "default", "ro-abc")
    assert remaining is not None and remaining["metadata"]["ownerReferences"] == [reference]


async def test_delete_collection_by_selector(raw: Raw, fake_kube: FakeKube) -> None:
    for name in ("a", "b"):
        fake_kube.create(
            replica_set(name, labels={"app": name, "rollouts-pod-template-hash": name})
        )
    fake_kube.create(replica_set("c"))
    status, _ = await raw.call("DELETE", RS, labelSelector="rollouts-pod-template-hash")
    assert status == 200
    assert [rs["metadata"]["name"] for rs in fake_kube.objects("replicasets")] == ["c"]


async def test_dry_run_answers_and_keeps_nothing(raw: Raw, fake_kube: FakeKube) -> None:
    version = fake_kube.resource_version
    status, created = await raw.call("POST", SERVICES, service("a"), dryRun="All")
    assert status == 201 and created["metadata"]["name"] == "a"
    assert fake_kube.objects("services") == [] and fake_kube.resource_version == version
    fake_kube.create(service("a"))
    patch = {"metadata": {"labels": {"x": "1"}}}
    status, patched = await raw.call(
        "PATCH", f"{SERVICES}/a", patch, content_type=MERGE, dryRun="All"
    )
    assert status == 200 and patched["metadata"]["labels"] == {"x": "1"}
    assert "labels" not in fake_kube.get("services", "default", "a")["metadata"]  # type: ignore[index]
    assert (await raw.call("DELETE", f"{SERVICES}/a", dryRun="All"))[0] == 200
    assert fake_kube.get("services", "default", "a") is not None
    status, _ = await raw.call("POST", SERVICES, service("b"), dryRun="Some")
    assert status == 400
