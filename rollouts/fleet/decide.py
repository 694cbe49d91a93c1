"""decide(state, input, now) -> events: every decision of the fleet coordinator, pure.

One decision may record several events (a failure observed, the abort of every in-progress
cluster, the phase change); each is folded into the state before the next is decided, so the
list is exactly what a replay of the history will see. Redelivered inputs decide nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events import fleet as ev
from events.base import Event, Input
from rollouts.errors import CommandRejected, InvalidSpec
from rollouts.fleet.abort import abort_fleet, acknowledge
from rollouts.fleet.decision import FleetDecision
from rollouts.fleet.health import check_failure, check_score, score_event
from rollouts.fleet.state import ClusterView, FleetState
from rollouts.fleet.validate import cluster_manifest, parse_fleet


def decide_fleet(state: FleetState, item: Input, now: datetime) -> list[Event]:
    if item.input_id in state.recent_causes:
        return []
    ctx = FleetDecision(state, item.input_id, now, item.actor)
    if isinstance(item, ev.ApplyFleet):
        _apply(ctx, item)
    elif isinstance(item, ev.ClusterObserved):
        _observe(ctx, item)
    elif isinstance(item, ev.PromoteFleet):
        _promote(ctx)
    elif isinstance(item, ev.AbortFleet):
        _manual_abort(ctx, item)
    elif isinstance(item, ev.FleetTick):
        advance(ctx)
    else:
        raise CommandRejected(f"{item.type_name()} is not a fleet input")
    return ctx.events


def _apply(ctx: FleetDecision, item: ev.ApplyFleet) -> None:
    fleet, problems = parse_fleet(item.manifest)
    errors = [str(p) for p in problems if p.is_error]
    if fleet is None or errors:
        raise InvalidSpec(errors)
    if fleet.name != ctx.state.name:
        raise CommandRejected(f"manifest names fleet {fleet.name}, not {ctx.state.name}")
    current = ctx.state.fleet
    if current is not None and current.model_dump() == fleet.model_dump():
        return
    revision = ctx.state.revision + 1
    ctx.emit(
        ev.FleetSpecApplied(
            cause=ctx.cause,
            at=ctx.now,
            manifest=item.manifest,
            revision=revision,
            template_hash=fleet.template_hash,
        )
    )
    ctx.move("apply", f"revision {revision} applied")
    advance(ctx)


def _observe(ctx: FleetDecision, item: ev.ClusterObserved) -> None:
    fleet = ctx.state.fleet
    if fleet is None or fleet.cluster(item.cluster) is None:
        return
    view = ClusterView.model_validate(
        item.model_dump(exclude={"input_id", "actor", "cluster", "observed_at"})
    )
    if ctx.state.clusters.get(item.cluster) == view:
        return
    fields = view.model_dump()
    ctx.emit(ev.FleetClusterObserved(cause=ctx.cause, at=ctx.now, cluster=item.cluster, **fields))
    acknowledge(ctx, item.cluster)
    failure = check_failure(ctx.state, item.cluster)
    if failure is not None and ctx.state.in_progress:
        abort_fleet(ctx, *failure)
    scored = score_event(ctx.state, ctx.cause, ctx.now)
    if scored is not None:
        ctx.emit(scored)
        below = check_score(ctx.state)
        if below is not None and ctx.state.in_progress:
            abort_fleet(ctx, *below)
    advance(ctx)


def _promote(ctx: FleetDecision) -> None:
    gate = ctx.state.gate
    if ctx.state.phase != "Paused" or gate is None:
        raise CommandRejected(f"fleet {ctx.state.name} is not paused at a gate")
    ctx.emit(ev.FleetGatePassed(cause=ctx.cause, at=ctx.now, wave=gate, actor=ctx.actor))
    ctx.move("promote", f"gate before wave {gate} opened")
    _start_wave(ctx, gate)


def _manual_abort(ctx: FleetDecision, item: ev.AbortFleet) -> None:
    if ctx.state.phase == "Degraded":
        return  # already aborted: a second abort has no effect
    if not ctx.state.in_progress:
        raise CommandRejected(f"fleet {ctx.state.name} has no rollout in progress to abort")
    abort_fleet(ctx, "Manual", "", "", item.reason or "aborted by " + (ctx.actor or "a user"))


def advance(ctx: FleetDecision) -> None:
    """Start the next wave when the current one is Healthy everywhere and has baked."""
    state, fleet = ctx.state, ctx.state.fleet
    if fleet is None or state.phase not in ("Pending", "Progressing"):
        return
    if state.wave is None:
        _start_or_gate(ctx, 0)
        return
    wave = state.wave
    if state.wave_completed_at is None:
        if not all(_healthy(state, c.name) for c in fleet.waves[wave].clusters):
            return
        ctx.emit(
            ev.FleetWaveCompleted(cause=ctx.cause, at=ctx.now, wave=wave, revision=state.revision)
        )
    if wave == len(fleet.waves) - 1:
        ctx.emit(ev.FleetCompleted(cause=ctx.cause, at=ctx.now, revision=ctx.state.revision))
        ctx.move("complete", f"every wave Healthy on revision {ctx.state.revision}")
        return
    if ctx.now < next_wave_at(ctx.state):
        return
    _start_or_gate(ctx, wave + 1)


def next_wave_at(state: FleetState) -> datetime:
    """When the bake time of the completed current wave ends (the next timer to set)."""
    fleet = state.fleet
    assert fleet is not None and state.wave_completed_at is not None
    return state.wave_completed_at + timedelta(seconds=fleet.spec.bake_seconds)


def _healthy(state: FleetState, cluster: str) -> bool:
    view = state.clusters.get(cluster)
    return view is not None and view.healthy_on(state.template_hash)


def _start_or_gate(ctx: FleetDecision, wave: int) -> None:
    fleet = ctx.state.fleet
    assert fleet is not None
    if wave in fleet.spec.manual_gates and wave not in ctx.state.gates_passed:
        ctx.emit(ev.FleetGateReached(cause=ctx.cause, at=ctx.now, wave=wave))
        ctx.move("gate", f"wave {wave} waits for fleet promote")
        return
    ctx.move("start_wave", f"wave {wave} started")
    _start_wave(ctx, wave)


def _start_wave(ctx: FleetDecision, wave: int) -> None:
    state, fleet = ctx.state, ctx.state.fleet
    assert fleet is not None
    clusters = fleet.waves[wave].clusters
    names = [c.name for c in clusters]
    ctx.emit(
        ev.FleetWaveStarted(
            cause=ctx.cause, at=ctx.now, wave=wave, revision=state.revision, clusters=names
        )
    )
    for cluster in clusters:
        ctx.emit(
            ev.FleetClusterUpdateRequested(
                cause=ctx.cause,
                at=ctx.now,
                cluster=cluster.name,
                revision=state.revision,
                manifest=cluster_manifest(fleet, cluster),
                input_id=f"fleet:{state.name}:{state.revision}:{cluster.name}:apply",
            )
        )
