"""`rollouts apply` of a Deployment plus a Rollout referencing it, on the local platform: the
rollout runs the Deployment's template, onsuccess scales the Deployment's local twin to 0, and a
Deployment applied again with a new image is a new revision of the rollout."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

import events.models as ev
from adapters.local.workloads import LocalWorkloads
from adapters.workers.workloads import WorkloadReconciler
from events.jetstream import JetStreamEventStore
from tests.integration.cli.conftest import System

pytestmark = pytest.mark.integration
DEPLOYMENT_KEY = ("default", "Deployment", "web")


def deployment(image: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": image}]},
            },
        },
    }


ROLLOUT: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {"name": "web-rollout"},
    "spec": {
        "replicas": 2,
        "workloadRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "scaleDown": "onsuccess",
        },
        "strategy": {"canary": {"steps": [{"setWeight": 50}]}},
    },
}


def documents(*objects: dict[str, Any]) -> str:
    return yaml.safe_dump_all(objects)


async def healthy(system: System) -> None:
    done = await system.cli("status", "web-rollout", "--timeout", "30s")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1] == "Healthy"


async def test_apply_resolves_the_deployment_and_a_new_image_is_a_new_revision(
    system: System,
) -> None:
    twin = LocalWorkloads({DEPLOYMENT_KEY: 2})
    workloads = WorkloadReconciler(twin, retry_delay=0.05)
    assert system.app.projection is not None
    system.app.projection.on_event(workloads.on_state)
    try:
        both = system.write("both.yaml", documents(deployment("web:1"), ROLLOUT))
        applied = await system.cli("apply", "-f", both)
        assert applied.exit_code == 0, applied.output
        assert applied.stdout.splitlines() == [
            "deployment default/web read",
            "rollout default/web-rollout created",
        ]
        await healthy(system)
        shown = await system.cli("get", "rollout", "web-rollout")
        assert "web:1" in shown.stdout, shown.stdout
        await system.settled()
        assert twin.replicas[DEPLOYMENT_KEY] == 0, twin.calls

        alone = system.write("deployment.yaml", documents(deployment("web:2")))
        again = await system.cli("apply", "-f", alone)
        assert again.exit_code == 0, again.output
        assert again.stdout.splitlines() == [
            "deployment default/web read",
            "rollout default/web-rollout configured",
        ]
        await system.until(
            lambda r: "web:2" in r.stdout and "revision:2" in r.stdout,
            "get",
            "rollout",
            "web-rollout",
        )
        await healthy(system)
        assert system.app.connection is not None
        stored = await JetStreamEventStore(system.app.connection.js).load("default", "web-rollout")
        created = [s.event for s in stored if isinstance(s.event, ev.RevisionCreated)]
        assert [e.revision for e in created] == [1, 2]
        assert created[1].template["spec"]["containers"][0]["image"] == "web:2"
    finally:
        system.app.projection.off_event(workloads.on_state)
        await workloads.stop()


async def test_a_rollout_whose_deployment_is_nowhere_is_refused(system: System) -> None:
    alone = system.write("rollout.yaml", documents(ROLLOUT))
    refused = await system.cli("apply", "-f", alone)
    assert refused.exit_code == 1
    assert "rollout default/web-rollout: spec.workloadRef: Deployment default/web not found" in (
        refused.stderr
    )
