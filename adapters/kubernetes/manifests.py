"""The ReplicaSet a rollout's revision needs, and the patch that brings an existing one there.

Argo's conventions (argo-semantics.md §1.1): the ReplicaSet is `<rollout>-<hash>`, its labels
are the pod template's plus `rollouts-pod-template-hash: <hash>`, its selector is the Rollout's
plus that label, its pod template carries that label and the ephemeral metadata of its role
(canary/stable labels, remembered in the `rollout.argoproj.io/ephemeral-metadata` annotation),
its annotations say the revision and the Rollout's `spec.replicas`, and it is controlled by the
Rollout object when one exists in the API. Pure functions: no IO.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.ports import ReplicaSetSpec

POD_TEMPLATE_HASH = "rollouts-pod-template-hash"
REVISION = "rollout.argoproj.io/revision"
DESIRED_REPLICAS = "rollout.argoproj.io/desired-replicas"
EPHEMERAL_METADATA = "rollout.argoproj.io/ephemeral-metadata"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"
ROLLOUT_LABEL = "rollouts.argoproj.io/rollout"
ROLLOUT_REF = "rollouts.argoproj.io/rollout-ref"
"""Annotation `<namespace>/<name>` of the rollout, written when its namespace is mapped."""
ROLLOUT_API_VERSION = "argoproj.io/v1alpha1"
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Owner:
    """What the ReplicaSet needs from the Rollout object, when it exists in the API."""

    name: str
    uid: str
    selector: Mapping[str, Any] = field(default_factory=dict)
    replicas: int = 1
    api_version: str = ROLLOUT_API_VERSION

    @classmethod
    def of(cls, rollout: Mapping[str, Any]) -> Owner:
        spec = rollout.get("spec") or {}
        metadata = rollout.get("metadata") or {}
        replicas = spec.get("replicas")
        return cls(
            name=str(metadata.get("name", "")),
            uid=str(metadata.get("uid", "")),
            selector=spec.get("selector") or {},
            replicas=1 if replicas is None else int(replicas),
            api_version=str(rollout.get("apiVersion") or ROLLOUT_API_VERSION),
        )

    def reference(self) -> Obj:
        return {
            "apiVersion": self.api_version,
            "kind": "Rollout",
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }


@dataclass(frozen=True, slots=True)
class Naming:
    """Where the ReplicaSet lives and how it names its rollout."""

    namespace: str
    label: str = ROLLOUT_LABEL
    reference: str | None = None
    """`<namespace>/<name>` when the rollout's namespace is not the ReplicaSet's."""


def template_labels(spec: ReplicaSetSpec) -> dict[str, str]:
    return dict((spec.template.get("metadata") or {}).get("labels") or {})


def pod_labels(spec: ReplicaSetSpec) -> dict[str, str]:
    """Labels of the pods: the template's, the ephemeral ones, and the hash (which wins)."""
    return {**template_labels(spec), **spec.pod_labels, POD_TEMPLATE_HASH: spec.pod_template_hash}


def replica_set_labels(spec: ReplicaSetSpec, naming: Naming) -> dict[str, str]:
    labels = {**template_labels(spec), POD_TEMPLATE_HASH: spec.pod_template_hash}
    if len(spec.rollout.name) <= 63 and _LABEL_VALUE.match(spec.rollout.name):
        labels[naming.label] = spec.rollout.name
    return labels


def owned_annotations(
    spec: ReplicaSetSpec, owner: Owner | None, naming: Naming
) -> dict[str, str | None]:
    """Annotations the adapter owns; None means "must be absent"."""
    wanted: dict[str, str | None] = {REVISION: str(spec.revision)}
    if owner is not None:
        wanted[DESIRED_REPLICAS] = str(owner.replicas)
    ephemeral = {"labels": dict(sorted(spec.pod_labels.items()))} if spec.pod_labels else None
    wanted[EPHEMERAL_METADATA] = json.dumps(ephemeral, separators=(",", ":")) if ephemeral else None
    wanted[ROLLOUT_REF] = naming.reference
    return wanted


def selector(spec: ReplicaSetSpec, owner: Owner | None) -> Obj:
    base = owner.selector if owner is not None and owner.selector else None
    match_labels = dict((base or {}).get("matchLabels") or template_labels(spec))
    chosen: Obj = {"matchLabels": {**match_labels, POD_TEMPLATE_HASH: spec.pod_template_hash}}
    if base and base.get("matchExpressions"):
        chosen["matchExpressions"] = copy.deepcopy(list(base["matchExpressions"]))
    return chosen


def replica_set_manifest(spec: ReplicaSetSpec, owner: Owner | None, naming: Naming) -> Obj:
    template = copy.deepcopy(dict(spec.template))
    template.setdefault("metadata", {})
    template["metadata"]["labels"] = pod_labels(spec)
    metadata: Obj = {
        "name": spec.name,
        "namespace": naming.namespace,
        "labels": replica_set_labels(spec, naming),
        "annotations": {
            key: value for key, value in owned_annotations(spec, owner, naming).items() if value
        },
    }
    if owner is not None:
        metadata["ownerReferences"] = [owner.reference()]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata,
        "spec": {
            "replicas": spec.replicas,
            "minReadySeconds": spec.min_ready_seconds,
            "selector": selector(spec, owner),
            "template": template,
        },
    }


def ownership_problem(
    existing: Mapping[str, Any], spec: ReplicaSetSpec, owner: Owner | None
) -> str:
    """Why `existing` cannot be adopted as this rollout's ReplicaSet ("" when it can)."""
    metadata = existing.get("metadata") or {}
    where = f"ReplicaSet {metadata.get('namespace', '')}/{metadata.get('name', '')}"
    found_hash = (metadata.get("labels") or {}).get(POD_TEMPLATE_HASH)
    if found_hash != spec.pod_template_hash:
        return (
            f"{where} exists but its {POD_TEMPLATE_HASH} label is {found_hash!r}, "
            f"not {spec.pod_template_hash!r}: it is not this revision's ReplicaSet"
        )
    controller = next(
        (ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), None
    )
    if controller is None:
        return ""
    if controller.get("kind") != "Rollout" or controller.get("name") != spec.rollout.name:
        return f"{where} is controlled by {controller.get('kind')} {controller.get('name')!r}"
    if owner is not None and controller.get("uid") != owner.uid:
        uid = controller.get("uid")
        return f"{where} is controlled by an earlier Rollout {owner.name!r} (uid {uid})"
    return ""
