"""`serve --namespaced` against the fake API: one namespace watched, every call it makes is a
namespaced one that deploy/overlays/namespaced's Roles grant, and nothing cluster-scoped (no
ClusterAnalysisTemplates, no list across namespaces) is read."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rich.console import Console

from adapters.cli.cluster import Cluster
from adapters.cli.serve import run_on_kubernetes
from adapters.runtime.settings import NatsSettings, Settings
from tests.deploy.manifests import of_kind, overlay, pod_spec
from tests.deploy.test_rbac import Grant, effective_grants
from tests.integration.kubernetes_controller.harness import NAME, NS
from tests.integration.kubernetes_controller.test_cli import (
    basic_rollout,
    kubeconfig,
    run_until_healthy,
)
from tests.support.kube import FakeKube
from tests.support.nats import ContainerNatsServer, NatsServer

pytestmark = pytest.mark.integration
WORKERS = ("controller", "traffic", "scaler", "timer", "analysis")


def namespaced_grants() -> set[Grant]:
    objects = overlay("namespaced")
    (deployment,) = of_kind(objects, "Deployment")
    grants = effective_grants(objects, pod_spec(deployment)["serviceAccountName"])
    assert set(grants) == {"rollouts"}, "the namespaced install binds Roles only"
    return grants["rollouts"]


def seed_outside(fake_kube: FakeKube) -> None:
    """What a namespace-scoped controller must not touch: another namespace's Rollout and a
    cluster-scoped template."""
    fake_kube.create({**basic_rollout(), "metadata": {"name": NAME, "namespace": "elsewhere"}})
    fake_kube.create({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ClusterAnalysisTemplate",
        "metadata": {"name": "shared"},
        "spec": {"metrics": [{"name": "m", "provider": {"job": {"spec": {}}}}]},
    })  # fmt: skip


async def test_serve_namespaced_makes_only_calls_the_roles_grant(
    fake_kube: FakeKube, nats_server: NatsServer | ContainerNatsServer, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, nats=NatsSettings(url=nats_server.url))
    config = kubeconfig(tmp_path / "config", fake_kube.url)
    cluster = Cluster(config, "fake", (NS,), namespaced=True)
    seed_outside(fake_kube)

    async def run(stop: asyncio.Event, out: Console) -> None:
        await run_on_kubernetes(
            settings, cluster, WORKERS, console=out, stop=stop, watch_templates=True
        )

    output = await run_until_healthy(fake_kube, run)
    assert f"({NS}, namespace-scoped: no ClusterAnalysisTemplates)" in output
    calls = [r.call for r in fake_kube.requests if r.call is not None]
    assert calls, "the fake API logged no call"
    outside = sorted({f"{c.verb} {c.resource.plural} in {c.namespace!r}" for c in calls
                      if c.namespace != NS})  # fmt: skip
    assert outside == []
    made = {
        (c.resource.group, c.resource.plural + (f"/{c.subresource}" if c.subresource else ""),
         c.verb)
        for c in calls
    }  # fmt: skip
    assert made - namespaced_grants() == set()
    assert not any(plural == "clusteranalysistemplates" for _, plural, _ in made)
    untouched = fake_kube.get("rollouts", "elsewhere", NAME)
    assert untouched is not None and not untouched.get("status")
