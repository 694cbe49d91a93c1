"""A tiny kustomize for the features deploy/ uses: `resources` (files, and directories with a
kustomization.yaml), `namespace` and `images`. Anything else in a kustomization is an error, so a
new feature in deploy/ cannot be silently ignored by the tests; where `kubectl kustomize` exists,
test_kustomize.py checks this resolver agrees with it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

SUPPORTED_FIELDS = frozenset({"apiVersion", "kind", "resources", "namespace", "images"})
CLUSTER_SCOPED = frozenset(
    {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}
)
POD_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job"})


class KustomizeError(ValueError):
    pass


def load_documents(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def read_kustomization(directory: Path) -> dict[str, Any]:
    config = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(config) - SUPPORTED_FIELDS
    if unsupported:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unsupported)}")
    return dict(config)


def build(directory: Path) -> list[Manifest]:
    """The objects `kubectl kustomize directory` would print (in file order)."""
    config = read_kustomization(directory)
    objects: list[Manifest] = []
    for entry in config.get("resources", []):
        target = (directory / entry).resolve()
        if target.is_dir():
            objects.extend(build(target))
        else:
            objects.extend(copy.deepcopy(doc) for doc in load_documents(target))
    if "namespace" in config:
        for manifest in objects:
            _set_namespace(manifest, config["namespace"])
    for image in config.get("images", []):
        for manifest in objects:
            _set_image(manifest, image)
    _check_unique(objects, directory)
    return objects


def identity(manifest: Manifest) -> tuple[str, str, str, str]:
    meta = manifest["metadata"]
    return (manifest["apiVersion"], manifest["kind"], meta.get("namespace", ""), meta["name"])


def _check_unique(objects: list[Manifest], directory: Path) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for manifest in objects:
        key = identity(manifest)
        if key in seen:
            raise KustomizeError(f"{directory}: {key} is defined twice")
        seen.add(key)


def _set_namespace(manifest: Manifest, namespace: str) -> None:
    if manifest["kind"] not in CLUSTER_SCOPED:
        manifest["metadata"]["namespace"] = namespace


def containers(manifest: Manifest) -> list[dict[str, Any]]:
    if manifest["kind"] not in POD_TEMPLATE_KINDS:
        return []
    pod = manifest["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def image_name(image: str) -> str:
    """`registry:5000/app:tag@sha256:...` -> `registry:5000/app`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return name[: len(name) - len(last)] + last.split(":", 1)[0]


def _set_image(manifest: Manifest, rule: dict[str, str]) -> None:
    for container in containers(manifest):
        if image_name(container["image"]) != rule["name"]:
            continue
        name = rule.get("newName", rule["name"])
        if "digest" in rule:
            container["image"] = f"{name}@{rule['digest']}"
        elif "newTag" in rule:
            container["image"] = f"{name}:{rule['newTag']}"
        else:
            tail = container["image"][len(image_name(container["image"])) :]
            container["image"] = name + tail
