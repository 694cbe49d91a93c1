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
    """`i/n` as Argo's CLI shows it: the index of the current step over the number of steps."""
    if not state.steps or state.current_step_index is None:
        return "-"
    return f"{state.current_step_index}/{len(state.steps)} ({describe_step(state.current_step)})"


def image_tag(rs: ReplicaSetState) -> str:
    containers = (rs.template.get("spec") or {}).get("containers") or [{}]
    image = str(containers[0].get("image", "?"))
    return image.rsplit(":", 1)[-1]


def weights(state: RolloutState) -> str:
    traffic = state.traffic

    def percent(value: int | None) -> str:
        return "-" if value is None else f"{value}%"

    return (
        f"{percent(traffic.requested_canary)} requested / {percent(traffic.applied_canary)} applied"
    )


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
        f"phase {phase} ({state.message or state.phase_reason or '-'}), step "
        f"{step_progress(state)}, canary weight {weights(state)}, "
        f"ReplicaSets {describe_replica_sets(state)}"
    )


def status_line(state: RolloutState, split: TrafficSplit) -> str:
    phase = state.phase.value if state.phase else "-"
    return (
        f"  {phase:<11} step {step_progress(state)} | weight {weights(state)} | "
        f"RS {describe_replica_sets(state)} | traffic {split.describe()}"
    )


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
