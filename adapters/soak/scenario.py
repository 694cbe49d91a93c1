"""The soak's scenario and its yardsticks: canary rollouts updated round after round, what
must be identical between a disturbed and an undisturbed run, and what counts as a duplicate."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from events.phases import RolloutPhase
from events.store import StoredEvent
from rollouts.state import RolloutState

NAMESPACE = "soak"
STEPS = [
    {"setWeight": 25},
    {"pause": {"duration": 1}},
    {"setWeight": 50},
    {"pause": {"duration": 1}},
]


def rollout_names(count: int) -> list[str]:
    return [f"app-{i:03d}" for i in range(count)]


def manifest(name: str, image: str) -> dict[str, Any]:
    canary = {
        "trafficRouting": {"nginx": {"stableIngress": name}},
        "steps": STEPS,
        "scaleDownDelaySeconds": 1,
        "canaryService": f"{name}-canary",
        "stableService": f"{name}-stable",
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
            "strategy": {"canary": canary},
        },
    }


def image(round_number: int) -> str:
    return f"soak/app:v{round_number}"


def settled(state: RolloutState | None, revision: int) -> bool:
    """Healthy at `revision`, fully promoted, older ReplicaSets scaled to 0 and observed so."""
    return (
        state is not None
        and state.phase is RolloutPhase.HEALTHY
        and state.revision == revision
        and state.fully_promoted
        and all(rs.desired == 0 and rs.replicas == 0 for rs in state.others)
    )


def outcome(state: RolloutState) -> tuple[Any, ...]:
    """What must be identical between a disturbed and an undisturbed run."""
    return (
        state.phase,
        state.revision,
        state.current_step_index,
        state.stable_rs == state.current_pod_hash,
        tuple(
            sorted(
                (rs.revision, rs.desired, rs.replicas, rs.available)
                for rs in state.replica_sets.values()
            )
        ),
        (state.traffic.requested_canary, state.traffic.applied_canary),
        state.abort,
    )


def duplicates(history: Sequence[StoredEvent]) -> list[str]:
    """Effects recorded twice: one event id stored twice, an input decided in two separate
    decisions, or one revision created twice."""
    found = []
    ids = Counter(stored.envelope.id for stored in history)
    found += [f"event id {eid} stored {n} times" for eid, n in ids.items() if n > 1]
    seen: set[str] = set()
    previous = None
    for stored in history:
        cause = stored.event.cause
        if cause != previous:
            if cause in seen:
                found.append(f"input {cause} decided again ({type(stored.event).__name__})")
            seen.add(cause)
            previous = cause
    revisions = Counter(
        getattr(s.event, "revision", None)
        for s in history
        if type(s.event).__name__ == "RevisionCreated"
    )
    found += [f"revision {r} created {n} times" for r, n in revisions.items() if n > 1]
    return found
