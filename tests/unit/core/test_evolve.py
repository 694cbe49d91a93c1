"""evolve: every registered event type has a handler, and the handlers record what Argo's
status would say after the fact (pause and abort bookkeeping in particular)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from events.base import EVENT_TYPES, Event
from events.phases import AnalysisPhase, AnalysisRunKind, PauseReason, RolloutPhase
from events.quarantine import Unreadable
from rollouts.causes import CAUSE_DIGEST, cause_digest
from rollouts.evolve import HANDLERS, evolve, fold
from rollouts.state import RolloutState, initial_state
from tests.support.sim import T0, Sim, analysis, rollout_manifest
from tests.unit.judge.samples import sample_judgment

STEPS = [{"setWeight": 50}, {"analysis": analysis("check")}, {"pause": {}}]
METRIC = {"name": "m", "provider": {"web": {"url": "http://x"}}}
MANIFEST = rollout_manifest(replicas=2, canary={"steps": STEPS, "analysis": analysis("bg")})


def _in_flight() -> Sim:
    """Stable at revision 1, revision 2 running its step analysis (and background analysis)."""
    sim = Sim()
    sim.deploy(MANIFEST)
    sim.deploy(
        rollout_manifest(replicas=2, image="x:2", canary=MANIFEST["spec"]["strategy"]["canary"])
    )
    assert sim.state.run(AnalysisRunKind.STEP) is not None
    return sim


def _samples(state: RolloutState) -> dict[str, dict[str, Any]]:
    """Field values for one event of each type, consistent with `state`."""
    new, stable = state.current_pod_hash or "", state.stable_rs or ""
    run = state.run(AnalysisRunKind.STEP)
    assert run is not None
    return {
        "SpecApplied": {"manifest": MANIFEST, "generation": 9},
        "CommandAccepted": {"command": "promote", "arguments": {"full": True}, "actor": "me"},
        "RevisionCreated": {"revision": 3, "pod_template_hash": "h3", "template": {}},
        "RevisionReused": {"revision": 3, "pod_template_hash": stable},
        "UpdateReset": {"step_index": 0, "step_hash": "s", "reason": "steps changed"},
        "StepsSkipped": {"step_index": 3, "reason": "Rollback to stable ReplicaSets"},
        "StepsRewound": {"step_index": 0, "reason": "aborted"},
        "RolloutStepCompleted": {"step_index": 1, "step_count": 3, "step": "analysis: check"},
        "PauseConditionAdded": {"reason": PauseReason.INCONCLUSIVE_ANALYSIS_RUN},
        "PauseConditionRemoved": {"reason": PauseReason.CANARY_PAUSE_STEP},
        "PauseConditionsCleared": {"reason": "promoted"},
        "ManualPauseChanged": {"paused": True},
        "RolloutAborted": {"revision": 2, "message": "Rollout aborted update to revision 2"},
        "AbortCleared": {"reason": "retry"},
        "FullPromotionRequested": {},
        "RolloutCompleted": {"stable_hash": new, "revision": 2, "reason": "Full promotion"},
        "ReplicaSetScaleRequested": {
            "pod_template_hash": new,
            "revision": 2,
            "from_replicas": 1,
            "to_replicas": 2,
        },
        "ReplicaSetStatusObserved": {
            "pod_template_hash": new,
            "replicas": 2,
            "ready_replicas": 2,
            "available_replicas": 2,
        },
        "ScaleDownDeadlineSet": {"pod_template_hash": stable, "deadline": T0},
        "ScaleDownDeadlineRemoved": {"pod_template_hash": stable},
        "ReplicaSetDeletionRequested": {"pod_template_hash": stable, "revision": 1},
        "TrafficWeightRequested": {
            "canary_weight": 10,
            "stable_weight": 90,
            "canary_hash": new,
            "stable_hash": stable,
        },
        "TrafficWeightApplied": {"canary_weight": 10, "verified": True},
        "TrafficDriftCorrected": {
            "expected_canary_weight": 10,
            "found_canary_weight": 40,
            "detail": "VirtualService edited by hand",
        },
        "ObservationClockSkewed": {
            "observation": "ReplicaSetObserved",
            "field": "observed_at",
            "reported_at": T0 + timedelta(days=365),
            "tolerance_seconds": 30,
        },
        "ManagedRouteSet": {"name": "h", "kind": "header", "route": {"name": "h"}},
        "ManagedRoutesRemoved": {"reason": "aborted"},
        "ServiceSelectorSwitched": {"role": "preview", "service": "p", "pod_template_hash": new},
        "AnalysisRunRequested": {
            "run_name": "r",
            "kind": AnalysisRunKind.PRE_PROMOTION,
            "step_index": None,
            "revision": 2,
            "pod_template_hash": new,
            "stable_pod_template_hash": stable,
            "analysis": {},
        },
        "AnalysisRunStatusChanged": {
            "run_name": run.name,
            "kind": run.kind,
            "phase": AnalysisPhase.RUNNING,
            "previous_phase": AnalysisPhase.PENDING,
        },
        "AnalysisRunTerminationRequested": {"run_name": run.name, "reason": "step skipped"},
        "AnalysisRunStarted": {"run_name": run.name, "metrics": [METRIC]},
        "MeasurementDue": {"run_name": run.name, "metric": "m", "index": 1},
        "MeasurementRecorded": {
            "run_name": run.name,
            "metric": "m",
            "index": 1,
            "phase": AnalysisPhase.SUCCESSFUL,
            "value": "1",
        },
        "MetricPhaseChanged": {
            "run_name": run.name,
            "metric": "m",
            "phase": AnalysisPhase.RUNNING,
            "previous_phase": AnalysisPhase.PENDING,
        },
        "JudgmentRecorded": {"run_name": run.name, "index": 0, "judgment": sample_judgment()},
        "ProgressDeadlineExceeded": {"message": "timed out"},
        "PauseLimitExceeded": {
            "paused_since": T0,
            "limit_seconds": 600,
            "action": "notify",
            "source": "controller",
            "message": "paused 10m, longer than the limit of 10m (controller default): notifying",
        },
        "ScaleUpPreviewCheckpointPassed": {},
        "RolloutDeleted": {
            "reason": "RolloutDeleteCommand",
            "message": "rollout ns/demo was deleted by a user at revision 2",
            "revision": 2,
            "life": 1,
        },
        "PodFailuresRecorded": {
            "pod_template_hash": new,
            "failures": [{"pod": "p-1", "container": "app", "reason": "ErrImagePull"}],
        },
        "RestartPodsCheckRequested": {"restart_at": T0, "round": 1, "replica_sets": [stable]},
        "PodEvictionRequested": {
            "restart_at": T0,
            "round": 1,
            "pods": ["p-1"],
            "pods_to_restart": 2,
            "pods_total": 2,
        },
        "PodsEvicted": {"restart_at": T0, "round": 1, "evicted": ["p-1"]},
        "RolloutRestarted": {"restart_at": T0, "reason": "all 2 pods were restarted"},
        "RolloutPhaseChanged": {
            "from_phase": RolloutPhase.PROGRESSING,
            "to_phase": RolloutPhase.PAUSED,
            "trigger": "pause",
            "reason": "CanaryPauseStep",
            "message": "CanaryPauseStep",
        },
    }


def _event(name: str, fields: dict[str, Any], at_offset: int = 60) -> Event:
    return EVENT_TYPES[name](cause="test-cause", at=T0 + timedelta(seconds=at_offset), **fields)


def test_every_registered_event_type_has_a_sample_and_a_handler() -> None:
    state = _in_flight().state
    assert set(_samples(state)) == set(EVENT_TYPES)
    assert set(HANDLERS) == set(EVENT_TYPES.values())


def test_no_event_type_is_subclassed_so_exact_type_checks_mean_isinstance() -> None:
    """The fold tells events apart by `type(event)` (rollouts.evolve, PROGRESS_EVENTS): a
    subclass of an event type would be missed there, where `isinstance` would have matched."""
    classes: list[type[Event]] = [*EVENT_TYPES.values(), Unreadable]
    subclassed = {
        cls.__name__: [sub.__name__ for sub in cls.__subclasses__()]
        for cls in classes
        if cls.__subclasses__()
    }
    assert subclassed == {}


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_each_event_folds_and_is_remembered(name: str) -> None:
    state = _in_flight().state
    event = _event(name, _samples(state)[name])
    after = evolve(state, event)
    assert after.version == state.version + 1
    assert after.remembers("test-cause")
    assert after.recent_causes.endswith(cause_digest("test-cause"))
    assert evolve(state, event) == after, "evolve must be deterministic"


def test_an_unknown_event_type_is_refused() -> None:
    class Stray(Event):
        pass

    with pytest.raises(TypeError, match="no evolve handler for event type Stray"):
        evolve(initial_state("ns", "name"), Stray(cause="c", at=T0))


def test_fold_of_nothing_is_identity() -> None:
    state = _in_flight().state
    assert fold(state, []) is state
    assert fold(initial_state("ns", "n"), []) == initial_state("ns", "n")


def test_fold_of_the_history_rebuilds_the_state() -> None:
    sim = _in_flight()
    assert fold(initial_state("default", "demo"), sim.events) == sim.state


def _apply(state: RolloutState, name: str, **fields: Any) -> RolloutState:
    return evolve(state, _event(name, fields))


def test_pause_bookkeeping_follows_argo_controller_pause() -> None:
    """Argo sets controllerPause with a condition and resets it once none is left."""
    state = _in_flight().state
    paused = _apply(state, "PauseConditionAdded", reason=PauseReason.CANARY_PAUSE_STEP)
    assert paused.controller_pause and paused.pause_conditions[0].start_time == T0 + timedelta(
        seconds=60
    )
    again = _apply(paused, "PauseConditionAdded", reason=PauseReason.CANARY_PAUSE_STEP)
    assert again.pause_conditions == paused.pause_conditions, "a second add keeps startTime"
    two = _apply(paused, "PauseConditionAdded", reason=PauseReason.INCONCLUSIVE_ANALYSIS_RUN)
    one = _apply(two, "PauseConditionRemoved", reason=PauseReason.CANARY_PAUSE_STEP)
    assert one.controller_pause and len(one.pause_conditions) == 1
    none = _apply(one, "PauseConditionRemoved", reason=PauseReason.INCONCLUSIVE_ANALYSIS_RUN)
    assert not none.controller_pause and none.pause_conditions == ()
    cleared = _apply(two, "PauseConditionsCleared", reason="promoted")
    assert (cleared.pause_conditions, cleared.controller_pause) == ((), False)


def test_abort_clears_pauses_and_keeps_the_first_abort_time() -> None:
    state = _apply(_in_flight().state, "PauseConditionAdded", reason=PauseReason.CANARY_PAUSE_STEP)
    aborted = _apply(state, "RolloutAborted", revision=2, message="m1")
    assert aborted.abort and aborted.pause_conditions == () and not aborted.controller_pause
    later = evolve(aborted, _event("RolloutAborted", {"revision": 2, "message": "m2"}, 120))
    assert later.aborted_at == aborted.aborted_at and later.abort_message == "m2"


def test_clearing_an_abort_forgets_the_runs_so_a_retry_starts_new_ones() -> None:
    aborted = _apply(_in_flight().state, "RolloutAborted", revision=2, message="m")
    assert aborted.current_runs
    retried = _apply(aborted, "AbortCleared", reason="retry")
    assert (retried.abort, retried.aborted_at, retried.current_runs) == (False, None, {})
    assert retried.analysis_runs == aborted.analysis_runs, "the runs themselves are history"


def test_completion_keeps_current_runs_for_the_next_pass_to_terminate() -> None:
    state = _in_flight().state
    done = _apply(
        state, "RolloutCompleted", stable_hash=state.current_pod_hash, revision=2, reason="x"
    )
    assert done.fully_promoted and done.current_step_index == len(STEPS)
    assert done.current_runs == state.current_runs


def test_step_completion_drops_the_step_run_and_lifts_the_pause_step() -> None:
    state = _apply(_in_flight().state, "PauseConditionAdded", reason=PauseReason.CANARY_PAUSE_STEP)
    done = _apply(state, "RolloutStepCompleted", step_index=1, step_count=3, step="analysis")
    assert done.current_step_index == 2 and not done.controller_pause
    assert AnalysisRunKind.STEP not in done.current_runs
    assert AnalysisRunKind.BACKGROUND in done.current_runs


@pytest.mark.parametrize(
    ("replicas", "ready", "available", "progress"),
    [(2, 1, 1, True), (1, 0, 0, False), (1, 1, 0, True)],
    ids=["grew", "nothing-new", "ready-grew"],
)
def test_only_real_progress_refreshes_the_progress_clock(
    replicas: int, ready: int, available: int, progress: bool
) -> None:
    sim = Sim()
    sim.deploy(MANIFEST)
    sim.ready = False
    sim.apply(
        rollout_manifest(replicas=2, image="x:2", canary=MANIFEST["spec"]["strategy"]["canary"])
    )
    sim.now += timedelta(seconds=90)
    new = sim.state.current_pod_hash or ""
    sim.send(
        inp.ReplicaSetObserved(
            input_id="obs",
            pod_template_hash=new,
            replicas=replicas,
            ready_replicas=ready,
            available_replicas=available,
        )
    )
    assert (sim.state.last_progress_at == sim.now) is progress


def test_old_replica_sets_shrinking_is_progress() -> None:
    sim = _in_flight()
    old = sim.state.stable_rs or ""
    before = sim.state
    after = _apply(
        before,
        "ReplicaSetStatusObserved",
        pod_template_hash=old,
        replicas=before.replica_sets[old].replicas - 1,
        ready_replicas=0,
        available_replicas=0,
    )
    assert after.last_progress_at == T0 + timedelta(seconds=60)


def test_a_recent_cause_is_remembered_once_and_the_memory_is_bounded() -> None:
    state = initial_state("ns", "n")
    for i in range(100):
        event = ev.CommandAccepted(cause=f"c{i}", at=T0, command="pause")
        state = evolve(evolve(state, event), event)
    assert len(state.recent_causes) == 64 * CAUSE_DIGEST
    assert all(state.remembers(f"c{i}") for i in range(36, 100))
    assert not any(state.remembers(f"c{i}") for i in range(36))  # the oldest are forgotten
    assert not state.remembers("never seen")


def test_a_digest_found_across_two_others_is_not_remembered() -> None:
    from rollouts.causes import has_digest

    first, second = cause_digest("a"), cause_digest("b")
    straddling = first[CAUSE_DIGEST // 2 :] + second[: CAUSE_DIGEST // 2]
    assert has_digest(first + second, second)
    assert not has_digest(first + second, straddling)
