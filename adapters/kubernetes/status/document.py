"""A rollout's state as Argo Rollouts' `.status` (argo-semantics §2.1), for the Rollout object.

Tools written for Argo read this status: `kubectl argo rollouts get`, Argo CD's health check
(observedGeneration, phase, message, conditions, pauseConditions, replica counts, stableRS and
currentPodHash) and the plugin's commands, which compute their patches from it. Every managed
key is present in the result, `None` where Argo would omit it (zero counts, false flags), so a
merge patch built from it also removes what no longer holds. Pure: `now` is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.kubernetes.manifests import POD_TEMPLATE_HASH
from adapters.kubernetes.status.conditions import InvalidSpecNote, rollout_conditions
from events.phases import AnalysisRunKind, RolloutPhase
from rollouts.phase import PhaseView, compute_phase, updated_replicas
from rollouts.run_state import AnalysisRunState
from rollouts.spec.base import LabelSelector
from rollouts.state import RolloutState

Obj = dict[str, Any]

MANAGED_KEYS = (
    "phase",
    "message",
    "observedGeneration",
    "currentPodHash",
    "stableRS",
    "currentStepIndex",
    "currentStepHash",
    "pauseConditions",
    "controllerPause",
    "abort",
    "abortedAt",
    "promoteFull",
    "restartedAt",
    "canary",
    "blueGreen",
    "replicas",
    "updatedReplicas",
    "readyReplicas",
    "availableReplicas",
    "HPAReplicas",
    "selector",
    "conditions",
)


def timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with whole seconds, as metav1.Time serialises."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rollout_status(
    state: RolloutState | None,
    previous: Mapping[str, Any],
    now: datetime,
    invalid: InvalidSpecNote | None = None,
) -> Obj | None:
    """The status to write, or None when there is nothing to say yet (no spec applied and no
    refusal to report). `previous` is the object's current status (condition times)."""
    if state is None or state.spec is None:
        return _invalid_only(previous, now, invalid) if invalid else None
    view = compute_phase(state)
    assert view is not None
    if invalid is not None:
        view = PhaseView(RolloutPhase.DEGRADED, "InvalidSpec", f"InvalidSpec: {invalid.message}")
    status: Obj = dict.fromkeys(MANAGED_KEYS)
    status.update(_progress_fields(state, view, invalid))
    status.update(_replica_fields(state))
    status["canary"] = _canary_block(state)
    status["blueGreen"] = _blue_green_block(state)
    conditions = previous.get("conditions")
    status["conditions"] = rollout_conditions(
        state, view, conditions if isinstance(conditions, list) else [], now, invalid
    )
    return status


def _invalid_only(previous: Mapping[str, Any], now: datetime, invalid: InvalidSpecNote) -> Obj:
    status: Obj = dict.fromkeys(MANAGED_KEYS)
    conditions = previous.get("conditions")
    view = PhaseView(RolloutPhase.DEGRADED, "InvalidSpec", f"InvalidSpec: {invalid.message}")
    status.update(phase=view.phase.value, message=view.message)
    status["observedGeneration"] = str(invalid.generation)
    status["conditions"] = rollout_conditions(
        None, view, conditions if isinstance(conditions, list) else [], now, invalid
    )
    return status


def _progress_fields(state: RolloutState, view: PhaseView, invalid: InvalidSpecNote | None) -> Obj:
    assert state.spec is not None
    generation = invalid.generation if invalid else state.spec.metadata.generation
    pauses = [
        {"reason": c.reason.value, "startTime": timestamp(c.start_time)}
        for c in state.pause_conditions
    ]
    canary = state.spec.spec.strategy.canary is not None
    return {
        "phase": view.phase.value,
        "message": view.message or None,
        "observedGeneration": str(generation) if generation is not None else None,
        "currentPodHash": state.current_pod_hash,
        "stableRS": state.stable_rs,
        "currentStepIndex": state.current_step_index if canary and state.steps else None,
        "currentStepHash": (state.current_step_hash or None) if canary else None,
        "pauseConditions": pauses or None,
        "controllerPause": state.controller_pause or None,
        "abort": state.abort or None,
        "abortedAt": timestamp(state.aborted_at) if state.abort and state.aborted_at else None,
        "promoteFull": state.promote_full or None,
        "restartedAt": timestamp(state.restarted_at) if state.restarted_at else None,
    }


def _replica_fields(state: RolloutState) -> Obj:
    """Canary: summed over every ReplicaSet. Blue-green: the active ReplicaSet's counts (what
    serves traffic) for HPA, ready and available, and its pods in the selector."""
    sets = list(state.replica_sets.values())
    total = sum(rs.replicas for rs in sets)
    hpa, ready, available = total, sum(rs.ready for rs in sets), sum(rs.available for rs in sets)
    selector = _selector_text(state, None)
    blue_green = state.spec is not None and state.spec.spec.strategy.blue_green is not None
    active = state.replica_sets.get(state.selectors.get("active", "")) if blue_green else None
    if active is not None:
        hpa, ready, available = active.replicas, active.ready, active.available
        selector = _selector_text(state, active.pod_template_hash)
    return {
        "replicas": total or None,
        "updatedReplicas": updated_replicas(state) or None,
        "readyReplicas": ready or None,
        "availableReplicas": available or None,
        "HPAReplicas": hpa or None,
        "selector": selector or None,
    }


def _selector_text(state: RolloutState, pod_hash: str | None) -> str:
    """Kubernetes' label-selector syntax, requirements sorted by key as the API prints them."""
    selector = (state.spec.spec.selector if state.spec else None) or LabelSelector()
    labels = dict(selector.match_labels)
    if pod_hash:
        labels[POD_TEMPLATE_HASH] = pod_hash
    parts = [(key, f"{key}={value}") for key, value in labels.items()]
    for requirement in selector.match_expressions:
        values = ",".join(sorted(requirement.values))
        text = {
            "In": f"{requirement.key} in ({values})",
            "NotIn": f"{requirement.key} notin ({values})",
            "Exists": requirement.key,
            "DoesNotExist": f"!{requirement.key}",
        }[requirement.operator]
        parts.append((requirement.key, text))
    return ",".join(text for _, text in sorted(parts))


def run_status(run: AnalysisRunState | None) -> Obj | None:
    if run is None:
        return None
    return {"name": run.name, "status": run.phase.value, "message": run.message or None}


def _canary_block(state: RolloutState) -> Obj:
    """Argo always writes the `canary` and `blueGreen` structs (possibly empty)."""
    assert state.spec is not None
    if state.spec.spec.strategy.canary is None:
        return {}
    return {
        "weights": _weights(state),
        "currentStepAnalysisRunStatus": run_status(state.run(AnalysisRunKind.STEP)),
        "currentBackgroundAnalysisRunStatus": run_status(state.run(AnalysisRunKind.BACKGROUND)),
    }


def _weights(state: RolloutState) -> Obj | None:
    """What the router last confirmed holding (Argo records the weights it has set)."""
    assert state.spec is not None
    canary = state.spec.spec.strategy.canary
    traffic = state.traffic
    if canary is None or canary.traffic_routing is None or traffic.applied_canary is None:
        return None
    weight = traffic.applied_canary
    stable_weight = canary.traffic_routing.effective_max_weight - weight
    weights: Obj = {
        "canary": _destination(weight, canary.canary_service, traffic.applied_canary_hash),
        "stable": _destination(stable_weight, canary.stable_service, traffic.applied_stable_hash),
    }
    if traffic.verified is not None:
        weights["verified"] = traffic.verified
    return weights


def _destination(weight: int, service: str, pod_hash: str) -> Obj:
    found: Obj = {"weight": weight}
    if service:
        found["serviceName"] = service
    if pod_hash:
        found["podTemplateHash"] = pod_hash
    return found


def _blue_green_block(state: RolloutState) -> Obj:
    assert state.spec is not None
    if state.spec.spec.strategy.blue_green is None:
        return {}
    return {
        "activeSelector": state.selectors.get("active") or None,
        "previewSelector": state.selectors.get("preview") or None,
        "scaleUpPreviewCheckPoint": state.scale_up_preview_checkpoint or None,
        "prePromotionAnalysisRunStatus": run_status(state.run(AnalysisRunKind.PRE_PROMOTION)),
        "postPromotionAnalysisRunStatus": run_status(state.run(AnalysisRunKind.POST_PROMOTION)),
    }
