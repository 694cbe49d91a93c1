"""What `workloadRef` decides: that the core only takes resolved manifests, and how far the
referenced Deployment is scaled down while the Rollout takes over (argo-semantics §1.1).

scaleDown is a migration helper for revision 1 only, as in Argo: once a Rollout has rolled out
its own second revision, the Deployment is left as it is.

- `never` (or empty): the Deployment is never touched;
- `onsuccess`: scaled to 0 once the Rollout is Healthy;
- `progressively`: scaled to `spec.replicas - available` as the Rollout's pods become available
  (and back up if the Rollout's ReplicaSet is scaled down again, an abort), Argo's
  `reconcileNewReplicaSet` rule.

The decision is a pure function of the state; the workload worker calls it after each change
and hands the answer to the `WorkloadScaler` port. It is level-triggered, so a restart or a
redelivered event only repeats an idempotent request.
"""

from __future__ import annotations

from events.phases import RolloutPhase
from rollouts.errors import CommandRejected, InvalidSpec
from rollouts.ports import RolloutRef, WorkloadScale
from rollouts.spec import Rollout
from rollouts.spec.workload_ref import is_resolved
from rollouts.state import RolloutState

UNRESOLVED = (
    "spec.workloadRef: {ref} was not resolved; the adapter that reads manifests (the "
    "Kubernetes watch, `rollouts apply`) fills spec.template in from it"
)


def require_resolved(rollout: Rollout) -> None:
    """The core decides on templates: a manifest still naming its template elsewhere (sent
    straight to the inputs, past every adapter) is refused, naming the field."""
    ref = rollout.spec.workload_ref
    if ref is not None and not is_resolved(rollout.metadata.annotations):
        raise InvalidSpec([UNRESOLVED.format(ref=ref.describe())])


def refuse_template_command(rollout: Rollout, command: str) -> None:
    """`set image` and `undo` rewrite spec.template, which a workloadRef rollout takes from its
    workload: the next change there would silently undo them, so they are refused."""
    ref = rollout.spec.workload_ref
    if ref is not None:
        raise CommandRejected(
            f"{command}: rollout {rollout.name} takes its template from {ref.describe()}; "
            f"change the {ref.kind} instead"
        )


def workload_scale(state: RolloutState) -> WorkloadScale | None:
    """The replicas the referenced workload should have now; None: leave it alone."""
    spec = state.spec
    ref = spec.spec.workload_ref if spec else None
    new = state.new_rs
    if ref is None or ref.kind != "Deployment" or new is None or new.revision != 1:
        return None
    if ref.mode == "onsuccess":
        return _target(state, 0) if state.phase is RolloutPhase.HEALTHY else None
    if ref.mode != "progressively":
        return None
    available = sum(rs.available for rs in state.replica_sets.values())
    scaling_back = new.desired < new.replicas
    if available == 0 and not scaling_back:
        return None  # nothing runs in the Rollout yet: the Deployment keeps serving
    return _target(state, max(0, state.spec_replicas - available))


def _target(state: RolloutState, replicas: int) -> WorkloadScale:
    assert state.spec is not None and state.spec.spec.workload_ref is not None
    ref = state.spec.spec.workload_ref
    return WorkloadScale(RolloutRef(state.namespace, state.name), ref.kind, ref.name, replicas)
