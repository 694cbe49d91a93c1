"""A deleted rollout (issue 12): its life ends, its runs stop, nothing more is decided for it,
and the same name applied again starts a new life that nothing of the old one blocks."""

from __future__ import annotations

from datetime import timedelta

import pytest

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase, AnalysisRunKind
from rollouts.decide import decide
from rollouts.errors import UnknownRollout
from rollouts.evolve import fold
from rollouts.state import initial_state
from rollouts.timers import next_wakeup
from tests.support.sim import (
    HOLD,
    AnalysisWorker,
    Sim,
    analysis,
    istio_canary,
    rollout_manifest,
    taken_for,
)

METRIC = {"name": "ok", "interval": "30s", "provider": {"web": {"url": "http://x"}}}
STEPS = [{"setWeight": 25}, {"analysis": analysis("check")}, {"pause": {"duration": "1h"}}]


def _analysing(outcome: object = HOLD) -> Sim:
    """Revision 2 at its analysis step; its first measurement is in flight (held), or taken
    (`outcome`) with the next one due in 30 s."""
    sim = Sim(worker=AnalysisWorker({"check": {"metrics": [METRIC]}}, default=outcome))
    sim.deploy(rollout_manifest(replicas=4, canary=istio_canary(STEPS)))
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=istio_canary(STEPS)))
    run = sim.run(AnalysisRunKind.STEP)
    assert run is not None and run.phase is AnalysisPhase.RUNNING
    return sim


def test_delete_terminates_runs_records_the_deletion_and_stops_every_timer() -> None:
    sim = _analysing(1.0)
    assert next_wakeup(sim.state) == sim.now + timedelta(seconds=30)
    decided = sim.command(inp.DeleteRollout, actor="alice@cli")
    kinds = [type(e) for e in decided]
    assert kinds[0] is ev.AnalysisRunTerminationRequested and kinds[-1] is ev.RolloutDeleted
    (deleted,) = sim.of(ev.RolloutDeleted)
    assert (deleted.reason, deleted.revision, deleted.life) == ("RolloutDeleteCommand", 2, 1)
    assert deleted.message == (
        "rollout default/demo was deleted by alice@cli at revision 2; its ReplicaSets are left "
        "to garbage collection (owner references)"
    )
    assert not any(isinstance(e, ev.ReplicaSetDeletionRequested) for e in decided)
    state = sim.state
    assert state.deleted and state.deleted_at == sim.now and state.lives_ended == 1
    assert state.spec is None and state.replica_sets == {} and state.analysis_runs == {}
    assert next_wakeup(state) is None


def test_a_deleted_rollout_decides_nothing_and_refuses_commands() -> None:
    sim = _analysing()
    assert sim.worker is not None
    held = sim.worker.held.pop(0)
    sim.command(inp.DeleteRollout)
    version = sim.state.version
    late = inp.MeasurementTaken(
        input_id="late",
        run_name=held.run_name,
        metric=held.metric,
        index=held.index,
        value=1,
        started_at=sim.now,
        finished_at=sim.now,
    )
    for item in (late, inp.Tick(input_id="tick")):
        assert sim.send(item) == []
    sim.now += timedelta(hours=2)
    assert sim.send(inp.Tick(input_id="tick-2")) == [] and sim.state.version == version
    for command in (inp.Abort, inp.Promote, inp.DeleteRollout):
        with pytest.raises(UnknownRollout, match=r"was deleted .*apply it again to re-create it"):
            sim.command(command)


def test_deleting_an_unknown_rollout_is_refused() -> None:
    with pytest.raises(UnknownRollout, match="nothing to delete"):
        decide(initial_state("ns", "ghost"), inp.DeleteRollout(input_id="d"), Sim().now)


def test_a_recreated_rollout_starts_a_new_life_at_revision_one() -> None:
    sim = _analysing()
    old_run = sim.run(AnalysisRunKind.STEP)
    assert old_run is not None and sim.worker is not None
    held = sim.worker.held.pop(0)
    sim.command(inp.DeleteRollout, reason="RolloutObjectDeleted", uid="u-1")
    assert sim.of(ev.RolloutDeleted)[0].message.startswith(
        "Rollout object default/demo was deleted (uid u-1) at revision 2"
    )
    sim.worker = AnalysisWorker({"check": {"metrics": [METRIC]}})
    sim.deploy(rollout_manifest(replicas=4, canary=istio_canary(STEPS)))
    state = sim.state
    assert not state.deleted and state.revision == 1 and state.fully_promoted
    assert sim.phase == "Healthy" and state.lives_ended == 1
    sim.deploy(rollout_manifest(replicas=4, image="app:2", canary=istio_canary(STEPS)))
    run = sim.run(AnalysisRunKind.STEP)
    assert run is not None and run.name == f"{old_run.name}-life2"
    assert sim.state.revision == 2 and sim.phase == "Progressing"
    # The old life's measurement, answered late, is nobody's: the new run has another name.
    recorded = len(sim.of(ev.MeasurementRecorded))
    sim.send(taken_for(held, 0.0, sim.now))
    assert len(sim.of(ev.MeasurementRecorded)) == recorded


def test_a_second_deletion_counts_the_lives() -> None:
    sim = Sim()
    for life in (1, 2):
        sim.deploy(rollout_manifest(replicas=1))
        sim.command(inp.DeleteRollout)
        assert sim.of(ev.RolloutDeleted)[-1].life == life and sim.state.lives_ended == life


def test_the_history_folds_to_the_same_state() -> None:
    sim = _analysing()
    sim.command(inp.DeleteRollout)
    sim.deploy(rollout_manifest(replicas=2))
    assert fold(initial_state("default", "demo"), sim.events) == sim.state
