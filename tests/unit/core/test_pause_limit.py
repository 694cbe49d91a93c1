"""The maximum pause policy, decided by the pure core on a timer tick.

A pause that outlives its limit is recorded (PauseLimitExceeded) and, by the limit's action,
notified, aborted or promoted, once per pause; a promote, resume or abort before the deadline
ends the pause and with it the clock. The clock is part of the fold, so a timer rebuilt from the
history after a restart finds the same deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import events.inputs as inp
import events.models as ev
from events.base import Event
from events.pause_limit import PauseAction, PauseLimit
from events.phases import AnalysisPhase, AnalysisRunKind, RolloutPhase
from rollouts.evolve import fold
from rollouts.fsm import check_rollout_transition
from rollouts.reasons import argo_reasons
from rollouts.state import initial_state
from rollouts.timers import next_wakeup
from tests.support.sim import Sim, analysis, istio_canary, rollout_manifest

STEPS: list[dict[str, Any]] = [{"setWeight": 50}, {"pause": {}}]
TEN_MINUTES = 600


def _limit(action: PauseAction = "notify", seconds: int = TEN_MINUTES) -> PauseLimit:
    return PauseLimit(seconds=seconds, action=action)


def _manifest(image: str, steps: list[dict[str, Any]], **annotations: str) -> dict[str, Any]:
    manifest = rollout_manifest(replicas=2, image=image, canary=istio_canary(steps))
    annotations = {f"rollouts.dev/{key.replace('_', '-')}": v for key, v in annotations.items()}
    manifest["metadata"]["annotations"] = annotations
    return manifest


def _paused(steps: list[dict[str, Any]] = STEPS, **annotations: str) -> Sim:
    """A canary update paused at its step 2 (indefinitely unless the step says otherwise)."""
    sim = Sim()
    sim.deploy(_manifest("app:1", steps, **annotations))
    sim.deploy(_manifest("app:2", steps, **annotations))
    return sim


def _tick(sim: Sim, limit: PauseLimit | None) -> list[Event]:
    decided = sim.send(inp.Tick(input_id=sim.next_id(), pause_limit=limit))
    sim.platform()
    return decided


def _run_timers(sim: Sim, limit: PauseLimit | None, seconds: float) -> None:
    """What the timer worker does with the controller's default `limit`."""
    end = sim.now + timedelta(seconds=seconds)
    while (due := next_wakeup(sim.state, limit)) is not None and due <= end:
        sim.now = max(sim.now, due)
        _tick(sim, limit)


def test_notify_records_the_overrun_once_and_leaves_the_pause() -> None:
    sim = _paused()
    start, limit = sim.now, _limit("notify")
    assert sim.state.paused_since == start
    assert next_wakeup(sim.state, limit) == start + timedelta(seconds=TEN_MINUTES)
    assert next_wakeup(sim.state) is None, "off unless asked: Argo's behaviour"
    sim.now = start + timedelta(seconds=TEN_MINUTES - 1)
    assert _tick(sim, limit) == []
    _run_timers(sim, limit, seconds=3600)
    (overrun,) = sim.of(ev.PauseLimitExceeded)
    assert overrun.at == start + timedelta(seconds=TEN_MINUTES)
    assert (overrun.action, overrun.source, overrun.limit_seconds) == ("notify", "controller", 600)
    assert overrun.paused_since == start
    assert overrun.message == (
        "paused 10m, longer than the limit of 10m (controller default): notifying"
    )
    assert sim.phase == "Paused" and not sim.state.abort
    assert next_wakeup(sim.state, limit) is None, "once per pause"


def test_the_overrun_fires_the_paused_too_long_trigger() -> None:
    sim = _paused()
    before = sim.state
    sim.now += timedelta(seconds=TEN_MINUTES)
    (overrun,) = _tick(sim, _limit())
    assert argo_reasons(before, overrun, sim.state) == ["RolloutPausedTooLong"]


def test_abort_by_annotation_aborts_the_update() -> None:
    sim = _paused(max_pause="10m", max_pause_action="abort")
    start = sim.now
    assert next_wakeup(sim.state) == start + timedelta(seconds=TEN_MINUTES)
    _run_timers(sim, None, seconds=3600)
    (overrun,) = sim.of(ev.PauseLimitExceeded)
    assert (overrun.action, overrun.source) == ("abort", "annotation")
    (aborted,) = sim.of(ev.RolloutAborted)
    assert aborted.at == overrun.at and aborted.cause == overrun.cause
    assert aborted.message == (
        "Rollout aborted update to revision 2: paused longer than 10m (rollouts.dev/max-pause)"
    )
    change = sim.of(ev.RolloutPhaseChanged)[-1]
    assert (change.from_phase, change.to_phase, change.trigger) == (
        RolloutPhase.PAUSED,
        RolloutPhase.DEGRADED,
        "abort",
    )
    check_rollout_transition(change.trigger, change.from_phase, change.to_phase)
    assert sim.weight == 0 and sim.state.paused_since is None


def test_promote_lifts_the_pause_and_the_update_completes() -> None:
    sim = _paused()
    limit = _limit("promote")
    _run_timers(sim, limit, seconds=3600)
    (overrun,) = sim.of(ev.PauseLimitExceeded)
    cleared = sim.of(ev.PauseConditionsCleared)[-1]
    assert cleared.cause == overrun.cause
    assert cleared.reason == "promoted: paused longer than 10m (controller default)"
    assert sim.state.fully_promoted and sim.phase == "Healthy"
    triggers = [(e.from_phase, e.trigger) for e in sim.of(ev.RolloutPhaseChanged)[-2:]]
    assert triggers == [(RolloutPhase.PAUSED, "resume"), (RolloutPhase.PROGRESSING, "complete")]


def test_a_promote_before_the_limit_cancels_it_and_the_next_pause_starts_anew() -> None:
    steps: list[dict[str, Any]] = [
        {"setWeight": 20},
        {"pause": {}},
        {"setWeight": 50},
        {"pause": {}},
    ]
    sim = _paused(steps)
    limit = _limit("abort")
    sim.now += timedelta(seconds=TEN_MINUTES - 60)
    sim.command(inp.Promote)
    sim.platform()
    second = sim.now
    assert sim.state.current_step_index == 3 and sim.state.paused_since == second
    assert next_wakeup(sim.state, limit) == second + timedelta(seconds=TEN_MINUTES)
    _run_timers(sim, limit, seconds=TEN_MINUTES - 1)
    assert not sim.of(ev.PauseLimitExceeded) and not sim.state.abort


def test_resume_and_abort_before_the_limit_leave_nothing_due() -> None:
    for command in (inp.Resume, inp.Abort):
        sim = _paused()
        sim.now += timedelta(seconds=60)
        sim.command(command)
        sim.platform()
        assert sim.state.paused_since is None
        assert next_wakeup(sim.state, _limit("abort")) == next_wakeup(sim.state)
        _run_timers(sim, _limit("abort"), seconds=3600)
        assert not sim.of(ev.PauseLimitExceeded)


def test_a_users_pause_counts_from_when_it_was_set() -> None:
    sim = Sim()
    sim.deploy(_manifest("app:1", STEPS))
    sim.ready = False  # the update waits for its pods: progressing, not paused
    sim.deploy(_manifest("app:2", STEPS))
    assert sim.state.paused_since is None and sim.phase == "Progressing"
    sim.now += timedelta(seconds=5)
    paused_at = sim.now
    sim.command(inp.Pause)
    assert sim.state.paused_since == paused_at
    _run_timers(sim, _limit("abort"), seconds=3600)
    assert sim.of(ev.PauseLimitExceeded)[0].at == paused_at + timedelta(seconds=TEN_MINUTES)
    assert sim.state.abort


def test_a_timed_pause_longer_than_the_limit_is_cut_short() -> None:
    sim = _paused([{"setWeight": 50}, {"pause": {"duration": "1h"}}], max_pause="10m")
    start = sim.now
    _run_timers(sim, _limit("promote"), seconds=7200)
    (overrun,) = sim.of(ev.PauseLimitExceeded)
    assert overrun.at == start + timedelta(seconds=TEN_MINUTES)
    assert overrun.action == "promote", "the duration is the annotation's, the action the default's"
    assert sim.state.fully_promoted


def test_a_timed_pause_ending_with_the_limit_ends_first() -> None:
    sim = _paused([{"setWeight": 50}, {"pause": {"duration": TEN_MINUTES}}])
    _run_timers(sim, _limit("abort"), seconds=7200)
    assert not sim.of(ev.PauseLimitExceeded)
    assert sim.state.fully_promoted


def test_the_off_annotation_disables_the_controller_default() -> None:
    sim = _paused(max_pause="off")
    assert next_wakeup(sim.state, _limit("abort")) is None
    sim.now += timedelta(days=2)
    assert _tick(sim, _limit("abort")) == []


def test_blue_green_pre_promotion_pause_counts() -> None:
    blue_green = {"activeService": "a", "previewService": "p", "autoPromotionEnabled": False}
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, blue_green=blue_green))
    sim.deploy(rollout_manifest(replicas=2, image="app:2", blue_green=blue_green))
    assert sim.phase == "Paused"
    _run_timers(sim, _limit("promote"), seconds=3600)
    assert sim.of(ev.PauseLimitExceeded)[0].action == "promote"
    assert sim.state.fully_promoted and sim.phase == "Healthy"


def test_a_new_update_while_paused_by_the_user_restarts_the_clock() -> None:
    sim = Sim()
    sim.deploy(_manifest("app:1", STEPS))
    sim.command(inp.Pause)
    sim.now += timedelta(days=3)
    assert next_wakeup(sim.state, _limit("abort")) is None, "nothing to abort: fully promoted"
    sim.deploy(_manifest("app:2", STEPS))
    assert sim.state.paused_since == sim.now
    assert next_wakeup(sim.state, _limit("abort")) == sim.now + timedelta(seconds=TEN_MINUTES)


def test_restart_safety_the_deadline_is_a_function_of_the_history() -> None:
    """A timer rebuilt from the stream finds the same deadline; a tick delivered twice, or a
    second tick for the same moment, decides nothing the second time."""
    sim = _paused()
    limit = _limit("abort")
    rebuilt = fold(initial_state(sim.namespace, sim.name), sim.events)
    assert rebuilt == sim.state
    assert next_wakeup(rebuilt, limit) == next_wakeup(sim.state, limit)
    sim.now = next_wakeup(sim.state, limit) or sim.now
    tick = inp.Tick(input_id="tick:default/demo:due@v1", pause_limit=limit)
    assert sim.send(tick)
    assert sim.send(tick) == [], "redelivered"
    assert _tick(sim, limit) == [], "acted on once per pause"
    assert fold(initial_state(sim.namespace, sim.name), sim.events) == sim.state


def test_an_annotation_changed_during_a_pause_applies_to_that_pause() -> None:
    sim = _paused()
    start = sim.now
    sim.now += timedelta(minutes=5)
    sim.apply(_manifest("app:2", STEPS, max_pause="2m", max_pause_action="abort"))
    assert sim.state.paused_since == start, "an annotation change is not a new update"
    assert next_wakeup(sim.state) == start + timedelta(minutes=2), "already due"
    _run_timers(sim, None, seconds=60)
    assert sim.of(ev.PauseLimitExceeded)[0].at == start + timedelta(minutes=5)
    assert sim.state.abort


def test_promote_skips_a_step_whose_analysis_was_inconclusive() -> None:
    steps: list[dict[str, Any]] = [
        {"setWeight": 25},
        {"analysis": analysis("check")},
        {"setWeight": 75},
        {"pause": {}},
    ]
    sim = _paused(steps)
    sim.observe_run(AnalysisRunKind.STEP, AnalysisPhase.INCONCLUSIVE)
    assert sim.phase == "Paused" and sim.state.paused_since == sim.now
    _run_timers(sim, _limit("promote"), seconds=TEN_MINUTES)
    skipped = sim.of(ev.StepsSkipped)[-1]
    assert skipped.reason == (
        "promoted past an inconclusive analysis: paused longer than 10m (controller default)"
    )
    assert sim.state.current_step_index == 3 and sim.weight == 75
