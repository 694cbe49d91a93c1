"""Canary Services and traffic router (Argo's reconcileStableAndCanaryService and
reconcileTrafficRouting). Both only emit intents; the traffic worker reports back what it holds.
"""

from __future__ import annotations

import events.models as ev
from events.models import ServiceRole
from rollouts.decide.canary.router import dynamically_rolling_back, router_weight, threshold
from rollouts.decide.canary.weights import canary_of, counts, max_weight, routed
from rollouts.decide.context import Decision
from rollouts.replicas import replica_progress_threshold_met
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
    """Argo reconcileStableAndCanaryService. Once aborted, the canary service belongs to the
    stable ReplicaSet: a basic canary switches it here, a traffic-routed one when the router is
    reverted (reconcile_traffic). Argo points it at the canary again on every reconcile and lets
    the router step switch it back; a decision must settle, so we skip that flip-flop."""
    canary = canary_of(ctx.state)
    switch_service(ctx, "stable", canary.stable_service, ctx.state.stable, check=True)
    if ctx.is_aborted():
        if canary.traffic_routing is None:
            switch_service(ctx, "canary", canary.canary_service, ctx.state.stable, check=True)
        return
    if dynamically_rolling_back(ctx):
        return
    switch_service(ctx, "canary", canary.canary_service, ctx.state.new_rs, check=True)


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
    weight = router_weight(ctx)
    if _routes_unwanted(ctx):
        _remove_managed_routes(ctx)
    if ctx.is_aborted() and (weight == 0 or not canary_of(state).dynamic_stable_scale):
        switch_service(ctx, "canary", canary_of(state).canary_service, state.stable, check=False)
    if not _stable_can_take(ctx, weight):
        return
    _set_step_route(ctx)
    _request_weight(ctx, weight)


def _routes_unwanted(ctx: Decision) -> bool:
    """Header and mirror routes only live while the canary is in flight and serving."""
    state = ctx.state
    if dynamically_rolling_back(ctx):
        return False
    new = state.new_rs
    ending = state.fully_promoted or ctx.is_aborted() or state.promote_full
    return ending or new is None or new.available == 0


def _request_weight(ctx: Decision, weight: int) -> None:
    """Record the weight for the router; while rolling back dynamically the canary side is
    still the previous canary, which keeps its traffic until stable can take it."""
    state = ctx.state
    canary_hash = state.current_pod_hash or ""
    if dynamically_rolling_back(ctx):
        canary_hash = state.traffic.canary_hash
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
