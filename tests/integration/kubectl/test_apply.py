"""`kubectl apply` of the CRDs, the seed's manifests, deploy/examples and Argo's examples.

A manifest is expected to apply when every document has a kind the fake serves once the CRDs
are in (ours, and the third-party ones Argo's e2e suite ships), a concrete name (no
`generateName`, no template placeholder) and parses as YAML. The rest must fail, as on a
cluster, and the two lists are checked exactly so a manifest cannot silently drop out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.kubectl.conftest import CRDS, ROOT
from tests.integration.kubectl.kubectl import Kubectl, needs_kubectl
from tests.support.kube import FakeKube

pytestmark = [pytest.mark.integration, needs_kubectl]
DATA = ROOT / "tests" / "data" / "conformance"
THIRD_PARTY_CRDS = sorted((DATA / "argo-e2e").glob("crds__*.yaml"))
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
Obj = dict[str, Any]


def documents(path: Path) -> list[Obj] | None:
    """The objects of a manifest file, None if it is not one (a Helm template, values...)."""
    try:
        found = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    except yaml.YAMLError:
        return None
    if not found or not all(isinstance(doc, dict) and doc.get("kind") for doc in found):
        return None
    return found


def appliable(fake: FakeKube, path: Path) -> bool:
    found = documents(path)
    if found is None:
        return False
    served = {(r.api_version, r.kind) for r in fake.registry.all()}
    return all(
        (doc.get("apiVersion"), doc["kind"]) in served
        and NAME.match(str((doc.get("metadata") or {}).get("name", "")))
        for doc in found
    )


def stored(fake: FakeKube, doc: Obj) -> Obj | None:
    resource = fake.registry.of_object(doc)
    namespace = "" if not resource.namespaced else doc["metadata"].get("namespace", "default")
    return fake.get(resource, namespace, doc["metadata"]["name"])


async def apply_all(kubectl: Kubectl, fake: FakeKube, paths: list[Path]) -> list[Path]:
    """Applies each manifest the fake should take; returns those it should refuse."""
    wanted = [path for path in paths if appliable(fake, path)]
    args = [arg for path in wanted for arg in ("-f", str(path))]
    result = await kubectl.ok("apply", *args)
    assert result.err == "", result.err
    for path in wanted:
        for doc in documents(path) or []:
            found = stored(fake, doc)
            assert found is not None, f"{path.name}: {doc['kind']} {doc['metadata']['name']}"
            assert LAST_APPLIED in found["metadata"]["annotations"], path.name
    return [path for path in paths if path not in wanted]


async def refused(kubectl: Kubectl, paths: list[Path]) -> list[str]:
    """The manifests kubectl fails to apply (each alone)."""
    return [p.name for p in paths if (await kubectl.run("apply", "-f", str(p))).code != 0]


async def test_the_crds_apply_and_become_served_types(tmp_path: Path) -> None:
    async with FakeKube() as fresh:
        kubectl = Kubectl(fresh.url, tmp_path)
        assert fresh.resource("rollouts").columns is None
        assert not any(r.plural == "apisixroutes" for r in fresh.registry.all())
        args = [arg for path in CRDS + THIRD_PARTY_CRDS for arg in ("-f", str(path))]
        result = await kubectl.ok("apply", *args)
        assert "customresourcedefinition.apiextensions.k8s.io/rollouts.argoproj.io created" in (
            result.out
        )
        assert fresh.resource("rollouts").columns and fresh.resource("rollouts").schema
        names = (await kubectl.ok("get", "crd", "-o", "name")).out.split()
        assert "customresourcedefinition.apiextensions.k8s.io/apisixroutes.apisix.apache.org" in (
            names
        )
        assert (
            await kubectl.ok("get", "apisixroutes")
        ).err == "No resources found in default namespace.\n"
        crd = await kubectl.json("get", "crd", "rollouts.argoproj.io")
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions == {"NamesAccepted": "True", "Established": "True"}
        again = await kubectl.ok("apply", "-f", str(CRDS[0]))
        assert again.out.strip().endswith("unchanged")


async def test_the_seed_and_argo_examples_apply(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    fake_kube.install_crds(THIRD_PARTY_CRDS)
    paths = [
        *sorted((DATA / "seed").glob("*.yaml")),
        *sorted((ROOT / "deploy" / "examples").glob("*.yaml")),
        *sorted((DATA / "argo-examples").glob("*.yaml")),
    ]
    left = await apply_all(kubectl, fake_kube, paths)
    assert (DATA / "seed" / "payments-api-rollout.yaml") not in left
    assert await refused(kubectl, left) == [path.name for path in left]
    assert {path.name for path in left} == {
        "notifications.yaml",  # notifications.argoproj.io NotificationTemplate: no CRD here
        "payments-api-fleet.yaml",  # Argo CD's ApplicationSet
        "ambassador__echo-mapping.yaml",
        "ambassador__resolver.yaml",
        "appmesh__canary-service.yaml",
        "helm-blue-green__Chart.yaml",
        "helm-blue-green__templates__rollout.yaml",
        "helm-blue-green__templates__services.yaml",
        "helm-blue-green__values.yaml",
        "notifications__kustomization.yaml",
        "traffic-management__rollout-linkerd.yaml",  # a Helm template
    }
    again = await kubectl.ok("apply", "-f", str(ROOT / "deploy" / "examples" / "canary.yaml"))
    assert again.out.strip() == "rollout.argoproj.io/guestbook unchanged"


@pytest.mark.slow
async def test_argo_e2e_manifests_apply_or_are_created(
    kubectl: Kubectl, fake_kube: FakeKube
) -> None:
    """Argo's e2e suite `kubectl create`s its generateName manifests: so do we."""
    fake_kube.install_crds(THIRD_PARTY_CRDS)
    paths = [p for p in sorted((DATA / "argo-e2e").glob("*.yaml")) if p not in THIRD_PARTY_CRDS]
    left = await apply_all(kubectl, fake_kube, paths)
    generated = [p for p in left if "generateName:" in p.read_text() and documents(p)]
    for path in generated:
        out = (await kubectl.ok("create", "-f", str(path))).out
        assert re.search(r"/[a-z0-9-]+-[a-z0-9]{5} created", out), out
    rest = [path for path in left if path not in generated]
    assert await refused(kubectl, rest) == [path.name for path in rest]
    assert len(paths) - len(left) >= 70, "most of Argo's e2e manifests apply"


async def test_a_field_the_crd_lacks_is_refused(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    """kubectl asks for strict server-side validation (the OpenAPI v3 document says it is
    supported): a field the CRD does not declare fails the apply, as on a cluster."""
    manifest = yaml.safe_load((DATA / "seed" / "payments-api-rollout.yaml").read_text())
    manifest["spec"]["strategy"]["canary"]["stepz"] = []
    result = await kubectl.run("apply", "-f", "-", stdin=json.dumps(manifest))
    assert result.code == 1
    assert 'strict decoding error: unknown field "spec.strategy.canary.stepz"' in result.err
    assert fake_kube.get("rollouts", "production", "payments-api") is None
    warned = await kubectl.ok("apply", "--validate=warn", "-f", "-", stdin=json.dumps(manifest))
    assert 'unknown field "spec.strategy.canary.stepz"' in warned.err
    kept = fake_kube.get("rollouts", "production", "payments-api")
    assert kept is not None and "stepz" not in kept["spec"]["strategy"]["canary"]


async def test_server_side_apply(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    path = str(DATA / "seed" / "payments-api-rollout.yaml")
    assert "serverside-applied" in (await kubectl.ok("apply", "--server-side", "-f", path)).out
    first = fake_kube.get("rollouts", "production", "payments-api")
    assert first is not None and first["spec"]["replicas"] == 40
    manifest = yaml.safe_load(Path(path).read_text())
    manifest["spec"]["replicas"] = 12
    await kubectl.ok("apply", "--server-side", "-f", "-", stdin=json.dumps(manifest))
    second = fake_kube.get("rollouts", "production", "payments-api")
    assert second is not None and second["spec"]["replicas"] == 12
    assert second["metadata"]["uid"] == first["metadata"]["uid"]
    assert second["metadata"]["generation"] == 2
    patches = fake_kube.requests_for("patch", "rollouts")
    assert {r.content_type for r in patches} == {"application/apply-patch+yaml"}
    assert all(r.query.get("fieldManager") == "kubectl" for r in patches)


def no_directives(value: Any) -> bool:
    if isinstance(value, dict):
        return all(not k.startswith("$") and no_directives(v) for k, v in value.items())
    return all(no_directives(item) for item in value) if isinstance(value, list) else True


async def test_reapplying_built_in_kinds_merges_lists_by_key(
    kubectl: Kubectl, fake_kube: FakeKube
) -> None:
    """kubectl sends strategic merge patches for built-in kinds: ports merged by port,
    containers by name, `$patch: delete` and `$setElementOrder` obeyed, never stored."""
    services = (ROOT / "deploy" / "examples" / "canary-services.yaml").read_text()
    await kubectl.ok("apply", "-f", "-", stdin=services)
    changed = services.replace("port: 80", "port: 81")
    out = (await kubectl.ok("apply", "-f", "-", stdin=changed)).out
    assert "service/guestbook-stable configured" in out
    stable = fake_kube.get("services", "default", "guestbook-stable")
    assert stable is not None and no_directives(stable)
    assert stable["spec"]["ports"] == [
        {"name": "http", "port": 81, "protocol": "TCP", "targetPort": "http"}
    ]
    containers = [{"name": n, "image": f"{n}:1"} for n in ("app", "sidecar", "proxy")]
    labels = {"app": "web"}
    pod: Obj = {"containers": containers}
    template = {"metadata": {"labels": labels}, "spec": pod}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": labels}, "template": template},
    }
    await kubectl.ok("apply", "-f", "-", stdin=json.dumps(deployment))
    pod["containers"] = [
        {"name": "proxy", "image": "proxy:2"},
        {"name": "app", "image": "app:1"},
    ]
    await kubectl.ok("apply", "-f", "-", stdin=json.dumps(deployment))
    stored = fake_kube.get("deployments", "default", "web")
    assert stored is not None and no_directives(stored)
    kept = stored["spec"]["template"]["spec"]["containers"]
    assert kept == [{"name": "proxy", "image": "proxy:2"}, {"name": "app", "image": "app:1"}]
    patches = fake_kube.requests_for("patch", "deployments")
    assert patches[-1].content_type == "application/strategic-merge-patch+json"


async def test_server_dry_run_and_diff(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    """`kubectl apply --dry-run=server` and `kubectl diff` send dryRun=All: answered, not kept."""
    path = DATA / "seed" / "payments-api-rollout.yaml"
    out = (await kubectl.ok("apply", "--dry-run=server", "-f", str(path))).out
    assert out.strip() == "rollout.argoproj.io/payments-api created (server dry run)"
    assert fake_kube.get("rollouts", "production", "payments-api") is None
    await kubectl.ok("apply", "-f", str(path))
    version = fake_kube.resource_version
    assert (await kubectl.run("diff", "-f", str(path))).code == 0, "no difference"
    changed = path.read_text().replace("replicas: 40", "replicas: 12")
    diff = await kubectl.run("diff", "-f", "-", stdin=changed)
    assert diff.code == 1, diff.err
    assert "-  replicas: 40" in diff.out and "+  replicas: 12" in diff.out
    assert fake_kube.resource_version == version
    stored = fake_kube.get("rollouts", "production", "payments-api")
    assert stored is not None and stored["spec"]["replicas"] == 40
