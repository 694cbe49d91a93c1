"""Every Kubernetes object under deploy/ (and each overlay's output) is valid for the Kubernetes
API, checked with kubernetes-validate's bundled OpenAPI schemas in strict mode (unknown fields
are errors, as with kubectl's default server-side field validation)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.manifests import OVERLAYS, ROOT, kubernetes_objects, overlay, yaml_files

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate (dev dependency) is not installed"
)

KUBERNETES_VERSION = "1.30"
# Types defined by CRDs, not by Kubernetes: checked in test_crds.py and test_monitoring.py.
CUSTOM_GROUPS = ("argoproj.io/", "monitoring.coreos.com/")


def validate(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def file_objects() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.relative_to(ROOT)}#{manifest['kind']}/{manifest['metadata']['name']}", manifest)
        for path in yaml_files()
        for manifest in kubernetes_objects(path)
        if not manifest["apiVersion"].startswith(CUSTOM_GROUPS)
    ]


FILE_OBJECTS = file_objects()


@pytest.mark.parametrize(
    "manifest", [m for _, m in FILE_OBJECTS], ids=[name for name, _ in FILE_OBJECTS]
)
def test_object_in_deploy_is_valid_kubernetes(manifest: dict[str, Any]) -> None:
    validate(manifest)


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_output_is_valid_kubernetes(name: str) -> None:
    for manifest in overlay(name):
        if not manifest["apiVersion"].startswith(CUSTOM_GROUPS):
            validate(manifest)


def test_strict_validation_rejects_an_unknown_field() -> None:
    """The check above could not pass by accident: a misspelt field fails it."""
    deployment = next(m for m in overlay("split-workers") if m["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def test_strict_validation_rejects_a_wrong_type() -> None:
    deployment = next(m for m in overlay("split-workers") if m["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["replicas"] = "one"
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(broken)


def rollout_files() -> list[Path]:
    return [
        path
        for path in yaml_files()
        if any(m["kind"] == "Rollout" for m in kubernetes_objects(path))
    ]


@pytest.mark.parametrize("path", rollout_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_example_pod_templates_are_valid_pod_templates(path: Path) -> None:
    """The CRD leaves the pod spec to the cluster: check the examples' against PodTemplate."""
    for rollout in kubernetes_objects(path):
        if rollout["kind"] == "Rollout":
            validate(
                {
                    "apiVersion": "v1",
                    "kind": "PodTemplate",
                    "metadata": {"name": rollout["metadata"]["name"]},
                    "template": rollout["spec"]["template"],
                }
            )
