"""`spec.workloadRef`: valid and invalid references, each problem naming its field, and the
resolution that fills the template in from the referenced Deployment/ReplicaSet/PodTemplate."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.spec import Rollout, parse_object
from rollouts.spec.workload_ref import (
    RESOLVED_ANNOTATION,
    TEMPLATE_NOT_EMPTY,
    WorkloadProblem,
    resolve_manifest,
)
from tests.unit.spec.helpers import DELETE, base_rollout, errors_of, with_fields

REF = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}


def referencing(ref: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """The base Rollout taking its template (and selector) from a workload."""
    fields: dict[str, Any] = {
        "spec.workloadRef": dict(REF if ref is None else ref),
        "spec.template": DELETE,
        "spec.selector": DELETE,
    }
    fields.update(changes)
    return with_fields(base_rollout(), fields)


def deployment(image: str = "web:1", labels: dict[str, str] | None = None) -> dict[str, Any]:
    pod_labels = labels or {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "prod", "generation": 3},
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": pod_labels, "creationTimestamp": None},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


@pytest.mark.parametrize(
    "ref",
    [
        REF,
        {**REF, "kind": "ReplicaSet"},
        {**REF, "scaleDown": "never"},
        {**REF, "scaleDown": "onsuccess"},
        {**REF, "scaleDown": "progressively"},
        {"apiVersion": "v1", "kind": "PodTemplate", "name": "web"},
    ],
    ids=["deployment", "replicaset", "never", "onsuccess", "progressively", "podtemplate"],
)
def test_a_reference_without_template_or_selector_is_valid(ref: dict[str, Any]) -> None:
    assert errors_of(referencing(ref)) == []


def test_an_empty_template_counts_as_no_template() -> None:
    assert errors_of(referencing(**{"spec.template": {}})) == []


def test_a_template_beside_the_reference_is_refused_naming_the_template() -> None:
    found = errors_of(referencing(**{"spec.template": base_rollout()["spec"]["template"]}))
    assert found == [("spec.template", TEMPLATE_NOT_EMPTY)]


def test_without_a_reference_the_selector_and_template_stay_required() -> None:
    doc = with_fields(base_rollout(), {"spec.template": DELETE, "spec.selector": DELETE})
    assert {path for path, _ in errors_of(doc)} == {"spec.selector", "spec.template"}


@pytest.mark.parametrize(
    ("ref", "path", "fragment"),
    [
        ({**REF, "kind": "StatefulSet"}, "spec.workloadRef.kind", "'StatefulSet'"),
        ({**REF, "apiVersion": "apps/v1beta1"}, "spec.workloadRef.apiVersion", "apps/v1"),
        ({"kind": "Deployment", "name": "web"}, "spec.workloadRef.apiVersion", "got ''"),
        (
            {"apiVersion": "apps/v1", "kind": "PodTemplate", "name": "t"},
            "spec.workloadRef.apiVersion",
            "v1",
        ),
        ({**REF, "name": ""}, "spec.workloadRef.name", "required"),
        ({**REF, "scaleDown": "always"}, "spec.workloadRef.scaleDown", "'always'"),
        (
            {**REF, "kind": "ReplicaSet", "scaleDown": "onsuccess"},
            "spec.workloadRef.scaleDown",
            "ReplicaSet",
        ),
    ],
    ids=[
        "kind",
        "api-version",
        "no-api-version",
        "podtemplate-version",
        "name",
        "mode",
        "mode-kind",
    ],
)
def test_a_bad_reference_names_its_field(ref: dict[str, Any], path: str, fragment: str) -> None:
    found = errors_of(referencing(ref))
    assert [p for p, _ in found] == [path], found
    assert fragment in found[0][1]


def test_an_unknown_reference_field_is_refused() -> None:
    found = errors_of(referencing({**REF, "namespace": "x"}))
    assert [p for p, _ in found] == ["spec.workloadRef.namespace"]


def _valid(manifest: dict[str, Any]) -> Rollout:
    parsed, problems = parse_object(manifest)
    assert [str(p) for p in problems if p.is_error] == []
    assert isinstance(parsed, Rollout)
    return parsed


def test_resolving_fills_in_template_selector_and_the_mark() -> None:
    resolved = _valid(resolve_manifest(referencing(), deployment()))
    assert resolved.spec.template is not None
    assert resolved.spec.template.containers[0]["image"] == "web:1"
    assert resolved.spec.template.metadata.labels == {"app": "web"}
    assert resolved.spec.selector is not None
    assert resolved.spec.selector.match_labels == {"app": "web"}
    assert resolved.metadata.annotations[RESOLVED_ANNOTATION] == "Deployment/web"
    assert resolved.spec.workload_ref is not None and resolved.spec.workload_ref.name == "web"


def test_the_rollouts_own_selector_is_kept_and_checked_against_the_template() -> None:
    manifest = referencing(**{"spec.selector": {"matchLabels": {"app": "other"}}})
    resolved = resolve_manifest(manifest, deployment())
    assert resolved["spec"]["selector"] == {"matchLabels": {"app": "other"}}
    found = errors_of(resolved)
    assert [p for p, _ in found] == ["spec.template.metadata.labels"]


def test_a_resolved_template_is_validated_like_a_written_one() -> None:
    broken = deployment()
    broken["spec"]["template"]["spec"]["containers"] = []
    found = errors_of(resolve_manifest(referencing(), broken))
    assert any(p.startswith("spec.template.spec") for p, _ in found), found


def test_resolving_again_takes_the_new_template() -> None:
    first = resolve_manifest(referencing(), deployment("web:1"))
    second = _valid(resolve_manifest(first, deployment("web:2")))
    assert second.spec.template is not None
    assert second.spec.template.containers[0]["image"] == "web:2"


def test_a_missing_workload_names_the_reference() -> None:
    with pytest.raises(WorkloadProblem) as raised:
        resolve_manifest(referencing(), None)
    assert raised.value.path == "spec.workloadRef"
    assert "Deployment 'web' not found" in raised.value.message


def test_a_workload_of_another_kind_is_refused() -> None:
    with pytest.raises(WorkloadProblem) as raised:
        resolve_manifest(referencing({**REF, "kind": "ReplicaSet"}), deployment())
    assert raised.value.path == "spec.workloadRef.kind"


def test_a_written_template_is_not_overwritten() -> None:
    manifest = referencing(**{"spec.template": base_rollout()["spec"]["template"]})
    with pytest.raises(WorkloadProblem) as raised:
        resolve_manifest(manifest, deployment())
    assert (raised.value.path, raised.value.message) == ("spec.template", TEMPLATE_NOT_EMPTY)


def test_a_pod_template_gives_its_template_but_no_selector() -> None:
    ref = {"apiVersion": "v1", "kind": "PodTemplate", "name": "web"}
    pod_template = {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": {"name": "web"},
        "template": deployment()["spec"]["template"],
    }
    with pytest.raises(WorkloadProblem) as raised:
        resolve_manifest(referencing(ref), pod_template)
    assert raised.value.path == "spec.selector"
    own = referencing(ref, **{"spec.selector": {"matchLabels": {"app": "web"}}})
    assert _valid(resolve_manifest(own, pod_template)).spec.template is not None


def test_a_manifest_without_reference_loses_a_stale_mark() -> None:
    manifest = with_fields(
        base_rollout(), {"metadata.annotations": {RESOLVED_ANNOTATION: "Deployment/web", "a": "b"}}
    )
    assert resolve_manifest(manifest, None)["metadata"]["annotations"] == {"a": "b"}
