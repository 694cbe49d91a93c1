"""Where deploy/'s files are, and the objects each overlay installs (built once per session)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from tests.deploy.kustomize import Manifest, build, load_documents

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = ROOT / "compose.yaml"
OVERLAYS = ("split-workers", "all-in-one", "namespaced")
KUSTOMIZATIONS = tuple(
    sorted(path.parent.relative_to(ROOT) for path in DEPLOY.rglob("kustomization.yaml"))
)
NAMESPACE = "rollouts"
HTTP_PORT = 8090


def yaml_files() -> list[Path]:
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in DEPLOY.rglob(pattern)
        if "__pycache__" not in path.parts
    )


def kubernetes_objects(path: Path) -> list[Manifest]:
    """The Kubernetes objects of a file (kustomizations and non-object YAML excluded)."""
    if path.name == "kustomization.yaml":
        return []
    return [
        doc
        for doc in load_documents(path)
        if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc
    ]


@functools.cache
def overlay(name: str) -> tuple[Manifest, ...]:
    return tuple(build(DEPLOY / "overlays" / name))


def of_kind(objects: tuple[Manifest, ...], kind: str) -> list[Manifest]:
    return [manifest for manifest in objects if manifest["kind"] == kind]


def named(objects: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    matches = [m for m in of_kind(objects, kind) if m["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec
