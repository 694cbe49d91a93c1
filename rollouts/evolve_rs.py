"""evolve handlers for revisions and ReplicaSets (split out to keep evolve.py readable)."""

from __future__ import annotations

import events.models as ev
from events.base import Event
from rollouts.clock_skew import bounded
from rollouts.sharing import shared_template
from rollouts.state import ReplicaSetState, RolloutState
from rollouts.state_changes import Handler, ReplicaSetChanges, StateChanges, changed


def _with_rs(s: RolloutState, rs: ReplicaSetState) -> StateChanges:
    return {"replica_sets": {**s.replica_sets, rs.pod_template_hash: rs}}


def _prune_runs(s: RolloutState, revision: int) -> StateChanges:
    """Runs of older revisions are finished business once a new revision starts; the stream
    keeps them (measurements included), the state does not need to. A terminated run still
    waiting for a measurement in flight stays until it completes, so it ends with a phase."""
    runs = {
        k: v
        for k, v in s.analysis_runs.items()
        if v.revision >= revision or (v.termination_requested and not v.phase.completed)
    }
    return {"analysis_runs": runs, "current_runs": {}}


def _revision_created(s: RolloutState, e: ev.RevisionCreated) -> StateChanges:
    rs = ReplicaSetState(
        pod_template_hash=e.pod_template_hash,
        revision=e.revision,
        template=shared_template(e.template),
        created_order=s.next_created_order,
    )
    return {
        **_with_rs(s, rs),
        **_prune_runs(s, e.revision),
        "next_created_order": s.next_created_order + 1,
        "revision": e.revision,
        "current_pod_hash": e.pod_template_hash,
        "new_rs_within_delay": False,
    }


def _revision_reused(s: RolloutState, e: ev.RevisionReused) -> StateChanges:
    rs = changed(s.replica_sets[e.pod_template_hash], {"revision": e.revision})
    return {
        **_with_rs(s, rs),
        **_prune_runs(s, e.revision),
        "revision": e.revision,
        "current_pod_hash": e.pod_template_hash,
        "new_rs_within_delay": e.within_scale_down_delay,
    }


def _update_rs(s: RolloutState, pod_hash: str, changes: ReplicaSetChanges) -> StateChanges:
    rs = s.replica_sets.get(pod_hash)
    if rs is None:
        return {}
    return _with_rs(s, changed(rs, changes))


def _deleted(s: RolloutState, e: ev.ReplicaSetDeletionRequested) -> StateChanges:
    remaining = {k: v for k, v in s.replica_sets.items() if k != e.pod_template_hash}
    return {"replica_sets": remaining}


RS_HANDLERS: dict[type[Event], Handler] = {
    ev.RevisionCreated: _revision_created,
    ev.RevisionReused: _revision_reused,
    ev.ReplicaSetScaleRequested: lambda s, e: _update_rs(
        s, e.pod_template_hash, {"desired": e.to_replicas}
    ),
    ev.ReplicaSetStatusObserved: lambda s, e: _update_rs(
        s,
        e.pod_template_hash,
        {
            "replicas": e.replicas,
            "ready": e.ready_replicas,
            "available": e.available_replicas,
            # A platform time from the future (kept by histories written before decide checked
            # it) is folded as the decision time, so it cannot make later reports look stale.
            "observed_at": bounded(e.observed_at, e.at),
        },
    ),
    ev.ScaleDownDeadlineSet: lambda s, e: _update_rs(
        s, e.pod_template_hash, {"scale_down_deadline": e.deadline}
    ),
    ev.ScaleDownDeadlineRemoved: lambda s, e: _update_rs(
        s, e.pod_template_hash, {"scale_down_deadline": None}
    ),
    ev.ReplicaSetDeletionRequested: _deleted,
}
