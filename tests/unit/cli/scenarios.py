"""Rollouts at interesting moments, built by driving the pure core with the simulator."""

from __future__ import annotations

from typing import Any

import events.inputs as inp
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

ROUTED_STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {"pause": {}},
    {"setWeight": 50},
    {"pause": {"duration": 30}},
]
ANALYSIS_STEPS: list[dict[str, Any]] = [{"setWeight": 25}, {"analysis": analysis("check")}]
BLUE_GREEN: dict[str, Any] = {
    "activeService": "demo-active",
    "previewService": "demo-preview",
    "autoPromotionEnabled": False,
}


def canary_paused() -> Sim:
    """Revision 2 of a routed canary, paused at step 1 (an indefinite pause) at weight 20."""
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=4, canary=istio_canary(ROUTED_STEPS)))
    sim.advance(600)
    sim.deploy(rollout_manifest(replicas=4, image="nginx:2", canary=istio_canary(ROUTED_STEPS)))
    sim.advance(45)
    return sim


def canary_promoted() -> Sim:
    """The same rollout after `promote --full` let revision 2 become stable."""
    sim = canary_paused()
    sim.command(inp.Promote, full=True)
    sim.platform()
    sim.run_timers()
    return sim


def canary_aborted() -> Sim:
    sim = canary_paused()
    sim.command(inp.Abort)
    sim.platform()
    return sim


def canary_analysing() -> Sim:
    """A step analysis run of revision 2 is Running."""
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=4, canary=istio_canary(ANALYSIS_STEPS)))
    sim.deploy(rollout_manifest(replicas=4, image="nginx:2", canary=istio_canary(ANALYSIS_STEPS)))
    sim.observe_run(AnalysisRunKind.STEP, AnalysisPhase.RUNNING, "1 of 3 measurements")
    return sim


def basic_canary_paused() -> Sim:
    """A canary without traffic routing: weights come from replica counts."""
    canary = {"steps": [{"setWeight": 25}, {"pause": {}}]}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=4, canary=canary))
    sim.deploy(rollout_manifest(replicas=4, image="nginx:2", canary=canary))
    return sim


def blue_green_preview() -> Sim:
    """Revision 2 runs behind the preview service, waiting for promotion."""
    sim = Sim(name="bg")
    sim.deploy(rollout_manifest("bg", replicas=3, blue_green=BLUE_GREEN))
    sim.deploy(rollout_manifest("bg", replicas=3, image="nginx:2", blue_green=BLUE_GREEN))
    return sim
