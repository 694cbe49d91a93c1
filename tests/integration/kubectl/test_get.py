"""`kubectl get` prints the CRDs' printer columns, from the Table the fake answers."""

from __future__ import annotations

import asyncio

import pytest
import yaml

from tests.integration.kubectl.conftest import CRDS, ROOT
from tests.integration.kubectl.kubectl import Kubectl, needs_kubectl
from tests.support.kube import FakeKube
from tests.support.kube_crds import resource_types

pytestmark = [pytest.mark.integration, needs_kubectl]
SEED = ROOT / "tests" / "data" / "conformance" / "seed"


def seeded(fake: FakeKube) -> None:
    fake.create(yaml.safe_load((SEED / "payments-api-rollout.yaml").read_text()))
    template = yaml.safe_load((SEED / "payments-success-rate-template.yaml").read_text())
    fake.create(template)
    fake.set_status(
        "rollouts",
        "production",
        "payments-api",
        {"replicas": 41, "updatedReplicas": 2, "availableReplicas": 39, "phase": "Paused"},
    )


async def test_rollouts_and_templates_show_the_crd_columns(
    kubectl: Kubectl, fake_kube: FakeKube
) -> None:
    seeded(fake_kube)
    result = await kubectl.ok("get", "rollouts,analysistemplates", "-A")
    header, row, blank, template_header, template_row = result.out.splitlines()
    words = header.split()
    assert words == ["NAMESPACE", "NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row.split()[:6] == [
        "production",
        "rollout.argoproj.io/payments-api",
        "40",
        "41",
        "2",
        "39",
    ]
    assert row.split()[6].endswith("s"), "a fresh object's age is in seconds"
    assert blank == ""
    assert template_header.split() == ["NAMESPACE", "NAME", "AGE"]
    assert template_row.split()[:2] == [
        "default",
        "analysistemplate.argoproj.io/payments-success-rate",
    ]


async def test_every_crd_prints_its_columns(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    """Each CRD in deploy/crds (AnalysisRuns too, once they have one) as `kubectl get` shows
    it: NAME then the CRD's printer columns, in order, upper-cased."""
    for path in CRDS:
        for resource in resource_types(yaml.safe_load(path.read_text())):
            result = await kubectl.ok("get", resource.plural, "-A")
            assert result.out == "" and result.err.startswith("No resources found")
            fake_kube.create(
                {"apiVersion": resource.api_version, "kind": resource.kind,
                 "metadata": {"name": "probe", "namespace": "default"}}
            )  # fmt: skip
            header = (await kubectl.ok("get", resource.plural)).out.splitlines()[0].split()
            columns = [column.name.upper() for column in resource.columns or ()]
            assert header == ["NAME", *columns], resource.plural


async def test_rollouts_and_analysisruns(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    seeded(fake_kube)
    run = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
           "metadata": {"name": "payments-api-7f9c-2", "namespace": "production"}}  # fmt: skip
    fake_kube.create(run)
    out = (await kubectl.ok("get", "rollouts,analysisruns", "-n", "production")).out
    blocks = [block.splitlines() for block in out.split("\n\n")]
    assert blocks[0][0].split()[0:2] == ["NAME", "DESIRED"]
    assert blocks[1][0].split()[0] == "NAME"
    assert blocks[1][1].split()[0] == "analysisrun.argoproj.io/payments-api-7f9c-2"


async def test_single_objects_short_names_wide_and_sorting(
    kubectl: Kubectl, fake_kube: FakeKube
) -> None:
    seeded(fake_kube)
    lines = (await kubectl.ok("get", "ro", "payments-api", "-n", "production")).lines()
    assert lines[1][:5] == ["payments-api", "40", "41", "2", "39"]
    fake_kube.create({**yaml.safe_load((SEED / "payments-api-rollout.yaml").read_text()),
                      "metadata": {"name": "alpha", "namespace": "production"}})  # fmt: skip
    names = (await kubectl.ok("get", "ro", "-n", "production", "--sort-by=.metadata.name")).lines()
    assert [line[0] for line in names[1:]] == ["alpha", "payments-api"]
    sorted_list = fake_kube.requests_for("list", "rollouts")[-1]
    assert sorted_list.query.get("includeObject") == "Object"
    labels = (await kubectl.ok("get", "ro", "alpha", "-n", "production", "--show-labels")).lines()
    assert labels[0][-1] == "LABELS"
    document = await kubectl.json("get", "ro", "payments-api", "-n", "production")
    assert document["status"]["replicas"] == 41 and document["kind"] == "Rollout"


async def test_watch_prints_each_change(kubectl: Kubectl, fake_kube: FakeKube) -> None:
    """`kubectl get ro -w`: the list, then one line per change, from Table watch events."""
    seeded(fake_kube)
    process = await kubectl.start("get", "ro", "-n", "production", "-w")
    assert process.stdout is not None
    try:
        async with asyncio.timeout(20):
            header = (await process.stdout.readline()).decode().split()
            first = (await process.stdout.readline()).decode().split()
            status = {"replicas": 42, "updatedReplicas": 3, "availableReplicas": 40}
            fake_kube.set_status("rollouts", "production", "payments-api", status)
            changed = (await process.stdout.readline()).decode().split()
    finally:
        process.terminate()
        await process.communicate()
    assert header[:2] == ["NAME", "DESIRED"]
    assert first[:5] == ["payments-api", "40", "41", "2", "39"]
    assert changed[:5] == ["payments-api", "40", "42", "3", "40"]
    watches = fake_kube.requests_for("watch", "rollouts")
    assert watches and watches[-1].user_agent.startswith("kubectl/")
