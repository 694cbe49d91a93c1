"""Canary Services and traffic router (Argo's reconcileStableAndCanaryService and
reconcileTrafficRouting). Both only emit intents; the traffic worker reports back what it holds.
"""

from __future__ import annotations

import events.models as ev
from events.models import ServiceRole
from rollouts.decide.canary_weights import (
    canary_of,
    counts,
    current_set_weight,
    max_weight,
    replica_targets,
    routed,
)
from rollouts.decide.context import Decision
from rollouts.replicas import (
    ProgressThreshold,
    at_desired_replica_counts_for_canary,
    replica_progress_threshold_met,
)
from rollouts.spec import ReplicaProgressThreshold
from rollouts.state import ReplicaSetState


def switch_service(
    ctx: Decision, role: ServiceRole, service: str, rs: ReplicaSetState | None, *, check: bool
) -> None:
    """Point `service` at `rs`. A service we never managed is adopted only once the ReplicaSet
    is fully available; after that, one available pod is enough (Argo's ensureSVCTargets)."""
    if rs is None or not service or ctx.state.selectors.get(role) == rs.pod_template_hash:
        return
    if check:
        adopting = role not in ctx.state.selectors
        if adopting and not (rs.desired > 0 and rs.available >= rs.desired):
            return
        if rs.available < 1:
            return
    ctx.emit(
        ev.ServiceSelectorSwitched,
        role=role,
        service=service,
        pod_template_hash=rs.pod_template_hash,
    )


def reconcile_canary_services(ctx: Decision) -> None:
    canary = canary_of(ctx.state)
    switch_service(ctx, "stable", canary.stable_service, ctx.state.stable, check=True)
    if ctx.is_aborted() and canary.traffic_routing is None:
        switch_service(ctx, "canary", canary.canary_service, ctx.state.stable, check=True)
        return
    switch_service(ctx, "canary", canary.canary_service, ctx.state.new_rs, check=True)


def threshold(ctx: Decision) -> ProgressThreshold | None:
    spec: ReplicaProgressThreshold | None = canary_of(ctx.state).replica_progress_threshold
    return ProgressThreshold(type=spec.type, value=spec.value) if spec else None


def at_desired_counts(ctx: Decision) -> bool:
    """Argo AtDesiredReplicaCountsForCanary for the current pass's targets."""
    state = ctx.state
    stable = state.stable if state.stable_rs != state.current_pod_hash else None
    return at_desired_replica_counts_for_canary(
        replica_targets(ctx),
        new_rs=counts(state.new_rs),
        stable_rs=counts(stable),
        older=[c for c in map(counts, state.others) if c is not None],
        threshold=threshold(ctx),
        traffic_routed=routed(state),
        dynamic_stable_scale=canary_of(state).dynamic_stable_scale,
    )


def router_weight(ctx: Decision) -> int:
    """The canary weight the router should hold now (Argo's desiredWeight)."""
    state = ctx.state
    new = state.new_rs
    if state.fully_promoted or ctx.is_aborted() or new is None or new.available == 0:
        return 0
    if state.promote_full:
        return state.traffic.requested_canary or 0
    index = state.current_step_index
    if index is None:
        return 0
    if not at_desired_counts(ctx):
        return _previous_set_weight(ctx, index)
    if index != len(state.steps):
        return current_set_weight(state, aborted=False)
    return max_weight(state)


def _previous_set_weight(ctx: Decision, index: int) -> int:
    for step in reversed(ctx.state.steps[:index]):
        if step.set_weight is not None:
            return step.set_weight
    return 0


def _stable_can_take(ctx: Decision, weight: int) -> bool:
    """Argo checkReplicasAvailable: stable must have the pods for the traffic it will get."""
    stable = ctx.state.stable
    if stable is None:
        return False
    needed = ((max_weight(ctx.state) - weight) * ctx.state.spec_replicas) // max_weight(ctx.state)
    return stable.available >= needed or replica_progress_threshold_met(
        threshold(ctx), counts(stable), needed
    )


def reconcile_traffic(ctx: Decision) -> None:
    if not routed(ctx.state):
        return
    state = ctx.state
    removing = state.fully_promoted or ctx.is_aborted() or state.promote_full
    if removing or state.new_rs is None or state.new_rs.available == 0:
        _remove_managed_routes(ctx)
    weight = router_weight(ctx)
    if not _stable_can_take(ctx, weight):
        return
    if ctx.is_aborted():
        switch_service(ctx, "canary", canary_of(state).canary_service, state.stable, check=False)
    _set_step_route(ctx)
    _request_weight(ctx, weight)


def _request_weight(ctx: Decision, weight: int) -> None:
    state = ctx.state
    canary_hash = state.current_pod_hash or ""
    stable_hash = state.stable_rs or ""
    traffic = state.traffic
    wanted = (weight, canary_hash, stable_hash)
    if (traffic.requested_canary, traffic.canary_hash, traffic.stable_hash) == wanted:
        return
    ctx.emit(
        ev.TrafficWeightRequested,
        canary_weight=weight,
        stable_weight=max_weight(state) - weight,
        canary_hash=canary_hash,
        stable_hash=stable_hash,
    )


def _set_step_route(ctx: Decision) -> None:
    """setHeaderRoute/setMirrorRoute of the current step (only for updates, never revision 1)."""
    step = ctx.state.current_step
    if step is None or ctx.state.revision <= 1 or ctx.is_aborted():
        return
    route = step.set_header_route or step.set_mirror_route
    if route is None:
        return
    kind = "header" if step.set_header_route is not None else "mirror"
    body = route.model_dump(mode="json", by_alias=True, exclude_none=True)
    active = route.match is not None and len(route.match) > 0
    if active == (route.name in ctx.state.managed_routes):
        return
    ctx.emit(ev.ManagedRouteSet, name=route.name, kind=kind, route=body if active else None)


def _remove_managed_routes(ctx: Decision) -> None:
    if ctx.state.managed_routes:
        ctx.emit(ev.ManagedRoutesRemoved, reason="canary is not receiving traffic")
