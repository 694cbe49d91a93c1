"""`kubectl patch` exactly as `kubectl argo rollouts` patches, and the controller acting on it.

The plugin (pkg/kubectl-argo-rollouts/cmd/{promote,abort,retry,pause}) reads the Rollout,
then sends JSON merge patches: promote, abort and retry on the status subresource (promote
may add `{"spec":{"paused":false}}` on the main resource), pause on the main resource. Here
the same bodies go through a real kubectl (`--type=merge`, `--subresource=status`) to the
fake, the project's Kubernetes controller (real NATS) watches it, and the tests assert what
it decided: the stream's events and the status it wrote back. The Rollout and its templates
are created with `kubectl apply`, the update is a `kubectl apply` of a new image.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

import events.models as ev
from tests.integration.kubectl.conftest import ROOT
from tests.integration.kubectl.kubectl import Kubectl, needs_kubectl
from tests.integration.kubernetes_controller import plugin
from tests.integration.kubernetes_controller.harness import NAME, NS, System, status, template

pytestmark = [pytest.mark.integration, needs_kubectl]
SEED = ROOT / "tests" / "data" / "conformance" / "seed"
V2 = "registry.example.com/payments-api:2.0.0"
MERGE = "application/merge-patch+json"
Obj = dict[str, Any]


class KubectlPlugin:
    """The plugin's commands as kubectl invocations: same reads, bodies and subresources."""

    def __init__(self, kubectl: Kubectl) -> None:
        self.kubectl = kubectl
        self.sent: list[tuple[str, str]] = []

    async def get(self) -> Obj:
        found: Obj = await self.kubectl.json("get", "rollout", NAME, "-n", NS)
        return found

    async def patch(self, body: str, subresource: str = "") -> None:
        args = ["patch", "rollout", NAME, "-n", NS, "--type=merge", "-p", body]
        if subresource:
            args.append(f"--subresource={subresource}")
        self.sent.append((subresource, body))
        out = (await self.kubectl.ok(*args)).out
        assert out.startswith(f"rollout.argoproj.io/{NAME} "), out

    async def promote(self, *, full: bool = False) -> None:
        spec_patch, status_patch = plugin.promote_patches(await self.get(), full=full)
        if status_patch is not None:
            await self.patch(status_patch, "status")
        if spec_patch is not None:
            await self.patch(spec_patch)

    async def abort(self) -> None:
        await self.patch(plugin.ABORT, "status")

    async def retry(self) -> None:
        await self.patch(plugin.RETRY, "status")

    async def pause(self) -> None:
        await self.patch(plugin.PAUSE)


def rollout(image: str = "", steps: list[Obj] | None = None, replicas: int | None = None) -> Obj:
    manifest: Obj = yaml.safe_load((SEED / "payments-api-rollout.yaml").read_text())
    spec = manifest["spec"]
    if image:
        spec["template"]["spec"]["containers"][0]["image"] = image
    if steps is not None:
        spec["strategy"]["canary"]["steps"] = steps
    if replicas is not None:
        spec["replicas"] = replicas
    return manifest


async def apply(kubectl: Kubectl, *objects: Obj) -> None:
    documents = "\n---\n".join(json.dumps(obj) for obj in objects)
    await kubectl.ok("apply", "-f", "-", stdin=documents)


async def deployed(system: System, kubectl: Kubectl, manifest: Obj) -> None:
    success = yaml.safe_load((SEED / "payments-success-rate-template.yaml").read_text())
    success["metadata"]["namespace"] = NS
    templates = [template("payments-p99-latency"), template("payments-business-metrics")]
    await apply(kubectl, success, *templates, manifest)
    await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o).get("observedGeneration") == "1"
    )


async def at_analysis_step(system: System, kubectl: Kubectl) -> None:
    await deployed(system, kubectl, rollout())
    await apply(kubectl, rollout(V2))
    await system.wait(
        lambda o: (
            status(o).get("currentStepIndex") == 1 and status(o).get("observedGeneration") == "2"
        )
    )


def no_pruned_writes(system: System) -> None:
    """Every status the controller wrote fits the CRD's schema (nothing was dropped)."""
    assert system.kube.http.warnings == []


def patches_received(system: System) -> list[tuple[str, Any]]:
    """(subresource, body) of the merge patches kubectl sent, as the server decoded them."""
    return [
        (r.call.subresource or "", r.body)
        for r in system.kube.requests_for("patch", "rollouts")
        if r.user_agent.startswith("kubectl/") and r.content_type == MERGE and r.call is not None
    ]


async def commands(system: System) -> list[tuple[str, str]]:
    return [
        (event.command, event.actor)
        for event in await system.events()
        if isinstance(event, ev.CommandAccepted)
    ]


async def test_promote_skips_the_analysis_step_then_ends_the_pause(
    system: System, kubectl: Kubectl
) -> None:
    cli = KubectlPlugin(kubectl)
    await at_analysis_step(system, kubectl)
    await cli.promote()
    assert cli.sent[-1] == ("status", plugin.CLEAR_PAUSES_WITH_STEP % 2)
    paused = await system.wait(lambda o: status(o).get("phase") == "Paused")
    assert status(paused)["currentStepIndex"] == 2
    assert [c["reason"] for c in status(paused)["pauseConditions"]] == ["CanaryPauseStep"]
    await cli.promote()
    assert cli.sent[-1] == ("status", plugin.CLEAR_PAUSES)
    moved = await system.wait(lambda o: status(o).get("currentStepIndex") == 4)
    assert status(moved)["canary"]["weights"]["canary"]["weight"] == 25
    assert [c for c in await commands(system) if c[0] == "promote"] == [
        ("promote", "kubernetes"),
        ("promote", "kubernetes"),
    ]
    assert patches_received(system)[-2:] == [
        ("status", {"status": {"pauseConditions": None, "currentStepIndex": 2}}),
        ("status", {"status": {"pauseConditions": None}}),
    ]
    no_pruned_writes(system)


async def test_abort_then_retry(system: System, kubectl: Kubectl) -> None:
    cli = KubectlPlugin(kubectl)
    await at_analysis_step(system, kubectl)
    await cli.abort()
    aborted = await system.wait(lambda o: status(o).get("phase") == "Degraded")
    assert status(aborted)["abort"] is True
    assert status(aborted)["message"] == "RolloutAborted: Rollout aborted update to revision 2"
    await system.wait(lambda o: status(o)["canary"]["weights"]["canary"]["weight"] == 0)
    await cli.retry()
    retried = await system.wait(
        lambda o: "abort" not in status(o) and status(o).get("currentStepIndex") == 1
    )
    assert status(retried)["phase"] == "Progressing"
    assert [c for c, _ in await commands(system)][-2:] == ["abort", "retry"]
    assert patches_received(system)[-2:] == [
        ("status", {"status": {"abort": True}}),
        ("status", {"status": {"abort": False}}),
    ]
    no_pruned_writes(system)


async def test_pause_then_promote(system: System, kubectl: Kubectl) -> None:
    cli = KubectlPlugin(kubectl)
    steps: list[Obj] = [
        {"setWeight": 20},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {"duration": 1}},
    ]
    await deployed(system, kubectl, rollout(steps=steps, replicas=4))
    await apply(kubectl, rollout(V2, steps=steps, replicas=4))
    await system.wait(lambda o: status(o).get("phase") == "Paused")
    await cli.pause()
    assert cli.sent[-1] == ("", plugin.PAUSE)
    paused = await system.wait(lambda o: status(o).get("observedGeneration") == "3")
    assert status(paused)["message"] == "manually paused"
    await cli.promote()
    assert cli.sent[-2:] == [("status", plugin.CLEAR_PAUSES), ("", plugin.UNPAUSE)]
    done = await system.wait(
        lambda o: status(o).get("phase") == "Healthy" and status(o)["observedGeneration"] == "4"
    )
    assert status(done)["stableRS"] == status(done)["currentPodHash"]
    pauses = [e.paused for e in await system.events() if isinstance(e, ev.ManualPauseChanged)]
    assert pauses[:2] == [True, False]
    no_pruned_writes(system)


async def test_promote_full(system: System, kubectl: Kubectl) -> None:
    cli = KubectlPlugin(kubectl)
    await at_analysis_step(system, kubectl)
    await cli.promote(full=True)
    assert cli.sent[-1] == ("status", plugin.PROMOTE_FULL)
    done = await system.wait(lambda o: status(o).get("phase") == "Healthy")
    assert status(done)["stableRS"] == status(done)["currentPodHash"]
    assert any(isinstance(e, ev.FullPromotionRequested) for e in await system.events())
    no_pruned_writes(system)


async def test_kubectl_patch_needs_type_merge_on_a_rollout(
    system: System, kubectl: Kubectl
) -> None:
    """`kubectl patch` defaults to a strategic merge patch, which a cluster refuses for
    custom resources: the plugin's `--type=merge` is required, here as there."""
    await deployed(system, kubectl, rollout())
    result = await kubectl.run("patch", "rollout", NAME, "-n", NS, "-p", plugin.PAUSE)
    assert result.code == 1, result.out
    assert "the body of the request was in an unknown format" in result.err
    assert system.kube.get("rollouts", NS, NAME)["spec"].get("paused") is None  # type: ignore[index]
