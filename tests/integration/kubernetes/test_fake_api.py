"""The fake Kubernetes API server: objects, versions, selectors, errors (pinned for later users).

Watches, patches and subresources, faults and the ReplicaSet controller stand-in have their own
modules (test_fake_watch, test_fake_writes, test_fake_controller).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client import ApiClient, ApiException

from tests.integration.kubernetes.conftest import Raw
from tests.support.kube import FakeKube
from tests.support.kube_objects import custom, replica_set, rollout, service
from tests.support.kube_resources import CLUSTER_ANALYSIS_TEMPLATES, DEFAULT_RESOURCES

pytestmark = pytest.mark.integration
RS_PATH = "/apis/apps/v1/namespaces/default/replicasets"

# The resources the brief asks for, by URL collection path and a manifest to create there.
CATALOG = [
    ("/api/v1/namespaces/default/services", service("s")),
    ("/api/v1/namespaces/default/secrets", {"apiVersion": "v1", "kind": "Secret",
                                            "metadata": {"name": "s"}, "data": {"k": "dg=="}}),
    ("/api/v1/namespaces/default/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {
        "name": "p"}, "spec": {"containers": [{"name": "a", "image": "a"}]}}),
    (RS_PATH, replica_set("r")),
    ("/apis/batch/v1/namespaces/default/jobs", custom("batch/v1", "Job", "j", template={})),
    ("/apis/networking.k8s.io/v1/namespaces/default/ingresses",
     custom("networking.k8s.io/v1", "Ingress", "i", rules=[])),
    ("/apis/argoproj.io/v1alpha1/namespaces/default/rollouts", rollout("r")),
    ("/apis/argoproj.io/v1alpha1/namespaces/default/analysistemplates",
     custom("argoproj.io/v1alpha1", "AnalysisTemplate", "t", metrics=[])),
    ("/apis/argoproj.io/v1alpha1/clusteranalysistemplates",
     custom("argoproj.io/v1alpha1", "ClusterAnalysisTemplate", "t", metrics=[])),
    ("/apis/networking.istio.io/v1beta1/namespaces/default/virtualservices",
     custom("networking.istio.io/v1beta1", "VirtualService", "v", http=[])),
    ("/apis/networking.istio.io/v1beta1/namespaces/default/destinationrules",
     custom("networking.istio.io/v1beta1", "DestinationRule", "d", subsets=[])),
    *[(f"/apis/split.smi-spec.io/{v}/namespaces/default/trafficsplits",
       custom(f"split.smi-spec.io/{v}", "TrafficSplit", "t", backends=[]))
      for v in ("v1alpha1", "v1alpha2", "v1alpha3")],
    ("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes",
     custom("gateway.networking.k8s.io/v1", "HTTPRoute", "h", rules=[])),
]  # fmt: skip


@pytest.mark.parametrize(
    ("collection", "manifest"),
    CATALOG,
    ids=[f"{m['apiVersion']}/{c.rpartition('/')[2]}" for c, m in CATALOG],
)
async def test_every_served_resource_supports_the_basic_verbs(
    raw: Raw, collection: str, manifest: dict[str, Any]
) -> None:
    name = manifest["metadata"]["name"]
    status, created = await raw.call("POST", collection, manifest)
    assert status == 201, created
    assert (await raw.call("GET", f"{collection}/{name}"))[1]["metadata"]["uid"]
    listed = (await raw.call("GET", collection))[1]
    assert [item["metadata"]["name"] for item in listed["items"]] == [name]
    assert listed["kind"] == manifest["kind"] + "List"
    assert (await raw.call("DELETE", f"{collection}/{name}"))[0] == 200
    assert (await raw.call("GET", f"{collection}/{name}"))[0] == 404


async def test_create_fills_in_what_the_server_owns(raw: Raw) -> None:
    status, created = await raw.call("POST", RS_PATH, replica_set("demo"))
    metadata = created["metadata"]
    assert status == 201
    assert re.fullmatch(r"[0-9a-f-]{36}", metadata["uid"])
    assert metadata["resourceVersion"] == "1"
    assert metadata["generation"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", metadata["creationTimestamp"])
    assert metadata["namespace"] == "default"
    assert (created["apiVersion"], created["kind"]) == ("apps/v1", "ReplicaSet")


async def test_create_of_an_existing_name_is_409_already_exists(raw: Raw) -> None:
    await raw.call("POST", RS_PATH, replica_set("demo"))
    status, error = await raw.call("POST", RS_PATH, replica_set("demo"))
    assert (status, error["kind"], error["reason"]) == (409, "Status", "AlreadyExists")
    assert error["message"] == 'replicasets.apps "demo" already exists'
    assert error["details"] == {"name": "demo", "group": "apps", "kind": "replicasets"}


async def test_get_of_a_missing_object_is_404_with_the_real_message(raw: Raw) -> None:
    status, error = await raw.call("GET", f"{RS_PATH}/nope")
    assert (status, error["reason"], error["message"]) == (
        404,
        "NotFound",
        'replicasets.apps "nope" not found',
    )


async def test_generated_client_reads_custom_object_creation(kube_client: ApiClient) -> None:
    api = client.CustomObjectsApi(kube_client)
    created = await api.create_namespaced_custom_object(
        "argoproj.io", "v1alpha1", "default", "rollouts", rollout("demo")
    )
    assert created["metadata"]["name"] == "demo" and created["metadata"]["uid"]


async def test_resource_versions_come_from_one_counter_across_kinds(fake_kube: FakeKube) -> None:
    first = fake_kube.create(service("a"))
    second = fake_kube.create(rollout("b"))
    third = fake_kube.patch("services", "default", "a", {"metadata": {"labels": {"x": "y"}}})
    versions = [int(o["metadata"]["resourceVersion"]) for o in (first, second, third)]
    assert versions == [1, 2, 3]
    assert fake_kube.resource_version == 3


async def test_a_write_that_changes_nothing_keeps_the_version_and_sends_no_event(
    fake_kube: FakeKube,
) -> None:
    fake_kube.create(service("a"))
    before = len(fake_kube.changes())
    same = fake_kube.patch("services", "default", "a", {"spec": {"ports": [{"port": 80}]}})
    assert same["metadata"]["resourceVersion"] == "1"
    assert len(fake_kube.changes()) == before


@pytest.mark.parametrize(
    ("patch", "generation"),
    [
        ({"spec": {"replicas": 5}}, 2),
        ({"metadata": {"labels": {"app": "r", "extra": "x"}}}, 1),
        ({"metadata": {"annotations": {"a": "b"}}}, 1),
        ({"status": {"replicas": 9}}, 1),
    ],
)
async def test_generation_grows_on_spec_changes_only(
    fake_kube: FakeKube, patch: dict[str, Any], generation: int
) -> None:
    fake_kube.replicasets.enabled = False
    fake_kube.create(replica_set("r"))
    changed = fake_kube.patch("replicasets", "default", "r", patch)
    assert changed["metadata"]["generation"] == generation


async def test_server_owned_metadata_cannot_be_overwritten(fake_kube: FakeKube) -> None:
    created = fake_kube.create(service("a"))
    patch = {"metadata": {"uid": "mine", "creationTimestamp": "1999-01-01T00:00:00Z"}}
    patched = fake_kube.patch("services", "default", "a", patch)
    assert patched["metadata"]["uid"] == created["metadata"]["uid"]
    assert patched["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=demo", ["a", "b"]),
        ("app==demo,tier=web", ["a"]),
        ("tier!=web", ["b", "c"]),
        ("tier in (web,db)", ["a", "b"]),
        ("tier notin (web)", ["b", "c"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c"]),
        ("app=demo,!canary", ["b"]),
        ("app in (demo, other),tier in (db)", ["b"]),
    ],
)
async def test_label_selectors(
    fake_kube: FakeKube, kube_client: ApiClient, selector: str, expected: list[str]
) -> None:
    for name, labels in [
        ("a", {"app": "demo", "tier": "web", "canary": "yes"}),
        ("b", {"app": "demo", "tier": "db"}),
        ("c", {"app": "other"}),
    ]:
        fake_kube.create({**service(name), "metadata": {"name": name, "labels": labels}})
    listed = await client.CoreV1Api(kube_client).list_namespaced_service(
        "default", label_selector=selector
    )
    assert [item.metadata.name for item in listed.items] == expected


async def test_field_selector_on_the_name_and_namespace(raw: Raw, fake_kube: FakeKube) -> None:
    for name, namespace in [("a", "default"), ("b", "default"), ("a", "team-b")]:
        fake_kube.create(service(name, namespace=namespace))
    everywhere = "/api/v1/services"
    _, by_name = await raw.call("GET", everywhere, fieldSelector="metadata.name=a")
    assert [i["metadata"]["namespace"] for i in by_name["items"]] == ["default", "team-b"]
    query = "metadata.name!=a,metadata.namespace=default"
    _, others = await raw.call("GET", everywhere, fieldSelector=query)
    assert [i["metadata"]["name"] for i in others["items"]] == ["b"]
    status, error = await raw.call("GET", everywhere, fieldSelector="spec.type=ClusterIP")
    assert (status, error["reason"]) == (400, "BadRequest")


async def test_list_carries_the_current_version_and_built_in_items_omit_their_kind(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create(service("a"))
    fake_kube.create(rollout("r"))
    _, services = await raw.call("GET", "/api/v1/namespaces/default/services")
    _, rollouts = await raw.call("GET", "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts")
    assert services["metadata"]["resourceVersion"] == rollouts["metadata"]["resourceVersion"] == "2"
    assert "kind" not in services["items"][0]
    assert rollouts["items"][0]["kind"] == "Rollout"


async def test_cluster_scoped_kinds_live_outside_namespaces(raw: Raw) -> None:
    template = custom("argoproj.io/v1alpha1", "ClusterAnalysisTemplate", "t", metrics=[])
    assert CLUSTER_ANALYSIS_TEMPLATES in DEFAULT_RESOURCES
    group = "/apis/argoproj.io/v1alpha1"
    assert (await raw.call("POST", f"{group}/clusteranalysistemplates", template))[0] == 201
    got = (await raw.call("GET", f"{group}/clusteranalysistemplates/t"))[1]
    assert "namespace" not in got["metadata"]
    namespaced = f"{group}/namespaces/default/clusteranalysistemplates"
    assert (await raw.call("GET", namespaced))[0] == 404


async def test_post_to_an_all_namespaces_collection_is_not_allowed(raw: Raw) -> None:
    status, _ = await raw.call("POST", "/apis/apps/v1/replicasets", replica_set("x"))
    assert status == 405


async def test_namespace_in_the_body_must_match_the_url(raw: Raw) -> None:
    status, error = await raw.call("POST", RS_PATH, replica_set("x", namespace="team-b"))
    assert (status, error["reason"]) == (400, "BadRequest")


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (service("Not_A_Name"), "metadata.name"),
        ({**service("a"), "metadata": {"name": "a", "labels": {"k": "x" * 64}}}, "label value"),
        (replica_set("r", replicas=-1), "spec.replicas"),
        ({**replica_set("r"), "spec": {"replicas": 1}}, "spec.selector: Required"),
    ],
)
async def test_invalid_objects_are_refused_with_422(
    fake_kube: FakeKube, kube_client: ApiClient, manifest: dict[str, Any], problem: str
) -> None:
    core: Any = client.CoreV1Api(kube_client)
    apps: Any = client.AppsV1Api(kube_client)
    with pytest.raises(ApiException) as refused:
        if manifest["kind"] == "Service":
            await core.create_namespaced_service("default", manifest)
        else:
            await apps.create_namespaced_replica_set("default", manifest)
    assert refused.value.status == 422
    assert problem in str(refused.value.body)


async def test_replica_set_selector_must_match_its_template_and_never_changes(
    fake_kube: FakeKube, raw: Raw
) -> None:
    mismatched = replica_set("r")
    mismatched["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    status, error = await raw.call("POST", RS_PATH, mismatched)
    assert status == 422 and "does not match template" in error["message"]
    fake_kube.create(replica_set("r"))
    patch = {"spec": {"selector": {"matchLabels": {"app": "r", "x": "y"}}}}
    status, error = await raw.call(
        "PATCH", f"{RS_PATH}/r", patch, content_type="application/merge-patch+json"
    )
    assert status == 422 and "immutable" in error["message"]


async def test_generate_name_makes_unique_names(fake_kube: FakeKube) -> None:
    names = {
        fake_kube.create({**service("x"), "metadata": {"generateName": "demo-"}})["metadata"][
            "name"
        ]
        for _ in range(20)
    }
    assert len(names) == 20 and all(re.fullmatch(r"demo-[a-z0-9]{5}", n) for n in names)


async def test_discovery_lists_the_served_kinds_and_subresources(raw: Raw) -> None:
    _, groups = await raw.call("GET", "/apis")
    assert "argoproj.io" in [group["name"] for group in groups["groups"]]
    _, resources = await raw.call("GET", "/apis/apps/v1")
    names = {resource["name"] for resource in resources["resources"]}
    assert {"replicasets", "replicasets/status", "replicasets/scale"} <= names
    _, version = await raw.call("GET", "/version")
    assert version["major"] == "1"
