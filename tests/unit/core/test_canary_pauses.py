"""Canary pause steps, the user's pause, and the progress deadline (argo-semantics §2.3, §2.7,
§8.1 items 3, 4 and 16)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import events.inputs as inp
import events.models as ev
from events.phases import PauseReason, RolloutPhase
from rollouts.phase import compute_phase
from rollouts.timers import next_wakeup
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

TIMED = [{"setWeight": 50}, {"pause": {"duration": "1m"}}, {"setWeight": 100}]
FOREVER = [{"setWeight": 50}, {"pause": {}}, {"setWeight": 100}]


def _paused_at_step(steps: list[Any], **spec: Any) -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(steps), **spec))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=istio_canary(steps), **spec))
    return sim


def test_reaching_a_pause_step_adds_the_condition_once() -> None:
    """TestCanaryRolloutEnterPauseState."""
    sim = _paused_at_step(FOREVER)
    condition = sim.state.pause_condition(PauseReason.CANARY_PAUSE_STEP)
    assert condition is not None and condition.start_time == sim.now
    assert sim.state.controller_pause and sim.state.current_step_index == 1
    assert (sim.phase, sim.state.message) == ("Paused", "CanaryPauseStep")
    assert len(sim.of(ev.PauseConditionAdded)) == 1


def test_nothing_moves_while_paused() -> None:
    """TestCanaryRolloutNoProgressWhilePaused."""
    sim = _paused_at_step(FOREVER)
    mark = sim.mark()
    sim.advance(3600)
    sim.platform()
    assert sim.since(mark) == [] and next_wakeup(sim.state) is None


def test_timed_pause_ends_exactly_at_start_plus_duration() -> None:
    """TestSyncRolloutWaitAddToQueue, TestResumeRolloutAfterPauseDuration."""
    sim = _paused_at_step(TIMED)
    start = sim.now
    assert next_wakeup(sim.state) == start + timedelta(seconds=60)
    sim.advance(59)
    assert sim.state.current_step_index == 1
    sim.run_timers()
    completed = sim.of(ev.RolloutStepCompleted)
    assert completed[1].step == "pause: 1m" and completed[1].at == start + timedelta(seconds=60)
    assert sim.state.fully_promoted and sim.phase == "Healthy"


def test_indefinite_pause_waits_for_promote() -> None:
    """TestCanaryRolloutIncrementStepAfterUnPaused."""
    sim = _paused_at_step(FOREVER)
    sim.command(inp.Promote)
    assert sim.state.current_step_index == 2 and not sim.state.controller_pause
    assert sim.of(ev.PauseConditionsCleared)[-1].reason == "promoted"
    sim.platform()
    assert sim.state.fully_promoted


def test_resume_also_ends_a_pause_step() -> None:
    sim = _paused_at_step(FOREVER)
    sim.command(inp.Resume)
    sim.platform()
    assert sim.state.fully_promoted


def test_user_pause_is_not_overridden_by_a_timed_pause_ending() -> None:
    """TestNoResumeAfterPauseDurationIfUserPaused, TestCanaryWithSpecPause."""
    sim = _paused_at_step(TIMED)
    sim.command(inp.Pause)
    sim.advance(3600)
    assert sim.state.current_step_index == 1 and sim.phase == "Paused"
    view = compute_phase(sim.state)
    assert view is not None and view.message == "manually paused"
    sim.command(inp.Resume)
    sim.platform()
    assert sim.state.fully_promoted


def test_spec_paused_in_the_manifest_halts_scaling() -> None:
    manifest = rollout_manifest(replicas=2, image="app:2", canary=istio_canary(FOREVER))
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(FOREVER)))
    manifest["spec"]["paused"] = True
    sim.deploy(manifest)
    assert sim.rs(2).desired == 0 and sim.phase == "Paused"
    assert sim.of(ev.ManualPauseChanged)[-1].paused
    manifest["spec"]["paused"] = False
    sim.deploy(manifest)
    assert sim.rs(2).desired == 1 and sim.state.current_step_index == 1


def test_a_resumed_pause_step_is_not_paused_again() -> None:
    """Argo's controllerPause guard: the user's clear is seen by the next reconcile."""
    sim = _paused_at_step([{"pause": {}}, {"pause": {}}])
    sim.command(inp.Promote)
    assert sim.state.current_step_index == 1 and sim.phase == "Paused"
    assert len(sim.of(ev.PauseConditionAdded)) == 2


def test_scaling_while_paused_keeps_the_step() -> None:
    """TestCanaryRolloutScaleWhilePaused: a replicas change is a scaling event."""
    canary = {"steps": [{"setWeight": 20}, {"pause": {}}], "maxSurge": 1, "maxUnavailable": 0}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=5, canary=canary))
    sim.deploy(rollout_manifest(replicas=5, image="app:2", canary=canary))
    assert sim.replicas_by_revision() == {1: 4, 2: 1}
    sim.deploy(rollout_manifest(replicas=10, image="app:2", canary=canary))
    assert sim.replicas_by_revision() == {1: 8, 2: 2}
    assert sim.state.current_step_index == 1 and sim.phase == "Paused"
    assert not [e for e in sim.of(ev.UpdateReset) if e.reason == "steps changed"]


DEADLINE = {"progressDeadlineSeconds": 60}


def _stuck(**spec: Any) -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(FOREVER), **spec))
    sim.ready = False
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=istio_canary(FOREVER), **spec))
    return sim


def test_no_progress_for_too_long_degrades() -> None:
    """argo-semantics §2.7: lastUpdateTime + progressDeadlineSeconds < now."""
    sim = _stuck(**DEADLINE)
    started = sim.now
    assert next_wakeup(sim.state) == started + timedelta(seconds=61)
    sim.advance(60)
    assert sim.phase == "Progressing"
    sim.run_timers()
    assert sim.phase == "Degraded"
    assert sim.state.message == (
        f'ProgressDeadlineExceeded: ReplicaSet "demo-{sim.state.current_pod_hash}" has timed '
        "out progressing."
    )
    assert not sim.state.abort and next_wakeup(sim.state) is None


def test_progress_after_the_deadline_recovers() -> None:
    sim = _stuck(**DEADLINE)
    sim.run_timers()
    sim.ready = True
    sim.platform()
    changes = [(e.from_phase, e.to_phase, e.trigger) for e in sim.of(ev.RolloutPhaseChanged)]
    assert (RolloutPhase.DEGRADED, RolloutPhase.PROGRESSING, "recover") in changes
    assert sim.phase == "Paused" and not sim.state.deadline_exceeded


def test_progress_deadline_abort_aborts_the_update() -> None:
    """TestBlueGreenProgressDeadlineAbort's canary twin."""
    sim = _stuck(progressDeadlineAbort=True, **DEADLINE)
    sim.run_timers()
    assert sim.state.abort and sim.phase == "Degraded"
    assert sim.of(ev.RolloutAborted)[-1].message.endswith("has timed out progressing.")


def test_pauses_longer_than_the_deadline_do_not_degrade() -> None:
    """TestRolloutPauseDurationGreaterThanProgressDeadlineSeconds."""
    steps = [{"setWeight": 50}, {"pause": {"duration": "1h"}}]
    sim = _paused_at_step(steps, **DEADLINE)
    sim.run_timers(limit=7200)
    assert sim.state.fully_promoted and not sim.of(ev.ProgressDeadlineExceeded)


def test_manual_pause_and_analysis_steps_stop_the_deadline() -> None:
    """TestCanaryProgressDeadlineExceededWithPause: no deadline while paused or analysing."""
    sim = _stuck(**DEADLINE)
    sim.command(inp.Pause)
    sim.advance(3600)
    assert sim.phase == "Paused" and not sim.state.deadline_exceeded
    steps = [{"setWeight": 50}, {"analysis": analysis("check")}]
    analysing = _paused_at_step(steps, **DEADLINE)
    assert next_wakeup(analysing.state) is None
    analysing.advance(3600)
    assert analysing.phase == "Progressing" and not analysing.of(ev.ProgressDeadlineExceeded)
