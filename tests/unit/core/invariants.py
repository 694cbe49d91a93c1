"""Invariants every decision must keep, checked by a Sim that runs them after each input.

(a) folding a decision's events onto the state before gives the state the decision ended with;
(b) every requested canary weight is within 0..max and the stable weight is max - canary;
(c) with a router and no dynamicStableScale the stable ReplicaSet keeps spec.replicas until
    the update is promoted;
(d) every RolloutPhaseChanged (and analysis phase change) is allowed by the FSM tables;
(e) once an abort settled, traffic is back on stable and the canary is going away;
(f) only commands are ever refused, and only with a DomainError;
(g) a measurement is asked for only when none of its metric is in flight and the run is
    neither completed nor terminating, and recorded only for the index in flight; a completed
    metric never changes phase, and no metric keeps more measurements than its retention;
and the recorded phase is the derived one, and a timer that fired is never due again.
"""

from __future__ import annotations

import events.inputs as inp
import events.models as ev
from events.base import Command, Event, Input
from rollouts.analysis.engine import is_terminating
from rollouts.decide import decide_with_state
from rollouts.errors import DomainError
from rollouts.evolve import evolve, fold
from rollouts.fsm import check_analysis_transition, check_rollout_transition
from rollouts.phase import compute_phase
from rollouts.state import RolloutState
from rollouts.timers import next_wakeup
from tests.support.sim import Sim


class CheckedSim(Sim):
    """A Sim whose every decision is checked against the invariants."""

    def send(self, input: Input) -> list[Event]:
        before = self.state
        try:
            events, after = decide_with_state(before, input, self.now)
        except DomainError:
            assert isinstance(input, Command), f"{type(input).__name__} must never be refused"
            raise
        assert fold(before, events) == after, "(a) the decision's state is the fold of its events"
        _check_events(before, events)
        self.state = after
        self.events.extend(events)
        _check_state(self.state)
        if isinstance(input, inp.Tick):
            due = next_wakeup(self.state)
            assert due is None or due > self.now, "a timer that fired must not be due again"
        return events


def _max_weight(state: RolloutState) -> int:
    canary = state.spec.spec.strategy.canary if state.spec else None
    routing = canary.traffic_routing if canary else None
    return (routing.max_traffic_weight if routing else None) or 100


def _routed_static(state: RolloutState) -> bool:
    canary = state.spec.spec.strategy.canary if state.spec else None
    return (
        canary is not None
        and canary.traffic_routing is not None
        and not canary.dynamic_stable_scale
    )


def _check_events(state: RolloutState, events: list[Event]) -> None:
    for event in events:
        if isinstance(event, ev.TrafficWeightRequested):
            top = _max_weight(state)
            assert 0 <= event.canary_weight <= top, "(b) canary weight within 0..max"
            assert event.stable_weight == top - event.canary_weight, "(b) stable = max - canary"
        elif isinstance(event, ev.ReplicaSetScaleRequested) and _routed_static(state):
            stable_in_flight = (
                event.pod_template_hash == state.stable_rs and not state.fully_promoted
            )
            assert not stable_in_flight or event.to_replicas >= state.spec_replicas, (
                "(c) a routed stable keeps its full size until promotion"
            )
        elif isinstance(event, ev.RolloutPhaseChanged):
            assert event.from_phase == state.phase
            check_rollout_transition(event.trigger, event.from_phase, event.to_phase)  # (d)
        elif isinstance(event, ev.AnalysisRunStatusChanged):
            assert state.analysis_runs[event.run_name].phase is event.previous_phase
            check_analysis_transition(event.previous_phase, event.phase)
        elif isinstance(event, ev.MeasurementDue | ev.MeasurementRecorded | ev.MetricPhaseChanged):
            _check_measurement(state, event)
        state = evolve(state, event)


def _check_measurement(
    state: RolloutState, event: ev.MeasurementDue | ev.MeasurementRecorded | ev.MetricPhaseChanged
) -> None:
    """(g) measurements follow the run's life."""
    run = state.analysis_runs[event.run_name]
    metric = run.metric(event.metric)
    assert metric is not None and not run.phase.completed
    if isinstance(event, ev.MeasurementDue):
        assert metric.in_flight is None and event.index == metric.taken + 1
        assert not is_terminating(run) and not metric.phase.completed
    elif isinstance(event, ev.MeasurementRecorded):
        assert event.index == metric.in_flight
    else:
        assert event.previous_phase is metric.phase and not metric.phase.completed


def _check_state(state: RolloutState) -> None:
    view = compute_phase(state)
    assert (view.phase if view else None) is state.phase, "the recorded phase is the derived one"
    for rs in state.replica_sets.values():
        assert rs.desired >= 0 and rs.available <= max(rs.replicas, rs.available)
    for run in state.analysis_runs.values():
        assert all(len(m.measurements) <= m.retention for m in run.metrics)


def check_abort_settled(sim: Sim) -> None:
    """(e) once an abort settled, traffic is back on stable and the canary is going away."""
    state = sim.state
    if not sim.ready or not state.abort or state.manually_paused or state.spec is None:
        return
    strategy = state.spec.spec.strategy
    if strategy.blue_green is not None:
        assert state.selectors.get("active") == state.stable_rs
        return
    assert strategy.canary is not None
    if strategy.canary.traffic_routing is not None:
        assert state.traffic.requested_canary in (None, 0)
    else:
        new = state.new_rs
        assert new is not None and new.desired == 0
