"""Observations become events only when they say something new.

An observation is never refused: a worker reported what it saw. But a stale or repeated report
(an older ReplicaSet count delivered late, an analysis phase going backwards) must not rewind the
rollout, so such reports are dropped here, silently and deterministically. A time from the
observer's clock that lies in the future is replaced by the controller's (`observed_times`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import events.inputs as inp
import events.models as ev
from events.base import Observation
from rollouts.clock_skew import bounded
from rollouts.decide.analysis_observations import (
    change_run_phase,
    measurement_taken,
    run_resolved,
)
from rollouts.decide.context import Decision
from rollouts.decide.observed_times import checked_time
from rollouts.decide.pod_failures import pod_failures_observed
from rollouts.decide.restart import evictions_observed, pods_observed


def _replica_set(ctx: Decision, obs: inp.ReplicaSetObserved) -> None:
    """A report older than the last one is late and dropped. Both times are held to the
    controller's clock first: a last time from the future (kept by a history written before
    the check) would otherwise make every later report look older, for ever."""
    rs = ctx.state.replica_sets.get(obs.pod_template_hash)
    if rs is None:
        return
    observed_at = checked_time(ctx, obs, "observed_at")
    last = bounded(rs.observed_at, ctx.now)
    late = observed_at is not None and last is not None and observed_at <= last
    if late and observed_at == obs.observed_at:  # a clamped report is judged as current
        return
    counts = (obs.replicas, obs.ready_replicas, obs.available_replicas)
    if counts == (rs.replicas, rs.ready, rs.available):
        return
    ctx.emit(
        ev.ReplicaSetStatusObserved,
        pod_template_hash=obs.pod_template_hash,
        replicas=obs.replicas,
        ready_replicas=obs.ready_replicas,
        available_replicas=obs.available_replicas,
        observed_at=observed_at,
    )


def _traffic(ctx: Decision, obs: inp.TrafficWeightObserved) -> None:
    """A repeated report says nothing new, unless it confirms a request that only changed
    which ReplicaSets are behind the same weight."""
    traffic = ctx.state.traffic
    same = (obs.canary_weight, obs.verified) == (traffic.applied_canary, traffic.verified)
    confirms = obs.canary_weight == traffic.requested_canary and not traffic.confirmed
    if same and not confirms:
        return
    ctx.emit(ev.TrafficWeightApplied, canary_weight=obs.canary_weight, verified=obs.verified)


def _analysis_run(ctx: Decision, obs: inp.AnalysisRunObserved) -> None:
    run = ctx.state.analysis_runs.get(obs.run_name)
    if run is not None and run.phase is not obs.phase:
        change_run_phase(ctx, run, obs.phase, obs.message)


def _drift(ctx: Decision, obs: inp.TrafficDriftObserved) -> None:
    """Recorded for the audit trail; the traffic worker has already put the weights back."""
    ctx.emit(
        ev.TrafficDriftCorrected,
        expected_canary_weight=obs.expected_canary_weight,
        found_canary_weight=obs.found_canary_weight,
        detail=obs.detail,
    )


OBSERVATIONS: dict[type[Observation], Callable[[Decision, Any], None]] = {
    inp.ReplicaSetObserved: _replica_set,
    inp.TrafficWeightObserved: _traffic,
    inp.TrafficDriftObserved: _drift,
    inp.AnalysisRunObserved: _analysis_run,
    inp.AnalysisRunResolved: run_resolved,
    inp.MeasurementTaken: measurement_taken,
    inp.Tick: lambda ctx, obs: None,
    inp.RestartPodsObserved: pods_observed,
    inp.PodEvictionsObserved: evictions_observed,
    inp.PodFailuresObserved: pod_failures_observed,
}


def handle_observation(ctx: Decision, observation: Observation) -> None:
    handler = OBSERVATIONS.get(type(observation))
    if handler is None:
        raise TypeError(f"no handler for observation {type(observation).__name__}")
    handler(ctx, observation)
