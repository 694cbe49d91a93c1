"""The global abort: every cluster still moving to the revision is aborted, and every cluster
already Healthy on it is sent the fleet's last completed revision back, so the fleet never
rests half on an aborted revision. Both are pending until the cluster shows them."""

from __future__ import annotations

from events import fleet as ev
from events.phases import RolloutPhase
from rollouts.fleet.decision import FleetDecision
from rollouts.fleet.state import ClusterView, FleetState
from rollouts.fleet.validate import rollback_manifest


def _view(state: FleetState, cluster: str) -> ClusterView:
    return state.clusters.get(cluster, ClusterView())


def abort_fleet(ctx: FleetDecision, reason: str, cluster: str, metric: str, value: str) -> None:
    state = ctx.state
    sent = list(state.updates)
    done = [n for n in sent if _view(state, n).healthy_on(state.template_hash)]
    stable = state.stable
    if stable is None or stable.template_hash == state.template_hash:
        done = []
    else:
        done = [n for n in done if stable.cluster(n) is not None]
    ctx.emit(
        ev.FleetAbortRequested(
            cause=ctx.cause,
            at=ctx.now,
            revision=state.revision,
            reason=reason,
            cluster=cluster,
            metric=metric,
            value=value,
            clusters=[n for n in sent if not _view(state, n).healthy_on(state.template_hash)],
            input_id=f"fleet:{state.name}:{state.revision}:abort",
            rollbacks=done,
        )
    )
    _roll_back(ctx, done)
    where = f" in {cluster}" if cluster else ""
    ctx.move("abort", f"{reason}{where}: {metric} {value}".strip())
    for name in sent:
        acknowledge(ctx, name)


def _roll_back(ctx: FleetDecision, clusters: list[str]) -> None:
    state, stable = ctx.state, ctx.state.stable
    assert stable is not None or not clusters
    for name in clusters:
        spec = stable.cluster(name) if stable else None
        assert stable is not None and spec is not None
        ctx.emit(
            ev.FleetClusterRollbackRequested(
                cause=ctx.cause,
                at=ctx.now,
                cluster=name,
                revision=state.stable_revision,
                manifest=rollback_manifest(stable, spec),
                input_id=f"fleet:{state.name}:{state.revision}:{name}:rollback",
            )
        )


def acknowledge(ctx: FleetDecision, cluster: str) -> None:
    """Pending no more: an abort shown (or nothing left to abort), a rollback completed."""
    state = ctx.state
    if cluster not in state.abort_pending:
        return
    view = _view(state, cluster)
    if cluster in state.rollbacks:
        stable = state.stable
        settled = stable is not None and view.healthy_on(stable.template_hash)
    else:
        never_took_it = view.phase is RolloutPhase.HEALTHY and view.pod_hash != state.template_hash
        settled = view.aborted or never_took_it or view.healthy_on(state.template_hash)
    if settled:
        ctx.emit(
            ev.FleetAbortAcknowledged(
                cause=ctx.cause, at=ctx.now, cluster=cluster, revision=state.revision
            )
        )
