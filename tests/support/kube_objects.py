"""Small manifest builders for tests against the fake (or a real) Kubernetes API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Obj = dict[str, Any]


def metadata(name: str, namespace: str = "default", labels: Mapping[str, str] | None = None) -> Obj:
    found: Obj = {"name": name, "namespace": namespace}
    if labels:
        found["labels"] = dict(labels)
    return found


def replica_set(
    name: str,
    replicas: int = 1,
    labels: Mapping[str, str] | None = None,
    namespace: str = "default",
    min_ready_seconds: int = 0,
) -> Obj:
    chosen = dict(labels or {"app": name})
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata(name, namespace, chosen),
        "spec": {
            "replicas": replicas,
            "minReadySeconds": min_ready_seconds,
            "selector": {"matchLabels": chosen},
            "template": {
                "metadata": {"labels": chosen},
                "spec": {"containers": [{"name": "app", "image": f"{name}:1"}]},
            },
        },
    }


def service(
    name: str, selector: Mapping[str, str] | None = None, namespace: str = "default"
) -> Obj:
    spec = {"selector": dict(selector or {"app": "demo"}), "ports": [{"port": 80}]}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, namespace),
        "spec": spec,
    }


def rollout(
    name: str,
    replicas: int | None = 3,
    labels: Mapping[str, str] | None = None,
    namespace: str = "default",
) -> Obj:
    chosen = dict(labels or {"app": name})
    spec: Obj = {
        "selector": {"matchLabels": chosen},
        "template": {
            "metadata": {"labels": chosen},
            "spec": {"containers": [{"name": "app", "image": f"{name}:1"}]},
        },
        "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": metadata(name, namespace),
        "spec": spec,
    }


def custom(api_version: str, kind: str, name: str, namespace: str = "default", **spec: Any) -> Obj:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": metadata(name, namespace),
        "spec": dict(spec),
    }
