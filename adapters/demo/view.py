"""What the demo shows: the rollout's panel, a one-line status, and one line per event.

Pure functions of a state, a measured traffic split and the events, so the live terminal view
and the plain piped output say the same things in the same words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import events.models as ev
from adapters.demo.split import TrafficSplit
from events.base import Event
from events.store import StoredEvent
from rollouts.spec import CanaryStep
from rollouts.state import ReplicaSetState, RolloutState

HIDDEN_FIELDS = {
    "cause",
    "at",
    "manifest",
    "template",
    "analysis",
    "routing",
    "route",
    "observed_at",
    "metrics",
    "secret_args",
}
"""Fields left out of event lines: bulky (whole manifests) or already implied by the time."""


def describe_step(step: CanaryStep | None) -> str:
    if step is None:
        return "all steps done"
    if step.set_weight is not None:
        return f"setWeight {step.set_weight}"
    if step.pause is not None:
        duration = step.pause.duration
        return "pause (until promoted)" if duration is None else f"pause {duration}s"
    return ", ".join(step.actions) or "step"


def step_progress(state: RolloutState) -> str:
    """The current step, numbered as `events` and `audit` number steps (the first is step 1).

    Argo's `get` shows `Step: 4/7` (steps done); naming the step the rollout is at reads
    better next to its description, and agrees with "step 5/7 done" when it completes.
    """
    if not state.steps or state.current_step_index is None:
        return "-"
    index, count = state.current_step_index, len(state.steps)
    if index >= count:
        return f"all {count} steps done"
    return f"step {index + 1} of {count}: {describe_step(state.current_step)}"


def image_tag(rs: ReplicaSetState) -> str:
    containers = (rs.template.get("spec") or {}).get("containers") or [{}]
    image = str(containers[0].get("image", "?"))
    return image.rsplit(":", 1)[-1]


def split_text(state: RolloutState, canary: int, canary_hash: str, stable_hash: str) -> str:
    """`v1 80% / v2 20%`: a router's weights said as the versions behind them (a promoted
    rollout's `canary 0%` with canary and stable on the same ReplicaSet is `v2 100%`)."""
    shares: dict[str, int] = {}
    order: dict[str, int] = {}
    for pod_hash, share, role in (
        (stable_hash, 100 - canary, "stable"),
        (canary_hash, canary, "canary"),
    ):
        rs = state.replica_sets.get(pod_hash)
        version = image_tag(rs) if rs is not None else role
        order.setdefault(version, rs.revision if rs is not None else len(order) + 10**6)
        shares[version] = shares.get(version, 0) + share
    shown = sorted((v for v in shares if shares[v]), key=lambda v: order[v])
    return " / ".join(f"{version} {shares[version]}%" for version in shown)


def weights(state: RolloutState) -> str:
    """What the router holds now and, while it has not confirmed the last request, where it is
    going: the truth at this moment, not two numbers about different ReplicaSets."""
    traffic = state.traffic
    if traffic.requested_canary is None and traffic.applied_canary is None:
        return "-"
    wanted = None
    if traffic.requested_canary is not None:
        wanted = split_text(
            state, traffic.requested_canary, traffic.canary_hash, traffic.stable_hash
        )
    if traffic.applied_canary is None:
        return f"none applied yet (requested {wanted})"
    held = split_text(
        state,
        traffic.applied_canary,
        traffic.applied_canary_hash or traffic.canary_hash,
        traffic.applied_stable_hash or traffic.stable_hash,
    )
    return held if wanted in (None, held) else f"{held} (moving to {wanted})"


def applied_weights(state: RolloutState) -> tuple[int | None, str, str]:
    """What the router was last confirmed holding: it changes what the users get."""
    traffic = state.traffic
    return traffic.applied_canary, traffic.applied_canary_hash, traffic.applied_stable_hash


def replica_sets(state: RolloutState) -> list[tuple[str, ReplicaSetState]]:
    """(role, ReplicaSet) oldest revision first, skipping those scaled to nothing."""
    rows = []
    for rs in sorted(state.replica_sets.values(), key=lambda item: item.revision):
        if rs.desired == 0 and rs.replicas == 0:
            continue
        if rs.pod_template_hash == state.stable_rs:
            role = "stable"
        elif rs.pod_template_hash == state.current_pod_hash:
            role = "canary"
        else:
            role = "old"
        rows.append((role, rs))
    return rows


def describe_replica_sets(state: RolloutState) -> str:
    parts = [
        f"rev{rs.revision} {image_tag(rs)} {role} {rs.ready}/{rs.desired}"
        for role, rs in replica_sets(state)
    ]
    return ", ".join(parts) or "none"


def describe_state(state: RolloutState) -> str:
    phase = state.phase.value if state.phase else "no phase yet"
    return (
        f"phase {phase} ({state.message or state.phase_reason or '-'}), "
        f"{step_progress(state)}, weight {weights(state)}, "
        f"ReplicaSets {describe_replica_sets(state)}"
    )


def status_line(state: RolloutState) -> str:
    phase = state.phase.value if state.phase else "-"
    return (
        f"  {phase:<11} {step_progress(state)} | weight {weights(state)} | "
        f"RS {describe_replica_sets(state)}"
    )


def watched(state: RolloutState) -> tuple[object, ...]:
    """What a person watches: phase, step, the weights the router holds, and each ReplicaSet's
    role, size and whether it is all ready. Pods becoming ready one by one, a request the router
    confirms a few ms later, bookkeeping events: the status line waits for them to settle."""
    sets = tuple(
        (rs.revision, role, rs.desired, rs.ready >= rs.desired) for role, rs in replica_sets(state)
    )
    return (state.phase, state.current_step_index, weights_held(state), sets)


def weights_held(state: RolloutState) -> str:
    canary, canary_hash, stable_hash = applied_weights(state)
    if canary is None:
        return "-"
    traffic = state.traffic
    return split_text(
        state, canary, canary_hash or traffic.canary_hash, stable_hash or traffic.stable_hash
    )


def traffic_line(split: TrafficSplit, held: str, seconds: float) -> str:
    """The answers measured while the router held `held`: the same window as the weights."""
    return f"  traffic     {split.describe()} in {seconds:.1f}s at weight {held}"


def event_summary(event: Event) -> str:
    if isinstance(event, ev.RolloutPhaseChanged):
        before = event.from_phase.value if event.from_phase else "-"
        reason = f": {event.message}" if event.message else ""
        return f"{before} -> {event.to_phase.value}{reason}"
    if isinstance(event, ev.RolloutStepCompleted):
        return f"step {event.step_index + 1}/{event.step_count} done ({event.step})"
    fields: dict[str, Any] = event.model_dump(mode="json", exclude=HIDDEN_FIELDS)
    return " ".join(
        f"{key}={value}" for key, value in fields.items() if value not in ("", None, {}, [])
    )


def event_line(stored: StoredEvent, started: datetime) -> str:
    elapsed = (stored.event.at - started).total_seconds()
    summary = event_summary(stored.event)
    if len(summary) > 90:
        summary = summary[:87] + "..."
    return f"{elapsed:7.2f}s #{stored.stream_sequence:<4} {type(stored.event).__name__} {summary}"
