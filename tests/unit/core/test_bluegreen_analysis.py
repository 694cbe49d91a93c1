"""Blue-green pre- and post-promotion analysis (argo-semantics §2.4, §3.7; §8.1 item 13)."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from rollouts.phase import compute_phase
from tests.support.sim import Sim, analysis, rollout_manifest

PRE, POST = AnalysisRunKind.PRE_PROMOTION, AnalysisRunKind.POST_PROMOTION
BASE = {"activeService": "active", "previewService": "preview"}


def _updated(ready: bool = True, **blue_green: Any) -> Sim:
    spec = {**BASE, **blue_green}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, blue_green=spec))
    sim.ready = ready
    sim.deploy(rollout_manifest(replicas=2, image="app:2", blue_green=spec))
    return sim


def _requested(sim: Sim, kind: AnalysisRunKind) -> list[ev.AnalysisRunRequested]:
    return [e for e in sim.of(ev.AnalysisRunRequested) if e.kind is kind]


def test_no_pre_promotion_run_on_a_new_rollout() -> None:
    """TestDoNotCreatePrePromotionAnalysisRunOnNewRollout."""
    sim = Sim()
    sim.deploy(rollout_manifest(blue_green={**BASE, "prePromotionAnalysis": analysis("pre")}))
    assert sim.of(ev.AnalysisRunRequested) == [] and sim.phase == "Healthy"


def test_pre_promotion_run_waits_for_the_preview_stack() -> None:
    """TestDoNotCreatePrePromotionAnalysisRunOnNotReadyReplicaSet, TestCreatePrePromotion-
    AnalysisRun: named `-pre`, created once the new stack is fully available."""
    sim = _updated(ready=False, prePromotionAnalysis=analysis("pre"))
    assert _requested(sim, PRE) == []
    sim.ready = True
    sim.platform()
    (run,) = _requested(sim, PRE)
    assert run.run_name == f"demo-{sim.state.current_pod_hash}-2-pre"
    assert sim.state.selectors["active"] == sim.state.stable_rs, "the run gates the switch"


def test_pre_promotion_run_starts_at_preview_replica_count() -> None:
    sim = _updated(prePromotionAnalysis=analysis("pre"), previewReplicaCount=1)
    assert sim.rs(2).desired == 1 and len(_requested(sim, PRE)) == 1


def test_pre_promotion_success_switches_the_active_service() -> None:
    """TestRolloutPrePromotionAnalysisSwitchServiceAfterSuccess."""
    sim = _updated(prePromotionAnalysis=analysis("pre"))
    sim.observe_run(PRE, AnalysisPhase.RUNNING)
    assert not sim.state.fully_promoted
    sim.observe_run(PRE, AnalysisPhase.SUCCESSFUL)
    assert sim.state.selectors["active"] == sim.state.current_pod_hash
    assert sim.state.fully_promoted


def test_pre_promotion_success_then_manual_pause() -> None:
    """§2.4 step 3: the BlueGreenPause only comes after the pre-promotion run succeeded."""
    sim = _updated(prePromotionAnalysis=analysis("pre"), autoPromotionEnabled=False)
    assert sim.state.pause_condition(PauseReason.BLUE_GREEN_PAUSE) is None
    sim.observe_run(PRE, AnalysisPhase.SUCCESSFUL)
    assert sim.state.pause_condition(PauseReason.BLUE_GREEN_PAUSE) is not None
    sim.command(inp.Promote)
    assert sim.state.fully_promoted


@pytest.mark.parametrize("phase", [AnalysisPhase.FAILED, AnalysisPhase.ERROR])
def test_pre_promotion_failure_aborts(phase: AnalysisPhase) -> None:
    """TestAbortRolloutOnErrorPrePromotionAnalysis, e2e TestBlueGreenPrePromotionFail."""
    sim = _updated(prePromotionAnalysis=analysis("pre"))
    sim.observe_run(PRE, phase, "too slow")
    assert sim.phase == "Degraded" and sim.state.abort_message == (
        "Rollout aborted update to revision 2: Blue/green pre-promotion analysis phase "
        "error/failed: too slow"
    )
    assert sim.state.selectors["active"] == sim.state.stable_rs


def test_pre_promotion_inconclusive_pauses_and_promote_reruns() -> None:
    """TestRolloutPrePromotionAnalysisBecomesInconclusive; after the user clears the pause the
    new run's success leads to the BlueGreenPause again (Argo resets controllerPause)."""
    sim = _updated(prePromotionAnalysis=analysis("pre"), autoPromotionEnabled=False)
    sim.observe_run(PRE, AnalysisPhase.INCONCLUSIVE)
    assert sim.phase == "Paused" and sim.state.message == "InconclusiveAnalysisRun"
    sim.command(inp.Promote)
    assert len(_requested(sim, PRE)) == 2 and sim.phase == "Progressing"
    sim.observe_run(PRE, AnalysisPhase.SUCCESSFUL)
    assert sim.state.pause_condition(PauseReason.BLUE_GREEN_PAUSE) is not None
    assert not sim.state.fully_promoted
    sim.command(inp.Promote)
    assert sim.state.fully_promoted


def test_auto_promotion_seconds_counts_from_the_pause_after_analysis() -> None:
    """TestRolloutPrePromotionAnalysisHonorAutoPromotionSeconds."""
    sim = _updated(prePromotionAnalysis=analysis("pre"), autoPromotionSeconds=10)
    sim.advance(60)
    sim.observe_run(PRE, AnalysisPhase.SUCCESSFUL)
    condition = sim.state.pause_condition(PauseReason.BLUE_GREEN_PAUSE)
    assert condition is not None and condition.start_time == sim.now
    sim.run_timers()
    assert sim.state.fully_promoted


def test_post_promotion_run_after_the_switch_makes_the_new_stack_stable() -> None:
    """TestCreatePostPromotionAnalysisRun, TestRolloutPostPromotionAnalysisSuccess; the old
    stack waits for the analysis when no scaleDownDelaySeconds was set."""
    sim = _updated(postPromotionAnalysis=analysis("post"))
    (run,) = _requested(sim, POST)
    assert run.run_name == f"demo-{sim.state.current_pod_hash}-2-post"
    assert sim.state.selectors["active"] == sim.state.current_pod_hash
    view = compute_phase(sim.state)
    assert view is not None and view.message == "waiting for analysis to complete"
    assert not sim.state.fully_promoted
    sim.run_timers()
    assert sim.rs(1).desired == 2 and not sim.of(ev.ScaleDownDeadlineSet)
    sim.observe_run(POST, AnalysisPhase.SUCCESSFUL)
    assert sim.state.fully_promoted and sim.phase == "Healthy"
    sim.run_timers()
    assert sim.rs(1).desired == 0


@pytest.mark.parametrize("phase", [AnalysisPhase.FAILED, AnalysisPhase.ERROR])
def test_post_promotion_failure_aborts_and_switches_back(phase: AnalysisPhase) -> None:
    """TestAbortRolloutOnErrorPostPromotionAnalysis, e2e TestBlueGreenPostPromotionFail."""
    sim = _updated(postPromotionAnalysis=analysis("post"))
    sim.observe_run(POST, phase)
    assert sim.state.abort and sim.state.selectors["active"] == sim.state.stable_rs
    assert sim.state.abort_message.endswith("Blue/green post-promotion analysis phase error/failed")
    assert sim.rs(1).desired == 2
    sim.run_timers()
    assert sim.replicas_by_revision() == {1: 2, 2: 0}


def test_post_promotion_inconclusive_pauses() -> None:
    """TestPostPromotionAnalysisRunHandleInconclusive."""
    sim = _updated(postPromotionAnalysis=analysis("post"))
    sim.observe_run(POST, AnalysisPhase.INCONCLUSIVE)
    assert sim.phase == "Paused" and not sim.state.fully_promoted
    sim.command(inp.Promote)
    assert len(_requested(sim, POST)) == 2


def test_promote_full_skips_pause_and_both_analyses() -> None:
    """TestBlueGreenPromoteFull, TestBlueGreenPreviewReplicaCountPromoteFull."""
    sim = _updated(
        prePromotionAnalysis=analysis("pre"),
        postPromotionAnalysis=analysis("post"),
        autoPromotionEnabled=False,
        previewReplicaCount=1,
    )
    (pre,) = _requested(sim, PRE)
    sim.command(inp.Promote, full=True)
    sim.platform()
    assert sim.state.fully_promoted and _requested(sim, POST) == []
    assert sim.of(ev.RolloutCompleted)[-1].reason == "Full promotion requested"
    terminated = [(e.run_name, e.reason) for e in sim.of(ev.AnalysisRunTerminationRequested)]
    assert terminated == [(pre.run_name, "full promotion requested")]
