"""Restarting a rollout's pods (argo-semantics §2.5 `restart`): decided here, done by a worker.

`spec.restartAt` set and different from `status.restartedAt` (`RolloutState.pending_restart`)
asks for every pod created before it to be recreated, without a new revision and whatever the
update is doing. Once that time has come, each pass that has a reason to look (no check yet, a
ReplicaSet changed since the last one, or 30 s passed: Argo's restartPodCheckTime) asks the
scaler worker for the pods (`RestartPodsCheckRequested`). Its answer is planned by
`restart_plan` (maxUnavailable, stable ReplicaSet first) into a `PodEvictionRequested`, and the
restart is done (`RolloutRestarted`, Argo's `status.restartedAt := restartAt`) when no pod
older than restartAt is left, or when the last of them were evicted. Only the answer to the
latest check is acted on: an older one may predate evictions since, and would count evicted
pods as still there. A new pod template cancels the restart (`cancel_restart`): a new
ReplicaSet brings up new pods anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events.restart import (
    CHECK_SECONDS,
    PodEvictionRequested,
    PodEvictionsObserved,
    PodsEvicted,
    RestartPodsCheckRequested,
    RestartPodsObserved,
    RolloutRestarted,
)
from rollouts.decide.context import Decision
from rollouts.decide.restart_plan import plan_evictions, restart_order
from rollouts.state import RestartProgress, RolloutState

CHECK_INTERVAL = timedelta(seconds=CHECK_SECONDS)


def next_check(state: RolloutState) -> datetime | None:
    """When a pending restart next needs a look with no input: its time, or 30 s after the
    last check. None when no restart is pending."""
    at = state.pending_restart
    if at is None or state.spec is None:
        return None
    progress = _progress(state, at)
    return at if progress is None else max(at, progress.checked_at + CHECK_INTERVAL)


def reconcile_restart(ctx: Decision) -> None:
    """A pass's part: ask for the pods when a due restart has a reason to look again."""
    state = ctx.state
    at = state.pending_restart
    if at is None or ctx.now < at:
        return
    progress = _progress(state, at)
    recent = progress is not None and ctx.now < progress.checked_at + CHECK_INTERVAL
    if progress is not None and recent and not progress.recheck:
        return
    ctx.emit(
        RestartPodsCheckRequested,
        restart_at=at,
        round=progress.round + 1 if progress is not None else 1,
        replica_sets=restart_order(state),
    )


def cancel_restart(ctx: Decision, reason: str) -> None:
    """A new pod template during a restart ends it: Argo sets restartedAt to restartAt."""
    at = ctx.state.pending_restart
    if at is not None:
        ctx.emit(RolloutRestarted, restart_at=at, cancelled=True, reason=reason)


def pods_observed(ctx: Decision, obs: RestartPodsObserved) -> None:
    """The answer to a check: evict the next batch, or record the restart as done."""
    at = _latest_round(ctx.state, obs.restart_at, obs.round)
    if at is None:
        return
    plan = plan_evictions(ctx.state, obs.pods, at)
    if plan.to_restart == 0:
        reason = f"all {plan.total} pods were created at or after restartAt"
        ctx.emit(RolloutRestarted, restart_at=at, reason=reason)
    elif plan.evict:
        ctx.emit(
            PodEvictionRequested,
            restart_at=at,
            round=obs.round,
            pods=list(plan.evict),
            pods_to_restart=plan.to_restart,
            pods_total=plan.total,
        )


def evictions_observed(ctx: Decision, obs: PodEvictionsObserved) -> None:
    """The outcome of a batch, recorded whatever round it answers (it reports facts). Argo
    counts the restart done in the reconcile that evicted the last old pods, so the latest
    batch ends it when it took every old pod left and none was refused."""
    at = ctx.state.pending_restart
    progress = _progress(ctx.state, at) if at is not None else None
    if progress is None or obs.restart_at != at:
        return
    ctx.emit(
        PodsEvicted,
        restart_at=at,
        round=obs.round,
        evicted=obs.evicted,
        refused=obs.refused,
        gone=obs.gone,
        message=obs.message,
    )
    done = len(set(obs.evicted) | set(obs.gone))
    latest = obs.round == progress.batch_round and not obs.refused
    if latest and done >= progress.batch_to_restart:
        reason = f"the last {done} pods created before restartAt were evicted"
        ctx.emit(RolloutRestarted, restart_at=at, reason=reason)


def _progress(state: RolloutState, at: datetime) -> RestartProgress | None:
    progress = state.restart
    return progress if progress is not None and progress.restart_at == at else None


def _latest_round(state: RolloutState, restart_at: datetime, round: int) -> datetime | None:
    """The pending restart's time if a report answers its latest check, else None (stale)."""
    at = state.pending_restart
    progress = _progress(state, at) if at is not None else None
    if progress is None or restart_at != at or round != progress.round:
        return None
    return at
