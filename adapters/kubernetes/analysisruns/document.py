"""One run of the ledger as Argo's `argoproj.io/v1alpha1` AnalysisRun object (argo-semantics
§3.1, §3.4-3.6), for `kubectl get analysisruns`, `kubectl argo rollouts get` and dashboards.

Labels, annotation and owner reference are those Argo's rollout controller gives a run it
creates; spec holds the metrics as the run measured them (the stream records them with every
non-secret argument already substituted), the resolved args (a secret one as its
`secretKeyRef`), dryRun and measurementRetention; status is the run's phase, message, times,
each metric's result with Argo's counters (zero counters omitted, as Go's omitempty does) and
its newest measurements (`measurementRetention`, 10 by default, the one in flight included).

Optional keys absent from a run are `None` here, so a merge patch built from the document also
removes what no longer holds; `pruned_value` turns it into the body of a create. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.kubernetes.analysisruns.ledger import LedgerRun, RunFacts
from adapters.kubernetes.manifests import POD_TEMPLATE_HASH, REVISION, Owner
from adapters.kubernetes.status.document import timestamp
from events.phases import AnalysisPhase, AnalysisRunKind
from rollouts.run_state import AnalysisRunState, Measurement, MetricRunState

Obj = dict[str, Any]

API_VERSION = "argoproj.io/v1alpha1"
KIND = "AnalysisRun"
PLURAL = "analysisruns"
ROLLOUT_TYPE = "rollout-type"
STEP_INDEX = "step-index"
COUNTERS = (
    ("count", "count"),
    ("successful", "successful"),
    ("failed", "failed"),
    ("inconclusive", "inconclusive"),
    ("error", "error"),
    ("consecutiveError", "consecutive_error"),
    ("consecutiveSuccess", "consecutive_success"),
)
SUMMARY = (
    ("successful", AnalysisPhase.SUCCESSFUL),
    ("failed", AnalysisPhase.FAILED),
    ("inconclusive", AnalysisPhase.INCONCLUSIVE),
    ("error", AnalysisPhase.ERROR),
)


def analysis_run(run: LedgerRun, owner: Owner, namespace: str) -> Obj:
    """The whole object (metadata, spec, status) the run shows as."""
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": run_metadata(run, owner, namespace),
        "spec": run_spec(run.state, run.facts),
        "status": run_status(run.state, run.facts),
    }


def run_metadata(run: LedgerRun, owner: Owner, namespace: str) -> Obj:
    facts = run.facts
    extra = _run_metadata(facts.analysis)
    match_labels = owner.selector.get("matchLabels") if isinstance(owner.selector, Mapping) else {}
    labels: dict[str, str] = {
        **{str(k): str(v) for k, v in (match_labels or {}).items()},
        **extra.get("labels", {}),
        POD_TEMPLATE_HASH: facts.pod_template_hash,
        ROLLOUT_TYPE: facts.kind.value,
    }
    if facts.kind is AnalysisRunKind.STEP and facts.step_index is not None:
        labels[STEP_INDEX] = str(facts.step_index)
    annotations = {**extra.get("annotations", {}), REVISION: str(facts.revision)}
    return {
        "name": run.name,
        "namespace": namespace,
        "labels": labels,
        "annotations": annotations,
        "ownerReferences": [owner.reference()],
    }


def _run_metadata(analysis: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The RolloutAnalysis' `analysisRunMetadata` labels and annotations, as strings."""
    found = analysis.get("analysisRunMetadata")
    if not isinstance(found, Mapping):
        return {}
    return {
        part: {str(k): str(v) for k, v in found[part].items()}
        for part in ("labels", "annotations")
        if isinstance(found.get(part), Mapping)
    }


def run_spec(run: AnalysisRunState, facts: RunFacts) -> Obj:
    args: list[Obj] = [{"name": k, "value": v} for k, v in facts.args.items()]
    args += [
        {"name": k, "valueFrom": {"secretKeyRef": dict(v)}} for k, v in run.secret_args.items()
    ]
    retention = [{"metricName": k, "limit": v} for k, v in facts.measurement_retention.items()]
    return {
        "metrics": [dict(metric) for metric in facts.metrics],
        "args": args or None,
        "dryRun": [{"metricName": name} for name in run.dry_run_metrics] or None,
        "measurementRetention": retention or None,
        "terminate": True if run.termination_requested else None,
    }


def run_status(run: AnalysisRunState, facts: RunFacts) -> Obj:
    results = [_metric_result(m, facts) for m in run.metrics if _reported(m)]
    return {
        "phase": run.phase.value,
        "message": run.message or None,
        "startedAt": timestamp(run.started_at) if run.started_at else None,
        "completedAt": timestamp(facts.completed_at) if facts.completed_at else None,
        "metricResults": results or None,
        "runSummary": _summary([m for m in run.metrics if not m.dry_run]) if run.started else None,
        "dryRunSummary": _summary([m for m in run.metrics if m.dry_run]) if run.started else None,
    }


def _reported(metric: MetricRunState) -> bool:
    """Argo adds a metric's result with its first measurement (or once a terminated run
    decides a metric it never measured)."""
    pending = metric.phase is AnalysisPhase.PENDING
    return not pending or bool(metric.measurements) or metric.in_flight is not None


def _metric_result(metric: MetricRunState, facts: RunFacts) -> Obj:
    result: Obj = {"name": metric.name, "phase": metric.phase.value}
    if metric.message:
        result["message"] = metric.message
    counters = metric.counters
    for key, attribute in COUNTERS:
        if value := getattr(counters, attribute):
            result[key] = value
    measurements = [_measurement(m) for m in metric.measurements]
    if metric.in_flight is not None:
        running: Obj = {"phase": AnalysisPhase.RUNNING.value}
        if since := facts.in_flight_since.get(metric.name):
            running["startedAt"] = timestamp(since)
        measurements.append(running)
    result["measurements"] = measurements[-metric.retention :] if metric.retention else []
    if metric.dry_run:
        result["dryRun"] = True
    return result


def _measurement(measurement: Measurement) -> Obj:
    found: Obj = {"phase": measurement.phase.value}
    if measurement.message:
        found["message"] = measurement.message
    if measurement.started_at:
        found["startedAt"] = timestamp(measurement.started_at)
    if measurement.finished_at:
        found["finishedAt"] = timestamp(measurement.finished_at)
    if measurement.value:
        found["value"] = measurement.value
    return found


def _summary(metrics: list[MetricRunState]) -> Obj | None:
    """Argo's RunSummary: how many metrics, and how many ended in each phase (zero: None)."""
    if not metrics:
        return None
    summary: Obj = {"count": len(metrics)}
    for key, phase in SUMMARY:
        summary[key] = sum(1 for m in metrics if m.phase is phase) or None
    return summary
