"""Every call the controller makes for a workloadRef rollout is one deploy/base/rbac grants.

The workload path reads the referenced Deployment (and watches Deployments, ReplicaSets and
PodTemplates for template changes) and scales the Deployment through its scale subresource
(scaleDown onsuccess or progressively). Those calls belong to the controller worker, so
deploy/base/rbac/controller.yaml must grant each of them; every other call the whole system
made must be granted by one of the workers' roles (the all-in-one install binds them all). A
grant missing from the role would be a 403 on a cluster and a rollout stuck, not a test
failure, unless the calls are checked against the role itself, as here.
"""

from __future__ import annotations

import pytest

from tests.deploy.kustomize import load_documents
from tests.deploy.manifests import DEPLOY
from tests.deploy.test_rbac import Grant, _rules_grants
from tests.integration.kubernetes_controller.harness import System
from tests.integration.kubernetes_controller.test_workload_ref import (
    ROLLOUT,
    deployment,
    healthy,
    replicas_become,
    rollout,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration
RBAC = DEPLOY / "base" / "rbac"
WORKLOAD_RESOURCES = {("apps", "deployments"), ("apps", "deployments/scale"), ("", "podtemplates")}


def role_grants(file: str) -> set[Grant]:
    """What the (Cluster)Roles of one deploy/base/rbac file grant."""
    roles = [doc for doc in load_documents(RBAC / file) if doc["kind"] in ("ClusterRole", "Role")]
    assert roles, f"no role in {file}"
    return set().union(*(_rules_grants(role["rules"]) for role in roles))


def calls(kube: FakeKube) -> set[Grant]:
    """(apiGroup, resource[/subresource], verb) of every request the fake API answered."""
    found = set()
    for request in kube.requests:
        if request.call is None:
            continue
        resource = request.call.resource.plural
        if request.call.subresource:
            resource = f"{resource}/{request.call.subresource}"
        found.add((request.call.resource.group, resource, request.call.verb))
    return found


def assert_granted(kube: FakeKube) -> None:
    made = calls(kube)
    workload = {call for call in made if call[:2] in WORKLOAD_RESOURCES}
    assert ("apps", "deployments/scale", "patch") in workload, "scaleDown was exercised"
    assert ("apps", "deployments", "watch") in workload
    assert workload - role_grants("controller.yaml") == set()
    everything = set().union(*(role_grants(path.name) for path in RBAC.glob("*.yaml")))
    assert made - everything == set()


@pytest.mark.parametrize("scale_down", ["onsuccess", "progressively"])
async def test_every_workload_call_is_granted(system: System, scale_down: str) -> None:
    system.kube.create(deployment())
    system.kube.create(rollout(scale_down))
    await system.wait(healthy, ROLLOUT)
    await replicas_become(system, 0)
    assert_granted(system.kube)


def test_a_call_the_role_leaves_out_is_caught() -> None:
    """The check is against the file: a verb the controller role lacks is not granted."""
    granted = role_grants("controller.yaml")
    assert ("apps", "deployments/scale", "patch") in granted
    assert ("apps", "deployments", "update") not in granted
    assert ("apps", "deployments", "patch") not in granted
