"""The JSON merge patch that brings an existing ReplicaSet to what a `ReplicaSetSpec` asks.

Only what the adapter owns is compared: the replica count, minReadySeconds, the revision /
desired-replicas / ephemeral-metadata annotations, the hash and rollout labels, the controller
reference (added when adopting an orphan), and the pod template's labels (ephemeral labels
come and go; other template fields are fixed by the hash). None when nothing differs, so a
repeated `scale` writes nothing. Pure functions: no IO.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.kubernetes.manifests import (
    Naming,
    Obj,
    Owner,
    owned_annotations,
    pod_labels,
    replica_set_labels,
)
from rollouts.ports import ReplicaSetSpec

Changes = dict[str, Any]


def label_changes(current: Mapping[str, str], wanted: Mapping[str, str]) -> Changes:
    """Set what differs and drop what is not wanted (None deletes in a merge patch)."""
    changes: Changes = {key: value for key, value in wanted.items() if current.get(key) != value}
    changes.update({key: None for key in current if key not in wanted})
    return changes


def template_label_changes(existing: Mapping[str, Any], spec: ReplicaSetSpec) -> Changes:
    template = (existing.get("spec") or {}).get("template") or {}
    current = (template.get("metadata") or {}).get("labels") or {}
    return label_changes(current, pod_labels(spec))


def _metadata_changes(
    existing: Mapping[str, Any], spec: ReplicaSetSpec, owner: Owner | None, naming: Naming
) -> Changes:
    metadata = existing.get("metadata") or {}
    changes: Changes = {}
    labels = metadata.get("labels") or {}
    wanted_labels = replica_set_labels(spec, naming)
    if set_labels := {k: v for k, v in wanted_labels.items() if labels.get(k) != v}:
        changes["labels"] = set_labels
    current = metadata.get("annotations") or {}
    wanted = owned_annotations(spec, owner, naming)
    if notes := {k: v for k, v in wanted.items() if current.get(k) != v}:
        changes["annotations"] = notes
    references = list(metadata.get("ownerReferences") or [])
    if owner is not None and not any(ref.get("controller") for ref in references):
        changes["ownerReferences"] = [*references, owner.reference()]
    return changes


def _spec_changes(existing: Mapping[str, Any], spec: ReplicaSetSpec) -> Changes:
    current = existing.get("spec") or {}
    changes: Changes = {}
    if current.get("replicas", 1) != spec.replicas:
        changes["replicas"] = spec.replicas
    if current.get("minReadySeconds", 0) != spec.min_ready_seconds:
        changes["minReadySeconds"] = spec.min_ready_seconds
    if labels := template_label_changes(existing, spec):
        changes["template"] = {"metadata": {"labels": labels}}
    return changes


def replica_set_patch(
    existing: Mapping[str, Any], spec: ReplicaSetSpec, owner: Owner | None, naming: Naming
) -> Obj | None:
    patch: Obj = {}
    if metadata := _metadata_changes(existing, spec, owner, naming):
        patch["metadata"] = metadata
    if spec_changes := _spec_changes(existing, spec):
        patch["spec"] = spec_changes
    return patch or None
