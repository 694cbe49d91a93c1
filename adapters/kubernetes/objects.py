"""Reading Rollout objects as the API serves them, and turning their spec into a manifest.

The manifest the watcher applies is the object minus what the API server and other controllers
own: status, uid, resourceVersion, managedFields, timestamps, owner references, and kubectl's
`last-applied-configuration` copy of the whole object. `metadata.generation` is kept on
purpose: the core records the manifest it applied (`SpecApplied`), so the generation in it is
the `status.observedGeneration` to report, even after a restart. Pure functions: no IO.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rollouts.spec.base import API_VERSION

Obj = dict[str, Any]
Key = tuple[str, str]

GROUP = "argoproj.io"
VERSION = "v1alpha1"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
KEPT_METADATA = ("name", "namespace", "labels", "annotations", "generation")


def metadata_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    found = obj.get("metadata")
    return found if isinstance(found, Mapping) else {}


def key_of(obj: Mapping[str, Any]) -> Key:
    metadata = metadata_of(obj)
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def uid_of(obj: Mapping[str, Any]) -> str:
    return str(metadata_of(obj).get("uid") or "")


def generation_of(obj: Mapping[str, Any]) -> int:
    value = metadata_of(obj).get("generation")
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


def version_of(obj: Mapping[str, Any]) -> str:
    return str(metadata_of(obj).get("resourceVersion") or "")


def status_of(obj: Mapping[str, Any] | None) -> Obj:
    found = (obj or {}).get("status")
    return dict(found) if isinstance(found, Mapping) else {}


def newer(candidate: Mapping[str, Any], current: Mapping[str, Any] | None) -> bool:
    """Whether `candidate` is a later version of the object than `current`.

    resourceVersions are opaque to clients in principle; every API server in use hands out
    etcd revisions (integers), so they are compared as numbers when both are, and a candidate
    of another object (a new uid: deleted and created again) always wins."""
    if current is None or uid_of(candidate) != uid_of(current):
        return True
    mine, theirs = version_of(candidate), version_of(current)
    if mine.isdigit() and theirs.isdigit():
        return int(mine) >= int(theirs)
    return True


def spec_manifest(obj: Mapping[str, Any]) -> Obj:
    """The Rollout manifest to apply: spec and user metadata, nothing server-managed.

    The apiVersion is the one the core parses, whatever group the object was served under (a
    cluster may serve the same schema under another group to run beside Argo Rollouts)."""
    metadata = metadata_of(obj)
    kept: Obj = {key: copy.deepcopy(metadata[key]) for key in KEPT_METADATA if key in metadata}
    annotations = {k: v for k, v in (kept.get("annotations") or {}).items() if k != LAST_APPLIED}
    if annotations:
        kept["annotations"] = annotations
    else:
        kept.pop("annotations", None)
    return {
        "apiVersion": API_VERSION,
        "kind": "Rollout",
        "metadata": kept,
        "spec": copy.deepcopy(obj.get("spec") or {}),
    }


def template_manifest(obj: Mapping[str, Any], kind: str) -> Obj:
    """An AnalysisTemplate or ClusterAnalysisTemplate as the template store keeps it."""
    manifest = spec_manifest(obj)
    manifest["kind"] = kind
    manifest["metadata"].pop("generation", None)
    if kind == "ClusterAnalysisTemplate":
        manifest["metadata"].pop("namespace", None)
    return manifest


def spec_input_id(obj: Mapping[str, Any]) -> str:
    """One id per spec generation of one object: a relist or a restart publishes the same id
    again, which JetStream's duplicate window (and the core's recent causes) drop."""
    return f"k8s-spec:{uid_of(obj)}:{generation_of(obj)}"


def status_input_id(obj: Mapping[str, Any], command: str) -> str:
    """One id per (status change, command): the resourceVersion names the change."""
    return f"k8s-status:{uid_of(obj)}:{version_of(obj)}:{command}"
