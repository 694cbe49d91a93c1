"""`spec.workloadRef`: a Rollout that takes its pod template from a Deployment, ReplicaSet or
PodTemplate (argo-semantics §1.1), the way teams migrate a Deployment to a Rollout.

A manifest exists in two forms. As written, `spec.template` must be empty (Argo: "template must
be empty for workload reference rollout") and `spec.selector` may be left out. The adapter that
reads manifests (the Kubernetes Rollout watch, `rollouts apply`) then resolves it: it copies the
referenced object's template (and selector, when the Rollout has none) into the manifest and
marks it with `RESOLVED_ANNOTATION`, which plays the part of Argo's in-memory
`TemplateResolvedFromRef`. The core only ever decides on the resolved form, so the template is
hashed, stored and rolled out like any other, and it keeps `workloadRef` for scaleDown.

Pure: `resolve_manifest` works on decoded objects; fetching them is the adapters' business.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from rollouts.spec.base import SpecModel
from rollouts.spec.problems import ProblemList

WORKLOAD_API_VERSIONS: Final = {
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "PodTemplate": "v1",
}
SCALE_DOWN_MODES: Final = ("never", "onsuccess", "progressively")
RESOLVED_ANNOTATION: Final = "rollouts.dev/workload-ref-resolved"
"""Set by the resolving adapter to `<Kind>/<name>` of the object the template came from."""
TEMPLATE_NOT_EMPTY: Final = "template must be empty for workload reference rollout"
PATH: Final = "spec.workloadRef"


class WorkloadRef(SpecModel):
    """Argo's ObjectRef plus `scaleDown` (empty means `never`)."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    scale_down: str = ""

    @property
    def mode(self) -> str:
        return self.scale_down or "never"

    def describe(self) -> str:
        return f"{self.kind}/{self.name}"


class WorkloadProblem(Exception):
    """The reference cannot be resolved; `path` names the Rollout field to fix."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def check_workload_ref(ref: WorkloadRef, problems: ProblemList) -> None:
    """Every field of the reference, each problem naming its own field."""
    expected = WORKLOAD_API_VERSIONS.get(ref.kind)
    if expected is None:
        kinds = ", ".join(WORKLOAD_API_VERSIONS)
        problems.error(f"{PATH}.kind", f"must be one of {kinds}, got {ref.kind!r}")
    elif ref.api_version != expected:
        problems.error(
            f"{PATH}.apiVersion",
            f"must be {expected} for kind {ref.kind}, got {ref.api_version!r}",
        )
    if not ref.name:
        problems.error(f"{PATH}.name", "required: the name of the object to take the template from")
    if ref.mode not in SCALE_DOWN_MODES:
        modes = ", ".join(SCALE_DOWN_MODES)
        problems.error(f"{PATH}.scaleDown", f"must be one of {modes}, got {ref.scale_down!r}")
    elif ref.mode != "never" and ref.kind in WORKLOAD_API_VERSIONS and ref.kind != "Deployment":
        problems.error(
            f"{PATH}.scaleDown", f"{ref.mode} scales a Deployment down; kind is {ref.kind}"
        )


def is_resolved(annotations: Mapping[str, str]) -> bool:
    return RESOLVED_ANNOTATION in annotations


def template_is_empty(template: Mapping[str, Any] | None) -> bool:
    """Argo's EmptyTemplate: no labels, no annotations, no pod spec."""
    if not template:
        return True
    metadata = template.get("metadata") or {}
    return (
        not metadata.get("labels") and not metadata.get("annotations") and not template.get("spec")
    )


def reference_of(manifest: Mapping[str, Any]) -> tuple[str, str] | None:
    """(kind, name) a Rollout manifest refers to, or None; for adapters indexing referrers."""
    ref = (manifest.get("spec") or {}).get("workloadRef")
    if not isinstance(ref, Mapping):
        return None
    return str(ref.get("kind") or ""), str(ref.get("name") or "")


def resolve_manifest(
    manifest: Mapping[str, Any], workload: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The manifest with the referenced object's template (and selector) filled in.

    `workload` is the referenced object as the API serves it (None: it does not exist). A
    manifest without workloadRef comes back unchanged but for a stale resolution mark."""
    resolved = copy.deepcopy(dict(manifest))
    spec = resolved.setdefault("spec", {})
    annotations = dict((resolved.get("metadata") or {}).get("annotations") or {})
    ref = spec.get("workloadRef")
    if not isinstance(ref, Mapping):
        if annotations.pop(RESOLVED_ANNOTATION, None) is not None:
            resolved["metadata"]["annotations"] = annotations
        return resolved
    kind, name = str(ref.get("kind") or ""), str(ref.get("name") or "")
    if not is_resolved(annotations) and not template_is_empty(spec.get("template")):
        raise WorkloadProblem("spec.template", TEMPLATE_NOT_EMPTY)
    source = _checked(workload, kind, name)
    spec["template"] = _template_of(source, kind, name)
    if spec.get("selector") is None:
        spec["selector"] = _selector_of(source, kind)
    annotations[RESOLVED_ANNOTATION] = f"{kind}/{name}"
    resolved.setdefault("metadata", {})["annotations"] = annotations
    return resolved


def _checked(workload: Mapping[str, Any] | None, kind: str, name: str) -> Mapping[str, Any]:
    if workload is None:
        raise WorkloadProblem(PATH, f"{kind} {name!r} not found in the Rollout's namespace")
    found = str(workload.get("kind") or "")
    if found != kind:
        raise WorkloadProblem(f"{PATH}.kind", f"{name!r} is a {found or 'object'}, not a {kind}")
    return workload


def _template_of(workload: Mapping[str, Any], kind: str, name: str) -> dict[str, Any]:
    """Only what a Rollout template holds: labels, annotations and the pod spec."""
    holder = workload if kind == "PodTemplate" else workload.get("spec") or {}
    template = holder.get("template")
    if not isinstance(template, Mapping) or not isinstance(template.get("spec"), Mapping):
        raise WorkloadProblem(PATH, f"{kind} {name!r} has no pod template")
    metadata = template.get("metadata") or {}
    kept = {
        key: copy.deepcopy(metadata[key]) for key in ("labels", "annotations") if metadata.get(key)
    }
    return {"metadata": kept, "spec": copy.deepcopy(dict(template["spec"]))}


def _selector_of(workload: Mapping[str, Any], kind: str) -> dict[str, Any]:
    selector = (workload.get("spec") or {}).get("selector") if kind != "PodTemplate" else None
    if not isinstance(selector, Mapping):
        raise WorkloadProblem(
            "spec.selector", f"required: a {kind} has no selector to take it from"
        )
    return copy.deepcopy(dict(selector))
