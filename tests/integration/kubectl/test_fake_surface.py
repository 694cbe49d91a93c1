"""What kubectl relies on, pinned at the HTTP level (no kubectl needed): CRDs serving their
types, OpenAPI v3, Tables, pruning and fieldValidation, server-side apply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.integration.kubernetes.conftest import Raw
from tests.support.kube import FakeKube
from tests.support.kube_objects import rollout
from tests.support.kube_strategic import strategic_merge
from tests.support.kube_table import human_duration, json_path

pytestmark = pytest.mark.integration
ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/default/rollouts"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
Obj = dict[str, Any]


@pytest.fixture
async def raw(fake_kube: FakeKube) -> AsyncIterator[Raw]:
    async with aiohttp.ClientSession() as session:
        yield Raw(session, fake_kube.url)


async def get(fake: FakeKube, path: str, accept: str = "application/json", **query: str) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.get(fake.url + path, headers={"Accept": accept}, params=query) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


async def test_openapi_v3_says_field_validation_is_supported(fake_kube: FakeKube) -> None:
    index = await get(fake_kube, "/openapi/v3")
    assert {"api/v1", "apis/apps/v1", "apis/argoproj.io/v1alpha1"} <= set(index["paths"])
    url = index["paths"]["apis/argoproj.io/v1alpha1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/argoproj.io/v1alpha1?hash=")
    document = await get(fake_kube, url.split("?")[0])
    patch = document["paths"][ROLLOUTS.replace("default", "{namespace}") + "/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "argoproj.io", "version": "v1alpha1", "kind": "Rollout"
    }  # fmt: skip
    assert "fieldValidation" in [parameter["name"] for parameter in patch["parameters"]]
    schema = document["components"]["schemas"]["io.argoproj.v1alpha1.Rollout"]
    assert "strategy" in schema["properties"]["spec"]["properties"]


async def test_lists_and_objects_as_tables(fake_kube: FakeKube) -> None:
    fake_kube.create(rollout("web", replicas=3))
    table = await get(fake_kube, ROLLOUTS, TABLE)
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    names = [column["name"] for column in table["columnDefinitions"]]
    assert names == ["Name", "Desired", "Current", "Up-to-date", "Available", "Age"]
    (row,) = table["rows"]
    assert row["cells"][:5] == ["web", 3, None, None, None] and row["cells"][5].endswith("s")
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "web"
    whole = await get(fake_kube, f"{ROLLOUTS}/web", TABLE, includeObject="Object")
    assert whole["rows"][0]["object"]["spec"]["replicas"] == 3
    bare = await get(fake_kube, ROLLOUTS, TABLE, includeObject="None")
    assert "object" not in bare["rows"][0]
    old = await get(fake_kube, ROLLOUTS, "application/json;as=Table;v=v1beta1;g=meta.k8s.io")
    assert old["apiVersion"] == "meta.k8s.io/v1beta1"
    assert (await get(fake_kube, ROLLOUTS))["kind"] == "RolloutList"
    services = await get(fake_kube, "/api/v1/namespaces/default/services", TABLE)
    assert [column["name"] for column in services["columnDefinitions"]] == ["Name", "Age"]


async def test_fields_the_schema_lacks(raw: Raw, fake_kube: FakeKube) -> None:
    body = rollout("web")
    body["spec"]["replicaz"] = 2
    status, error = await raw.call("POST", ROLLOUTS, body, fieldValidation="Strict")
    assert (status, error["message"]) == (
        400,
        'strict decoding error: unknown field "spec.replicaz"',
    )
    status, created = await raw.call("POST", ROLLOUTS, body)
    assert status == 201 and "replicaz" not in created["spec"]
    assert fake_kube.http.warnings == [(ROLLOUTS, 'unknown field "spec.replicaz"')]
    status, _ = await raw.call("POST", ROLLOUTS, body, fieldValidation="Maybe")
    assert status == 400
    path = f"{ROLLOUTS}/web/status"
    patch = {"status": {"phase": "Healthy", "phaze": "x"}}
    status, patched = await raw.call(
        "PATCH", path, patch, content_type="application/merge-patch+json"
    )
    assert status == 200 and patched["status"] == {"phase": "Healthy"}
    assert fake_kube.http.warnings[-1] == (path, 'unknown field "status.phaze"')
    template = patched["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "web:1", "pod templates are kept"


async def test_a_crd_created_over_http_is_served(raw: Raw, fake_kube: FakeKube) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": True, "storage": True,
                          "schema": {"openAPIV3Schema": {"type": "object",
                                     "x-kubernetes-preserve-unknown-fields": True}}}],
        },
    }  # fmt: skip
    status, _ = await raw.call(
        "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd
    )
    assert status == 201
    listed = await get(fake_kube, "/apis/example.com/v1")
    assert listed["resources"][0]["shortNames"] == ["wd"]
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "a": 1}
    status, created = await raw.call(
        "POST", "/apis/example.com/v1/namespaces/default/widgets", widget
    )
    assert status == 201 and created["a"] == 1
    await asyncio.sleep(0.01)
    stored = fake_kube.get("customresourcedefinitions", "", "widgets.example.com")
    assert stored is not None
    assert [c["type"] for c in stored["status"]["conditions"]] == ["NamesAccepted", "Established"]


def test_ages_read_as_the_api_server_writes_them() -> None:
    cases = {0: "0s", 119: "119s", 130: "2m10s", 600: "10m", 3 * 3600 + 60: "3h1m",
             30 * 3600: "30h", 3 * 86400 + 4 * 3600: "3d4h", 400 * 86400: "400d",
             3 * 365 * 86400 + 86400: "3y1d", -5: "<invalid>"}  # fmt: skip
    assert {seconds: human_duration(seconds) for seconds in cases} == cases


def test_column_json_paths() -> None:
    obj = {"status": {"conditions": [{"type": "A", "status": "False"},
                                     {"type": "Ready", "status": "True"}]}}  # fmt: skip
    assert json_path(obj, '.status.conditions[?(@.type=="Ready")].status') == "True"
    assert json_path(obj, ".status.conditions[0].type") == "A"
    assert json_path(obj, ".status.conditions[*].type") == "A"
    assert json_path(obj, ".status.missing.deeper") is None
    assert json_path(obj, ".status.conditions[5]") is None


async def test_custom_resources_refuse_strategic_merge_patches(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create(rollout("web"))
    strategic = "application/strategic-merge-patch+json"
    patch = {"spec": {"paused": True}}
    status, error = await raw.call("PATCH", f"{ROLLOUTS}/web", patch, content_type=strategic)
    assert (status, error["reason"]) == (415, "UnsupportedMediaType")
    assert "strategic-merge-patch" not in error["message"].split(";")[0]
    status, _ = await raw.call(
        "PATCH", f"{ROLLOUTS}/web", patch, content_type="application/merge-patch+json"
    )
    assert status == 200


async def test_watches_asking_for_tables_get_one_row_tables(fake_kube: FakeKube) -> None:
    fake_kube.create(rollout("a"))
    fake_kube.create(rollout("b"))
    events = []
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            fake_kube.url + ROLLOUTS,
            headers={"Accept": TABLE},
            params={"watch": "true", "timeoutSeconds": "1"},
        ) as response,
    ):
        while line := await response.content.readline():
            events.append(json.loads(line))
    assert [(e["type"], e["object"]["kind"]) for e in events] == [("ADDED", "Table")] * 2
    first, second = (event["object"] for event in events)
    assert first["columnDefinitions"][0]["name"] == "Name"
    assert second["columnDefinitions"] is None
    assert [t["rows"][0]["cells"][0] for t in (first, second)] == ["a", "b"]


def test_strategic_merge_directives() -> None:
    target = {"metadata": {"finalizers": ["a"], "labels": {"x": "1", "y": "2"}},
              "spec": {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                       "args": ["--a", "--b"], "tolerations": [{"key": "k"}]}}  # fmt: skip
    patch = {
        "metadata": {"finalizers": ["b"], "labels": {"$retainKeys": ["x"], "x": "3"}},
        "spec": {
            "$setElementOrder/env": [{"name": "B"}, {"name": "C"}],
            "env": [{"name": "C", "value": "3"}, {"$patch": "delete", "name": "A"}],
            "$deleteFromPrimitiveList/args": ["--a"],
            "tolerations": [{"key": "other"}],
        },
    }
    merged = strategic_merge(target, patch)
    assert merged["metadata"] == {"finalizers": ["a", "b"], "labels": {"x": "3"}}
    assert merged["spec"]["env"] == [{"name": "B", "value": "2"}, {"name": "C", "value": "3"}]
    assert merged["spec"]["args"] == ["--b"]
    assert merged["spec"]["tolerations"] == [{"key": "other"}], "no merge key: replaced"
    replaced = strategic_merge(target, {"spec": {"$patch": "replace", "args": []}})
    assert replaced["spec"] == {"args": []}
    assert strategic_merge(target, {"spec": {"$patch": "delete"}}) == {
        "metadata": target["metadata"]
    }
