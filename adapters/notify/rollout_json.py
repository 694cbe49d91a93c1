"""The Rollout and its AnalysisRuns as Argo's JSON, built from our state for templates.

Templates written for Argo read `.rollout.metadata`, `.rollout.spec` (the manifest as applied)
and `.rollout.status` (Argo's field names: currentPodHash, stableRS, currentStepIndex,
canary.weights, pauseConditions, ...). AnalysisRuns get Argo's shape too (metadata, spec.metrics,
status.metricResults with measurements) plus flat `name`, `phase`, `message` and
`metricResults` keys for shorter templates.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from rollouts.phase import available_replicas, total_replicas, updated_replicas
from rollouts.run_state import AnalysisRunState, MetricRunState
from rollouts.state import RolloutState

REVISION_ANNOTATION = "rollout.argoproj.io/revision"


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _manifest(state: RolloutState, manifest: dict[str, Any] | None) -> dict[str, Any]:
    if manifest is not None:
        return copy.deepcopy(manifest)
    if state.spec is None:
        return {"metadata": {"name": state.name}, "spec": {}}
    return state.spec.model_dump(by_alias=True, exclude_none=True, mode="json")


def rollout_object(state: RolloutState, manifest: dict[str, Any] | None) -> dict[str, Any]:
    rollout = _manifest(state, manifest)
    rollout.setdefault("apiVersion", "argoproj.io/v1alpha1")
    rollout.setdefault("kind", "Rollout")
    metadata = rollout.setdefault("metadata", {})
    metadata["name"] = state.name
    metadata["namespace"] = state.namespace
    if state.revision:
        annotations = metadata.setdefault("annotations", {})
        annotations[REVISION_ANNOTATION] = str(state.revision)
    rollout["status"] = rollout_status(state)
    return rollout


def rollout_status(state: RolloutState) -> dict[str, Any]:
    status: dict[str, Any] = {
        "phase": state.phase.value if state.phase else "",
        "message": state.message,
        "currentPodHash": state.current_pod_hash or "",
        "stableRS": state.stable_rs or "",
        "observedGeneration": str(state.generation),
        "replicas": total_replicas(state),
        "updatedReplicas": updated_replicas(state),
        "readyReplicas": sum(rs.ready for rs in state.replica_sets.values()),
        "availableReplicas": available_replicas(state),
    }
    status.update(_optional_status(state))
    strategy = state.spec.spec.strategy if state.spec else None
    if strategy is not None and strategy.blue_green is not None:
        status["blueGreen"] = _blue_green_status(state)
    elif strategy is not None:
        status["canary"] = _canary_status(state)
    return status


def _optional_status(state: RolloutState) -> dict[str, Any]:
    """Fields Argo omits when empty (`omitempty`), so `{{if}}` on them works as there."""
    status: dict[str, Any] = {}
    if state.current_step_index is not None:
        status["currentStepIndex"] = state.current_step_index
    if state.current_step_hash:
        status["currentStepHash"] = state.current_step_hash
    if state.pause_conditions:
        status["pauseConditions"] = [
            {"reason": c.reason.value, "startTime": iso(c.start_time)}
            for c in state.pause_conditions
        ]
        status["controllerPause"] = state.controller_pause
    if state.abort:
        status["abort"] = True
        status["abortedAt"] = iso(state.aborted_at)
    return status


def _run_status(state: RolloutState, kind: str) -> dict[str, Any] | None:
    name = next((n for k, n in state.current_runs.items() if k.value == kind), None)
    run = state.analysis_runs.get(name or "")
    if run is None:
        return None
    return {"name": run.name, "status": run.phase.value, "message": run.message}


def _canary_status(state: RolloutState) -> dict[str, Any]:
    canary: dict[str, Any] = {}
    traffic = state.traffic
    weight = traffic.applied_canary if traffic.applied_canary is not None else None
    weight = traffic.requested_canary if weight is None else weight
    spec = state.spec.spec.strategy.canary if state.spec else None
    if weight is not None:
        canary["weights"] = {
            "canary": {
                "weight": weight,
                "podTemplateHash": traffic.canary_hash,
                "serviceName": spec.canary_service if spec else "",
            },
            "stable": {
                "weight": 100 - weight,
                "podTemplateHash": traffic.stable_hash,
                "serviceName": spec.stable_service if spec else "",
            },
        }
        if traffic.verified is not None:
            canary["weights"]["verified"] = traffic.verified
    for kind, field in (
        ("Step", "currentStepAnalysisRunStatus"),
        ("Background", "currentBackgroundAnalysisRunStatus"),
    ):
        run = _run_status(state, kind)
        if run:
            canary[field] = run
    return canary


def _blue_green_status(state: RolloutState) -> dict[str, Any]:
    blue_green: dict[str, Any] = {
        "activeSelector": state.selectors.get("active", ""),
        "previewSelector": state.selectors.get("preview", ""),
    }
    for kind, field in (
        ("PrePromotion", "prePromotionAnalysisRunStatus"),
        ("PostPromotion", "postPromotionAnalysisRunStatus"),
    ):
        run = _run_status(state, kind)
        if run:
            blue_green[field] = run
    return blue_green


def _metric_result(metric: MetricRunState) -> dict[str, Any]:
    counters = metric.counters
    return {
        "name": metric.name,
        "phase": metric.phase.value,
        "message": metric.message,
        "count": counters.count,
        "successful": counters.successful,
        "failed": counters.failed,
        "inconclusive": counters.inconclusive,
        "error": counters.error,
        "consecutiveError": counters.consecutive_error,
        "dryRun": metric.dry_run,
        "measurements": [
            {
                "phase": m.phase.value,
                "value": m.value,
                "message": m.message,
                "startedAt": iso(m.started_at),
                "finishedAt": iso(m.finished_at),
            }
            for m in metric.measurements
        ],
    }


def analysis_run_object(state: RolloutState, run: AnalysisRunState) -> dict[str, Any]:
    results = [_metric_result(metric) for metric in run.metrics]
    pod_hash = next((h for h, rs in state.replica_sets.items() if rs.revision == run.revision), "")
    labels = {"rollouts-pod-template-hash": pod_hash, "rollout-type": run.kind.value}
    if run.step_index is not None:
        labels["step-index"] = str(run.step_index)
    status: dict[str, Any] = {"phase": run.phase.value, "message": run.message}
    status |= {"metricResults": results, "startedAt": iso(run.started_at)}
    metrics = [
        m.spec.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True, mode="json")
        for m in run.metrics
    ]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {
            "name": run.name,
            "namespace": state.namespace,
            "labels": labels,
            "annotations": {REVISION_ANNOTATION: str(run.revision)},
        },
        "spec": {"metrics": metrics},
        "status": status,
        "name": run.name,
        "phase": run.phase.value,
        "message": run.message,
        "metricResults": results,
        # Our extension (docs/judge.md): the run's latest statistical judgment, when it has one.
        **({"judgment": run.judgment.model_dump(mode="json")} if run.judgment else {}),
    }
