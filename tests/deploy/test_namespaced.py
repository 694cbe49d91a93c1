"""The namespace-scoped install (deploy/overlays/namespaced): generated from the cluster-wide
one, granted the same as the all-in-one process less what only a ClusterRole can grant, and
running `serve --namespaced` in its own namespace."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.deploy.manifests import DEPLOY, NAMESPACE, of_kind, overlay, pod_spec
from tests.deploy.test_rbac import EXPECTED, WORKERS, effective_grants

GENERATOR = DEPLOY / "overlays" / "namespaced" / "generate.py"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("namespaced_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_install_yaml_is_up_to_date() -> None:
    module = generator()
    assert module.TARGET.read_text() == module.rendered(), (
        "regenerate with `python deploy/overlays/namespaced/generate.py` and commit the result"
    )


def test_granted_what_the_all_in_one_process_calls_within_its_namespace_only() -> None:
    objects = overlay("namespaced")
    (deployment,) = of_kind(objects, "Deployment")
    wanted = set().union(*(EXPECTED[worker] for worker in WORKERS))
    cluster_scoped = {g for g in wanted if g[1] == "clusteranalysistemplates"}
    assert cluster_scoped, "the cluster-wide install grants ClusterAnalysisTemplates"
    grants = effective_grants(objects, pod_spec(deployment)["serviceAccountName"])
    assert grants == {NAMESPACE: wanted - cluster_scoped}


def test_the_process_runs_namespaced_in_its_own_namespace() -> None:
    (deployment,) = of_kind(overlay("namespaced"), "Deployment")
    (container,) = pod_spec(deployment)["containers"]
    assert container["args"][:3] == ["serve", "--platform", "kubernetes"]
    assert "--namespaced" in container["args"]
    env = {item["name"]: item for item in container["env"]}
    assert env["POD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
