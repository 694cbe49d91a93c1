"""Every kustomization builds, with the pure-Python resolver and, where it exists, with
`kubectl kustomize` (the machine image ships kubectl with kustomize built in); both agree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.kustomize import KustomizeError, build, identity, image_name
from tests.deploy.manifests import DEPLOY, KUSTOMIZATIONS, NAMESPACE, OVERLAYS, ROOT, overlay

KUBECTL = shutil.which("kubectl")


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=str)
def test_every_kustomization_builds(directory: Path) -> None:
    assert build(ROOT / directory), f"{directory} builds to nothing"


@pytest.mark.skipif(KUBECTL is None, reason="kubectl (with kustomize built in) is not installed")
@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=str)
def test_resolver_agrees_with_kubectl_kustomize(directory: Path) -> None:
    assert KUBECTL is not None
    result = subprocess.run(
        [KUBECTL, "kustomize", str(ROOT / directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    theirs = {identity(doc): doc for doc in yaml.safe_load_all(result.stdout) if doc}
    ours = {identity(doc): doc for doc in build(ROOT / directory)}
    assert sorted(ours) == sorted(theirs)
    for key, manifest in ours.items():
        assert manifest == theirs[key], f"{key} differs from kubectl kustomize"


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_puts_every_namespaced_object_in_the_rollouts_namespace(name: str) -> None:
    for manifest in overlay(name):
        namespace = manifest["metadata"].get("namespace")
        if manifest["kind"] in {"Namespace", "CustomResourceDefinition"} or manifest[
            "kind"
        ].startswith("Cluster"):
            assert namespace is None, identity(manifest)
        else:
            assert namespace == NAMESPACE, identity(manifest)


@pytest.mark.parametrize("name", OVERLAYS)
def test_overlay_pins_every_image(name: str) -> None:
    images = {
        container["image"]
        for manifest in overlay(name)
        if manifest["kind"] in {"Deployment", "StatefulSet"}
        for container in manifest["spec"]["template"]["spec"]["containers"]
    }
    assert images == {"rollouts:0.1.0", "nats:2.15.1"}


NAMESPACE_SCOPED_KINDS = {
    "StatefulSet",
    "Deployment",
    "Role",
    "RoleBinding",
    "ServiceAccount",
    "ConfigMap",
    "NetworkPolicy",
}
CLUSTER_KINDS = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}


@pytest.mark.parametrize("name", ["split-workers", "all-in-one"])
def test_overlay_includes_crds_nats_and_rbac(name: str) -> None:
    kinds = {manifest["kind"] for manifest in overlay(name)}
    assert kinds >= NAMESPACE_SCOPED_KINDS | CLUSTER_KINDS


def test_namespaced_overlay_installs_nothing_cluster_scoped() -> None:
    """What a namespace admin can apply: no CRD, no Namespace, no ClusterRole or binding."""
    kinds = {manifest["kind"] for manifest in overlay("namespaced")}
    assert kinds >= NAMESPACE_SCOPED_KINDS
    assert kinds & CLUSTER_KINDS == set()


@pytest.mark.parametrize(
    ("image", "name"),
    [
        ("rollouts", "rollouts"),
        ("rollouts:0.1.0", "rollouts"),
        ("registry:5000/team/rollouts:1@sha256:abc", "registry:5000/team/rollouts"),
    ],
)
def test_image_name_strips_tag_and_digest(image: str, name: str) -> None:
    assert image_name(image) == name


def test_resolver_refuses_fields_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\npatches: []\n")
    with pytest.raises(KustomizeError, match="patches"):
        build(tmp_path)


def test_every_kustomization_is_used_by_another_or_documented() -> None:
    """A kustomization nobody includes must be one the README tells people to apply."""
    readme = (DEPLOY / "README.md").read_text()
    included = {
        (ROOT / other / entry).resolve()
        for other in KUSTOMIZATIONS
        for entry in yaml.safe_load((ROOT / other / "kustomization.yaml").read_text()).get(
            "resources", []
        )
    }
    for directory in KUSTOMIZATIONS:
        assert (ROOT / directory).resolve() in included or f"{directory}" in readme, directory
