"""Every YAML file under deploy/ and compose.yaml parses, and every Kubernetes object in them is
well formed (apiVersion, kind, a DNS-1123 name, labels that say what it is part of)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.deploy.manifests import COMPOSE, DEPLOY, ROOT, kubernetes_objects, yaml_files

FILES = [*yaml_files(), COMPOSE]
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
# Objects installed by the overlays carry app.kubernetes.io/part-of: rollouts; examples and the
# Argo CD patch belong to the user and to Argo CD.
NOT_OURS = ("examples", "argocd")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_file_parses(path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    assert documents, f"{path} is empty"
    for document in documents:
        assert isinstance(document, dict)


def test_deploy_holds_the_expected_pieces() -> None:
    for relative in (
        "crds/kustomization.yaml",
        "base/kustomization.yaml",
        "nats/kustomization.yaml",
        "overlays/split-workers/kustomization.yaml",
        "overlays/all-in-one/kustomization.yaml",
        "monitoring/kustomization.yaml",
        "argocd/argocd-cm-rollout-actions.yaml",
        "nats-helm-values.yaml",
        "compose/prometheus.yml",
        "README.md",
    ):
        assert (DEPLOY / relative).is_file(), relative


OBJECTS = [(path, manifest) for path in yaml_files() for manifest in kubernetes_objects(path)]


@pytest.mark.parametrize(
    ("path", "manifest"),
    OBJECTS,
    ids=[f"{p.relative_to(ROOT)}#{m['metadata']['name']}" for p, m in OBJECTS],
)
def test_object_is_well_formed(path: Path, manifest: dict[str, object]) -> None:
    metadata = manifest["metadata"]
    assert isinstance(metadata, dict)
    assert DNS_1123.match(metadata["name"]), metadata["name"]
    if not any(part in path.parts for part in NOT_OURS):
        assert metadata["labels"]["app.kubernetes.io/part-of"] == "rollouts"
