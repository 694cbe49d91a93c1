"""Going back: to the stable ReplicaSet mid-update, within rollbackWindow, outside it, and a
blue-green rollback to a ReplicaSet still inside its scale-down delay (argo-semantics §2.6)."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisRunKind
from rollouts.decide.revisions import rollback_within_window
from rollouts.state import ReplicaSetState, RolloutState
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

STEPS = [{"setWeight": 50}, {"analysis": analysis("check")}, {"pause": {}}]


def _canary(**extra: Any) -> dict[str, Any]:
    return {"steps": STEPS, "analysis": analysis("bg"), **extra}


def _at(image: str, canary: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return rollout_manifest(replicas=2, image=image, canary=canary, **spec)


def test_rollback_to_stable_mid_update_skips_every_step() -> None:
    """TestRollBackToStable: SkipSteps, index = len(steps), no analysis, no RolloutCompleted
    (the stable hash does not change)."""
    sim = Sim()
    sim.deploy(_at("app:1", _canary()))
    sim.deploy(_at("app:2", _canary()))
    runs = len(sim.of(ev.AnalysisRunRequested))
    completed = len(sim.of(ev.RolloutCompleted))
    sim.deploy(_at("app:1", _canary()))
    skipped = sim.of(ev.StepsSkipped)[-1]
    assert (skipped.step_index, skipped.reason) == (3, "Rollback to stable ReplicaSets")
    assert sim.state.fully_promoted and sim.phase == "Healthy"
    assert sim.state.revision == 3 and sim.rs(3).pod_template_hash == sim.state.stable_rs
    assert len(sim.of(ev.AnalysisRunRequested)) == runs
    assert len(sim.of(ev.RolloutCompleted)) == completed
    assert sim.replicas_by_revision() == {3: 2, 2: 0}


def test_rollback_to_stable_with_changed_steps_still_skips() -> None:
    """TestRollBackToStableAndStepChange."""
    sim = Sim()
    sim.deploy(_at("app:1", _canary()))
    sim.deploy(_at("app:2", _canary()))
    sim.deploy(_at("app:1", {"steps": [{"setWeight": 10}, {"pause": {}}]}))
    assert sim.of(ev.StepsSkipped)[-1].reason == "Rollback to stable ReplicaSets"
    assert sim.state.current_step_index == 2 and sim.state.fully_promoted


def test_undo_during_an_update_is_the_same_fast_rollback() -> None:
    sim = Sim()
    sim.deploy(_at("app:1", _canary()))
    sim.deploy(_at("app:2", _canary()))
    sim.command(inp.Undo)
    sim.platform()
    assert sim.state.fully_promoted and sim.of(ev.StepsSkipped)[-1].reason.startswith("Rollback")


def _promoted_twice(window: int, traffic: bool = False) -> Sim:
    canary = istio_canary(STEPS, scaleDownDelaySeconds=3600) if traffic else {"steps": STEPS}
    spec = {"rollbackWindow": {"revisions": window}}
    sim = Sim()
    sim.deploy(_at("app:1", canary, **spec))
    for image in ("app:2", "app:3"):
        sim.deploy(_at(image, canary, **spec))
        sim.command(inp.Promote, full=True)
        sim.platform()
    assert sim.state.revision == 3 and sim.state.fully_promoted
    return sim


def test_rollback_within_window_is_fast_tracked() -> None:
    """TestRollBackToActiveReplicaSetWithinWindow, e2e TestRollbackAnalysisWithinWindow."""
    sim = _promoted_twice(window=2, traffic=True)
    runs = len(sim.of(ev.AnalysisRunRequested))
    sim.command(inp.Undo)
    sim.platform()
    assert sim.of(ev.StepsSkipped)[-1].reason == (
        "Rollback to active ReplicaSets within RollbackWindow"
    )
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Rollback within window"
    assert len(sim.of(ev.AnalysisRunRequested)) == runs, "no analysis on a fast rollback"
    assert sim.state.fully_promoted and sim.state.current_pod_hash == sim.rs(4).pod_template_hash


def test_rollback_outside_window_runs_all_steps_again() -> None:
    """e2e TestRollbackAnalysisOutsideWindow: a normal update, analysis included."""
    sim = _promoted_twice(window=1)
    sim.command(inp.Undo, to_revision=1)
    sim.platform()
    assert not sim.state.fully_promoted and sim.state.current_step_index == 1
    assert sim.run(AnalysisRunKind.STEP) is not None
    assert not [e for e in sim.of(ev.StepsSkipped) if "Rollback" in e.reason]


WINDOW_CASES = [
    # TestRollbackWindow: created order 0 is oldest; (stable, new, revisions, within)
    (0, None, 1, False),
    (0, 1, 1, False),
    (1, 0, 1, True),
    (2, 0, 2, True),
    (3, 0, 2, False),
]


@pytest.mark.parametrize(("stable", "new", "revisions", "within"), WINDOW_CASES)
def test_rollback_window_table(stable: int, new: int | None, revisions: int, within: bool) -> None:
    sim = Sim()
    sim.deploy(rollout_manifest(rollbackWindow={"revisions": revisions}))
    spec = sim.state.spec
    sets = {
        f"h{i}": ReplicaSetState(
            pod_template_hash=f"h{i}", revision=i + 1, template={}, created_order=i
        )
        for i in range(5)
    }
    state = RolloutState(
        namespace="default",
        name="demo",
        spec=spec,
        replica_sets=sets,
        stable_rs=f"h{stable}",
        current_pod_hash=None if new is None else f"h{new}",
    )
    assert rollback_within_window(state) is within


BLUE_GREEN = {"activeService": "active", "previewService": "preview", "scaleDownDelaySeconds": 300}


def test_bluegreen_rollback_to_a_set_inside_its_delay_is_fast_tracked() -> None:
    """TestFastRollback: the previous active stack is still up, so no pause, no analysis."""
    blue_green = {
        **BLUE_GREEN,
        "autoPromotionEnabled": False,
        "prePromotionAnalysis": analysis("pre"),
    }
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, blue_green=blue_green))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", blue_green=blue_green))
    sim.command(inp.Promote, full=True)
    sim.platform()
    runs = len(sim.of(ev.AnalysisRunRequested))
    assert sim.rs(1).desired == 2 and sim.rs(1).scale_down_deadline is not None
    sim.command(inp.Undo)
    sim.platform()
    reused = sim.of(ev.RevisionReused)[-1]
    assert reused.within_scale_down_delay and reused.revision == 3
    assert sim.state.selectors["active"] == sim.rs(3).pod_template_hash
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Fast rollback"
    assert len(sim.of(ev.AnalysisRunRequested)) == runs and sim.phase == "Healthy"


def test_bluegreen_rollback_after_the_delay_is_a_normal_update() -> None:
    blue_green = {**BLUE_GREEN, "autoPromotionEnabled": False}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, blue_green=blue_green))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", blue_green=blue_green))
    sim.command(inp.Promote)
    sim.platform()
    sim.run_timers()
    assert sim.rs(1).desired == 0
    sim.command(inp.Undo)
    sim.platform()
    assert not sim.of(ev.RevisionReused)[-1].within_scale_down_delay
    assert sim.phase == "Paused" and not sim.state.fully_promoted
