"""Canary analysis (argo-semantics §3.7): step runs gate their step, background runs can only
pause or abort, and neither runs when there is nothing to judge."""

from __future__ import annotations

from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

STEP, BACKGROUND = AnalysisRunKind.STEP, AnalysisRunKind.BACKGROUND
STEPS = [{"setWeight": 25}, {"analysis": analysis("check")}, {"setWeight": 75}, {"pause": {}}]


def _updated(canary: dict[str, Any]) -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=4, canary=canary))
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=canary))
    return sim


def _requested(sim: Sim, kind: AnalysisRunKind) -> list[ev.AnalysisRunRequested]:
    return [e for e in sim.of(ev.AnalysisRunRequested) if e.kind is kind]


def test_step_run_is_requested_when_the_step_is_reached() -> None:
    """TestCreateAnalysisRunOnAnalysisStep: named <rollout>-<hash>-<revision>-<step>."""
    sim = _updated(istio_canary(STEPS))
    (run,) = _requested(sim, STEP)
    new, stable = sim.state.current_pod_hash, sim.state.stable_rs
    assert run.run_name == f"demo-{new}-2-1" and run.step_index == 1
    assert (run.pod_template_hash, run.stable_pod_template_hash) == (new, stable)
    assert run.analysis == analysis("check")
    assert sim.phase == "Progressing" and sim.state.current_step_index == 1


def test_no_run_on_the_initial_deploy() -> None:
    sim = Sim()
    sim.deploy(rollout_manifest(canary=istio_canary(STEPS, analysis=analysis("bg"))))
    assert sim.of(ev.AnalysisRunRequested) == [] and sim.state.fully_promoted


def test_successful_step_run_completes_the_step() -> None:
    """TestIncrementStepAfterSuccessfulAnalysisRun."""
    sim = _updated(istio_canary(STEPS))
    sim.observe_run(STEP, AnalysisPhase.RUNNING)
    assert sim.state.current_step_index == 1
    sim.observe_run(STEP, AnalysisPhase.SUCCESSFUL)
    assert [e.step for e in sim.of(ev.RolloutStepCompleted)][-2:] == [
        "analysis: check",
        "setWeight: 75",
    ]
    assert sim.phase == "Paused" and sim.weight == 75


@pytest.mark.parametrize("phase", [AnalysisPhase.FAILED, AnalysisPhase.ERROR])
def test_failed_or_errored_step_run_aborts(phase: AnalysisPhase) -> None:
    """TestErrorConditionAfterErrorAnalysisRunStep."""
    sim = _updated(istio_canary(STEPS))
    sim.observe_run(STEP, phase, "metric x failed")
    assert sim.state.abort and sim.phase == "Degraded"
    assert sim.state.abort_message == (
        "Rollout aborted update to revision 2: Step-based analysis phase error/failed: "
        "metric x failed"
    )
    assert sim.weight == 0 and sim.state.current_step_index == 0


def test_inconclusive_step_run_pauses_and_halts() -> None:
    """TestPausedStepAfterInconclusiveAnalysisRun."""
    sim = _updated(istio_canary(STEPS))
    sim.observe_run(STEP, AnalysisPhase.INCONCLUSIVE)
    assert sim.state.pause_condition(PauseReason.INCONCLUSIVE_ANALYSIS_RUN) is not None
    assert sim.phase == "Paused" and sim.state.message == "InconclusiveAnalysisRun"
    mark = sim.mark()
    sim.observe_rs(sim.state.current_pod_hash or "", 0)
    assert not sim.since(mark, ev.ReplicaSetScaleRequested), "no scaling while inconclusive"
    assert len(_requested(sim, STEP)) == 1


def test_promote_advances_past_an_inconclusive_step_run() -> None:
    sim = _updated(istio_canary(STEPS))
    sim.observe_run(STEP, AnalysisPhase.INCONCLUSIVE)
    sim.command(inp.Promote)
    sim.platform()
    assert sim.state.current_step_index == 3 and sim.weight == 75
    assert sim.of(ev.StepsSkipped)[-1].reason == "promoted past an inconclusive analysis"
    assert len(_requested(sim, STEP)) == 1, "promote skips the step, it does not re-run it"


def test_resume_reruns_an_inconclusive_step_and_pauses_again() -> None:
    """§3.7: after the user clears an Inconclusive pause a fresh run of that kind starts;
    that run being Inconclusive too pauses again (Argo resets controllerPause in between)."""
    sim = _updated(istio_canary(STEPS))
    sim.observe_run(STEP, AnalysisPhase.INCONCLUSIVE)
    sim.command(inp.Resume)
    names = [e.run_name for e in _requested(sim, STEP)]
    assert names == [names[0], f"{names[0]}.1"]
    assert sim.phase == "Progressing" and not sim.state.controller_pause
    sim.observe_run(STEP, AnalysisPhase.INCONCLUSIVE)
    assert len(_requested(sim, STEP)) == 2 and sim.phase == "Paused"


def test_consecutive_analysis_steps_each_get_a_run() -> None:
    """TestCreateAnalysisRunOnPromotedAnalysisStepIfPreviousStepWasAnalysisToo."""
    steps = [{"setWeight": 25}, {"analysis": analysis("a")}, {"analysis": analysis("b")}]
    sim = _updated(istio_canary(steps))
    sim.command(inp.Promote)
    first, second = _requested(sim, STEP)
    assert (first.step_index, second.step_index) == (1, 2)
    terminated = sim.of(ev.AnalysisRunTerminationRequested)
    assert [(e.run_name, e.reason) for e in terminated] == [(first.run_name, "step skipped")]


def test_abort_terminates_running_runs() -> None:
    """TestCancelAnalysisRunsWhenAborted."""
    sim = _updated(istio_canary(STEPS, analysis=analysis("bg")))
    sim.observe_run(STEP, AnalysisPhase.RUNNING)
    sim.command(inp.Abort)
    terminated = {e.run_name: e.reason for e in sim.of(ev.AnalysisRunTerminationRequested)}
    runs = [e.run_name for e in sim.of(ev.AnalysisRunRequested)]
    assert terminated == dict.fromkeys(runs, "rollout aborted")


def test_a_new_revision_terminates_the_old_runs() -> None:
    sim = _updated(istio_canary(STEPS, analysis=analysis("bg")))
    old = [e.run_name for e in sim.of(ev.AnalysisRunRequested)]
    sim.deploy(
        rollout_manifest(
            replicas=4, image="app:3", canary=istio_canary(STEPS, analysis=analysis("bg"))
        )
    )
    terminated = [e.run_name for e in sim.of(ev.AnalysisRunTerminationRequested)]
    assert sorted(terminated) == sorted(old) and len(old) == 2


def test_changing_steps_mid_update_terminates_the_runs_and_restarts() -> None:
    """TestResetCurrentStepIndexOnStepChange, and the runs of the old steps are cancelled."""
    sim = _updated(istio_canary(STEPS))
    changed = [{"setWeight": 10}, *STEPS]
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=istio_canary(changed)))
    assert sim.of(ev.UpdateReset)[-1].reason == "steps changed"
    assert [e.reason for e in sim.of(ev.AnalysisRunTerminationRequested)] == ["steps changed"]
    assert sim.state.current_step_index == 2 and sim.state.revision == 2


BACKGROUND_CANARY = istio_canary(STEPS, analysis={**analysis("bg"), "startingStep": 2})


def test_background_run_starts_at_starting_step() -> None:
    sim = _updated(BACKGROUND_CANARY)
    assert _requested(sim, BACKGROUND) == []
    sim.observe_run(STEP, AnalysisPhase.SUCCESSFUL)
    (run,) = _requested(sim, BACKGROUND)
    assert run.run_name == f"demo-{sim.state.current_pod_hash}-2" and run.step_index is None


def test_background_run_does_not_gate_steps_and_ends_with_the_rollout() -> None:
    """TestCancelBackgroundAnalysisRunWhenRolloutIsCompleted."""
    sim = _updated(istio_canary([{"setWeight": 50}, {"pause": {}}], analysis=analysis("bg")))
    (run,) = _requested(sim, BACKGROUND)
    sim.observe_run(BACKGROUND, AnalysisPhase.RUNNING)
    sim.command(inp.Promote)
    sim.platform()
    assert sim.state.fully_promoted
    terminated = sim.of(ev.AnalysisRunTerminationRequested)
    assert [(e.run_name, e.reason) for e in terminated] == [
        (run.run_name, "rollout fully promoted")
    ]


def test_background_inconclusive_pauses_instead_of_promoting() -> None:
    """e2e TestCanaryInconclusiveBackgroundAnalysis,
    TestPausedOnInconclusiveBackgroundAnalysisRun."""
    sim = Sim()
    canary = istio_canary([{"setWeight": 50}, {"pause": {"duration": 10}}], analysis=analysis("bg"))
    sim.deploy(rollout_manifest(replicas=4, canary=canary))
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=canary))
    sim.observe_run(BACKGROUND, AnalysisPhase.INCONCLUSIVE)
    sim.run_timers()
    assert not sim.state.fully_promoted and sim.phase == "Paused"
    assert len(_requested(sim, BACKGROUND)) == 1, (
        "TestDoNotCreateBackgroundAnalysisRunAfterInconclusiveRun"
    )
    sim.command(inp.Promote)
    assert len(_requested(sim, BACKGROUND)) == 2, "a cleared inconclusive pause starts a new run"


def test_background_failure_aborts_and_retry_starts_a_new_run() -> None:
    """TestErrorConditionAfterErrorAnalysisRunBackground; §2.5 retry: new analysis runs."""
    sim = _updated(istio_canary([{"setWeight": 50}, {"pause": {}}], analysis=analysis("bg")))
    sim.observe_run(BACKGROUND, AnalysisPhase.FAILED)
    assert sim.state.abort_message.endswith("Background analysis phase error/failed")
    sim.command(inp.Retry)
    sim.platform()
    assert not sim.state.abort and sim.phase == "Paused"
    first, second = _requested(sim, BACKGROUND)
    assert second.run_name == f"{first.run_name}.1"


def test_stale_or_backward_run_reports_are_dropped() -> None:
    sim = _updated(istio_canary(STEPS))
    sim.observe_run(STEP, AnalysisPhase.RUNNING)
    mark = sim.mark()
    sim.observe_run(STEP, AnalysisPhase.PENDING)
    sim.observe_run(STEP, AnalysisPhase.RUNNING)
    sim.send(inp.AnalysisRunObserved(input_id="x", run_name="nope", phase=AnalysisPhase.FAILED))
    assert sim.since(mark) == []
