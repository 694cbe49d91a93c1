"""The argoproj.io CRDs: generated files up to date, structural, shaped like Argo's (names,
scope, subresources, printer columns), and accepting every Argo manifest of the conformance
corpus while rejecting unknown fields and wrong types."""

from __future__ import annotations

import copy
import importlib.util
from typing import Any

import pytest
import yaml

from tests.deploy.crd_schema import (
    object_json_schema,
    prune_nulls,
    structural_problems,
    version_schema,
)
from tests.deploy.kustomize import load_documents
from tests.deploy.manifests import DEPLOY, ROOT

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (dev dependency) not installed")

CRD_DIR = DEPLOY / "crds"
CONFORMANCE = ROOT / "tests" / "data" / "conformance"
KINDS = {
    "Rollout": ("rollouts", "ro", "Namespaced"),
    "AnalysisTemplate": ("analysistemplates", "at", "Namespaced"),
    "ClusterAnalysisTemplate": ("clusteranalysistemplates", "cat", "Cluster"),
}


def crds() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        for doc in load_documents(path):
            if doc.get("kind") == "CustomResourceDefinition":
                found[doc["spec"]["names"]["kind"]] = doc
    return found


CRDS = crds()


def validator(kind: str) -> Any:
    return jsonschema.Draft202012Validator(object_json_schema(CRDS[kind]))


def errors(manifest: dict[str, Any]) -> list[str]:
    found = validator(manifest["kind"]).iter_errors(prune_nulls(manifest))
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}" for error in found]


def test_generated_files_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("crd_generate", CRD_DIR / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rendered = module.rendered()
    assert sorted(rendered) == sorted(
        p.name for p in CRD_DIR.glob("*.yaml") if p.stem != "kustomization"
    )
    for name, text in rendered.items():
        assert (CRD_DIR / name).read_text() == text, f"run python deploy/crds/generate.py ({name})"


@pytest.mark.parametrize("kind", KINDS)
def test_crd_names_scope_and_version_match_argo(kind: str) -> None:
    plural, short, scope = KINDS[kind]
    crd = CRDS[kind]
    assert crd["metadata"]["name"] == f"{plural}.argoproj.io"
    assert crd["spec"]["group"] == "argoproj.io"
    assert crd["spec"]["scope"] == scope
    names = crd["spec"]["names"]
    assert names == {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": kind.lower(),
        "shortNames": [short],
    }
    (version,) = crd["spec"]["versions"]
    assert (version["name"], version["served"], version["storage"]) == ("v1alpha1", True, True)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_structural(kind: str) -> None:
    assert structural_problems(version_schema(CRDS[kind])) == []


def test_structural_check_finds_violations() -> None:
    bad = {
        "type": "object",
        "properties": {
            "a": {"properties": {}},
            "b": {"anyOf": [{"type": "string"}]},
            "c": {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
        },
        "required": ["z"],
    }
    assert structural_problems(bad) == [
        "<root>.a: no type",
        "<root>.b: no type",
        "<root>.b.anyOf: sets ['type']",
        "<root>.c: properties and additionalProperties are exclusive",
        "<root>: required z is not a declared field",
    ]


def test_rollout_has_status_and_scale_subresources() -> None:
    (version,) = CRDS["Rollout"]["spec"]["versions"]
    assert version["subresources"] == {
        "status": {},
        "scale": {
            "specReplicasPath": ".spec.replicas",
            "statusReplicasPath": ".status.HPAReplicas",
            "labelSelectorPath": ".status.selector",
        },
    }
    status = version_schema(CRDS["Rollout"])["properties"]["status"]["properties"]
    assert status["HPAReplicas"]["type"] == "integer"
    assert status["selector"]["type"] == "string"


def test_rollout_printer_columns_are_argos() -> None:
    (version,) = CRDS["Rollout"]["spec"]["versions"]
    columns = [(c["name"], c["jsonPath"], c["type"]) for c in version["additionalPrinterColumns"]]
    assert columns == [
        ("Desired", ".spec.replicas", "integer"),
        ("Current", ".status.replicas", "integer"),
        ("Up-to-date", ".status.updatedReplicas", "integer"),
        ("Available", ".status.availableReplicas", "integer"),
        ("Age", ".metadata.creationTimestamp", "date"),
    ]


@pytest.mark.parametrize("kind", ["AnalysisTemplate", "ClusterAnalysisTemplate"])
def test_templates_have_no_subresources_and_an_age_column(kind: str) -> None:
    (version,) = CRDS[kind]["spec"]["versions"]
    assert "subresources" not in version
    assert [c["name"] for c in version["additionalPrinterColumns"]] == ["Age"]


PRESERVED = {
    "Rollout": [
        ("spec", "template", "spec"),
        ("spec", "strategy", "canary", "trafficRouting", "plugins"),
        ("spec", "strategy", "canary", "steps", "[]", "plugin", "config"),
        ("status", "canary", "stepPluginStatuses", "[]", "status"),
    ],
    "AnalysisTemplate": [
        ("spec", "metrics", "[]", "provider", "plugin"),
        ("spec", "metrics", "[]", "provider", "web", "jsonBody"),
        ("spec", "metrics", "[]", "provider", "job", "spec"),
    ],
}


def _node(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for part in path:
        schema = schema["items"] if part == "[]" else schema["properties"][part]
    return schema


def _preserved_paths(node: dict[str, Any], path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found = {path} if node.get("x-kubernetes-preserve-unknown-fields") else set()
    for name, child in node.get("properties", {}).items():
        found |= _preserved_paths(child, (*path, name))
    if "items" in node:
        found |= _preserved_paths(node["items"], (*path, "[]"))
    return found


@pytest.mark.parametrize("kind", ["Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate"])
def test_unknown_fields_are_kept_exactly_where_expected(kind: str) -> None:
    """Argo's free-form fields, plus the pod and job specs (left to the cluster's own schema)."""
    expected = PRESERVED["AnalysisTemplate" if "Analysis" in kind else kind]
    assert _preserved_paths(version_schema(CRDS[kind])) == set(expected)


def corpus() -> list[tuple[str, dict[str, Any]]]:
    documents = []
    for path in sorted(CONFORMANCE.glob("*/*.yaml")):
        try:
            loaded = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue  # Helm templates and the like: not YAML until rendered.
        for doc in loaded:
            if (
                isinstance(doc, dict)
                and doc.get("apiVersion") == "argoproj.io/v1alpha1"
                and doc.get("kind") in KINDS
            ):
                name = f"{path.parent.name}/{path.name}#{doc['metadata'].get('name')}"
                documents.append((name, doc))
    return documents


CORPUS = corpus()


def test_corpus_covers_every_kind() -> None:
    assert {doc["kind"] for _, doc in CORPUS} == set(KINDS)
    assert len(CORPUS) >= 100


@pytest.mark.parametrize("manifest", [d for _, d in CORPUS], ids=[n for n, _ in CORPUS])
def test_argo_manifest_is_accepted(manifest: dict[str, Any]) -> None:
    assert errors(manifest) == []


def examples() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.relative_to(ROOT)}#{doc['metadata']['name']}", doc)
        for path in sorted(DEPLOY.rglob("*.yaml"))
        for doc in load_documents(path)
        if isinstance(doc, dict) and doc.get("apiVersion") == "argoproj.io/v1alpha1"
    ]


@pytest.mark.parametrize("manifest", [d for _, d in examples()], ids=[n for n, _ in examples()])
def test_deploy_example_is_accepted(manifest: dict[str, Any]) -> None:
    assert errors(manifest) == []


def _rollout() -> dict[str, Any]:
    (doc,) = load_documents(DEPLOY / "examples" / "canary.yaml")
    return copy.deepcopy(doc)


def _set(manifest: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    node: Any = manifest
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[last] = value
    return manifest


REJECTED = [
    ("spec.strategy.canary.steps.0.setWieght", 20, "Additional properties"),
    ("spec.strategy.canary.steps.0.setWeight", "twenty", "is not of type 'integer'"),
    ("spec.replicas", "3", "is not of type 'integer'"),
    ("spec.strategy.blueGreen.previewService", "preview", "'activeService' is a required"),
    ("spec.selector.matchLabels.app", 7, "is not of type 'string'"),
    ("spec.strategy.canary.trafficRouting.istio.destinationRule", {"name": "d"}, "required"),
    ("status.pauseConditions", [{"reason": "CanaryPauseStep"}], "'startTime' is a required"),
]


@pytest.mark.parametrize(("path", "value", "message"), REJECTED, ids=[r[0] for r in REJECTED])
def test_invalid_rollout_is_rejected(path: str, value: Any, message: str) -> None:
    found = errors(_set(_rollout(), path, value))
    assert any(message in error for error in found), found


ACCEPTED = [
    ("spec.strategy.canary.maxSurge", "25%"),
    ("spec.strategy.canary.maxSurge", 1),
    ("spec.strategy.canary.steps.1.pause.duration", 30),
    ("spec.strategy.canary.steps.3.pause", None),
    ("spec.template.spec.futurePodField", {"anything": True}),
    ("spec.strategy.canary.trafficRouting.plugins", {"argoproj-labs/gatewayAPI": {"x": 1}}),
    ("status.abort", True),
    ("status.promoteFull", True),
    ("spec.paused", True),
]


@pytest.mark.parametrize(("path", "value"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_valid_variation_is_accepted(path: str, value: Any) -> None:
    assert errors(_set(_rollout(), path, value)) == []


def test_analysis_template_datadog_enums_are_argos() -> None:
    template: dict[str, Any] = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "dd"},
        "spec": {"metrics": [{"name": "m", "provider": {"datadog": {"apiVersion": "v3"}}}]},
    }
    assert any("is not one of" in error for error in errors(template))
    template["spec"]["metrics"][0]["provider"]["datadog"]["apiVersion"] = "v2"
    assert errors(template) == []


def test_crd_files_have_a_do_not_edit_header() -> None:
    for path in CRD_DIR.glob("*.yaml"):
        if path.stem != "kustomization":
            assert path.read_text().startswith("# Generated by deploy/crds/generate.py")


def test_kustomization_lists_every_crd() -> None:
    config = yaml.safe_load((CRD_DIR / "kustomization.yaml").read_text())
    files = {p.name for p in CRD_DIR.glob("*.yaml") if p.stem != "kustomization"}
    assert set(config["resources"]) == files
