"""Argo's golden end-to-end sequences (event_sequences.json), reproduced through `decide`:
the Kubernetes event reasons, the phases at each wait point and the pod counts."""

from __future__ import annotations

from typing import Any

import events.inputs as inp
from rollouts.reasons import reason_sequence
from rollouts.state import initial_state
from tests.conftest import load_conformance
from tests.support.sim import Sim, rollout_manifest

SEQUENCES: dict[str, dict[str, Any]] = {
    case["source"].split()[-1]: case for case in load_conformance("event_sequences.json")
}


def _reasons(sim: Sim) -> list[str]:
    return reason_sequence(initial_state(sim.namespace, sim.name), sim.events)


def _pods(sim: Sim) -> dict[str, int]:
    return {f"rev{rev}": count for rev, count in sorted(sim.replicas_by_revision().items())}


def test_both_sequences_are_loaded() -> None:
    assert set(SEQUENCES) == {"TestRolloutAbortRetryPromote", "TestBlueGreenUpdate"}


def test_canary_abort_retry_promote() -> None:
    """e2e TestRolloutAbortRetryPromote: replicas 1, [setWeight 50, pause 3s], no router."""
    case = SEQUENCES["TestRolloutAbortRetryPromote"]
    canary = {"steps": [{"setWeight": 50}, {"pause": {"duration": "3s"}}]}
    sim = Sim()
    phases: list[str | None] = []
    pods: dict[str, dict[str, int]] = {}

    sim.deploy(rollout_manifest(canary=canary))
    phases.append(sim.phase)
    sim.deploy(rollout_manifest(image="nginx:2", canary=canary))
    phases.append(sim.phase)
    pods["after_update_paused"] = _pods(sim)
    sim.command(inp.Abort)
    sim.platform()
    phases.append(sim.phase)
    sim.command(inp.Retry)
    sim.platform()
    phases.append(sim.phase)
    pods["after_retry_paused"] = _pods(sim)
    sim.run_timers()
    phases.append(sim.phase)
    pods["final"] = _pods(sim)

    assert phases == case["expected_phases"]
    assert pods == case["pod_counts"]
    assert _reasons(sim) == case["expected_event_reasons"]


def test_bluegreen_update_with_auto_promotion() -> None:
    """e2e TestBlueGreenUpdate: replicas 3, autoPromotionEnabled default.

    The case file's summary mentions a preview service too, but its event list has no
    SwitchService for one, and Argo's switchServiceSelector records SwitchService for every
    service it patches; the events are the fact, so this run has the active service only (the
    next test pins what a preview service adds)."""
    case = SEQUENCES["TestBlueGreenUpdate"]
    expected = case["expected_replica_counts_desired_current_updated_ready_available"]
    blue_green = {"activeService": "active"}
    sim = Sim()

    sim.deploy(rollout_manifest(replicas=3, blue_green=blue_green))
    assert sim.phase == "Healthy"
    assert list(sim.status_counts()) == expected["initial"]

    sim.deploy(rollout_manifest(replicas=3, image="nginx:2", blue_green=blue_green))
    assert sim.state.selectors["active"] == sim.state.current_pod_hash
    assert list(sim.status_counts()) == expected["after_update_active_rev2"]
    assert sim.phase == "Healthy"
    assert list(sim.status_counts()) == expected["healthy"]
    assert _reasons(sim) == case["expected_event_reasons"]

    sim.run_timers()
    assert sim.replicas_by_revision() == {1: 0, 2: 3}, "old stack goes after scaleDownDelaySeconds"
    assert _reasons(sim) == [*case["expected_event_reasons"], "ScalingReplicaSet"]


def test_bluegreen_preview_service_adds_one_switch_per_revision() -> None:
    """Argo reconcilePreviewService switches the preview service as soon as the RS exists."""
    case = SEQUENCES["TestBlueGreenUpdate"]
    blue_green = {"activeService": "active", "previewService": "preview"}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=3, blue_green=blue_green))
    sim.deploy(rollout_manifest(replicas=3, image="nginx:2", blue_green=blue_green))
    reasons = _reasons(sim)
    expected = list(case["expected_event_reasons"])
    expected.insert(expected.index("NewReplicaSetCreated") + 1, "SwitchService")
    second = len(expected) - 1 - expected[::-1].index("NewReplicaSetCreated")
    expected.insert(second + 1, "SwitchService")
    assert reasons == expected
