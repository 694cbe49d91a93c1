"""AnalysisRun `spec` and `status` (argo-semantics §3.1, §3.4-3.6): the objects the controller
writes as a read model of the stream's runs (adapters/kubernetes/analysisruns)."""

from __future__ import annotations

from .analysis import dry_run, measurement_retention, metric
from .dsl import Schema, array, boolean, int32, obj, string, string_map, timestamp


def _argument() -> Schema:
    secret_ref = obj({"name": string(), "key": string()}, required=("name", "key"))
    field_ref = obj({"fieldPath": string()}, required=("fieldPath",))
    return obj(
        {
            "name": string(),
            "value": string(),
            "valueFrom": obj({"secretKeyRef": secret_ref, "fieldRef": field_ref}),
        },
        required=("name",),
        description="A resolved argument: its value, or the Secret key read at measurement time.",
    )


def run_spec() -> Schema:
    ttl = obj(
        {
            "secondsAfterCompletion": int32(),
            "secondsAfterFailure": int32(),
            "secondsAfterSuccess": int32(),
        }
    )
    return obj(
        {
            "metrics": array(metric()),
            "args": array(_argument()),
            "terminate": boolean(),
            "dryRun": dry_run(),
            "measurementRetention": measurement_retention(),
            "ttlStrategy": ttl,
        },
        required=("metrics",),
        description="The metrics measured, as merged from the templates, and their arguments.",
    )


def _measurement() -> Schema:
    return obj(
        {
            "phase": string(),
            "message": string(),
            "startedAt": timestamp(),
            "finishedAt": timestamp(),
            "value": string(),
            "metadata": string_map(),
            "resumeAt": timestamp(),
        },
        required=("phase",),
    )


def _metric_result() -> Schema:
    counters = (
        "count",
        "successful",
        "failed",
        "inconclusive",
        "error",
        "consecutiveError",
        "consecutiveSuccess",
    )
    return obj(
        {
            "name": string(),
            "phase": string(),
            "message": string(),
            **{name: int32() for name in counters},
            "measurements": array(_measurement()),
            "metadata": string_map(),
            "dryRun": boolean(),
        },
        required=("name", "phase"),
    )


def _summary() -> Schema:
    names = ("count", "successful", "failed", "inconclusive", "error")
    return obj({name: int32() for name in names})


def run_status() -> Schema:
    return obj(
        {
            "phase": string(),
            "message": string(),
            "startedAt": timestamp(),
            "completedAt": timestamp(),
            "metricResults": array(_metric_result()),
            "runSummary": _summary(),
            "dryRunSummary": _summary(),
        },
        description="Argo's AnalysisRunStatus: the run's phase and each metric's measurements.",
    )
