"""A run of the ledger as Argo's AnalysisRun object: names, labels, owner, spec and status."""

from __future__ import annotations

from typing import Any

import events.models as ev
from adapters.kubernetes.analysisruns import RunLedger, analysis_run
from adapters.kubernetes.manifests import Owner
from adapters.kubernetes.status.patch import pruned_value
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.unit.kubernetes.analysisrun_events import NS, RATE, ROLLOUT, History

OWNER = Owner(ROLLOUT, "uid-web", {"matchLabels": {"app": "web"}})
S, F = AnalysisPhase.SUCCESSFUL, AnalysisPhase.FAILED


def document(history: History, name: str) -> dict[str, Any]:
    ledger = RunLedger(NS, ROLLOUT)
    ledger.fold(history.events)
    (run,) = [run for run in ledger.runs() if run.name == name]
    found: dict[str, Any] = pruned_value(analysis_run(run, OWNER, NS))
    return found


def test_a_running_step_run_has_argos_metadata_spec_and_status() -> None:
    history = History()
    history.request("web-6d4f-2-1")
    history.start("web-6d4f-2-1")
    history.measure("web-6d4f-2-1", 1, S, "0.99")
    history.add(
        ev.MeasurementDue,
        run_name="web-6d4f-2-1",
        metric="success-rate",
        index=2,
    )
    obj = document(history, "web-6d4f-2-1")
    assert (obj["apiVersion"], obj["kind"]) == ("argoproj.io/v1alpha1", "AnalysisRun")
    metadata = obj["metadata"]
    assert (metadata["name"], metadata["namespace"]) == ("web-6d4f-2-1", NS)
    assert metadata["labels"] == {
        "app": "web",
        "rollouts-pod-template-hash": "6d4f",
        "rollout-type": "Step",
        "step-index": "1",
    }
    assert metadata["annotations"] == {"rollout.argoproj.io/revision": "2"}
    assert metadata["ownerReferences"] == [
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "name": ROLLOUT,
            "uid": "uid-web",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert obj["spec"] == {"metrics": [RATE], "args": [{"name": "service", "value": "web-canary"}]}
    status = obj["status"]
    assert status["phase"] == "Running" and status["startedAt"] == "2026-03-01T12:00:02Z"
    assert "completedAt" not in status and "message" not in status
    (result,) = status["metricResults"]
    assert result["name"] == "success-rate"
    assert (result["count"], result["successful"], result["consecutiveSuccess"]) == (1, 1, 1)
    assert "failed" not in result and "error" not in result, "zero counters are omitted"
    done, running = result["measurements"]
    assert done == {
        "phase": "Successful",
        "startedAt": "2026-03-01T12:00:04Z",
        "finishedAt": "2026-03-01T12:00:05Z",
        "value": "0.99",
    }
    assert running == {"phase": "Running", "startedAt": "2026-03-01T12:00:06Z"}
    assert status["runSummary"] == {"count": 1}


def test_a_failed_run_reports_phase_message_counters_and_completion() -> None:
    history = History()
    why = 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)'
    history.complete("web-6d4f-2-1", F, why)
    status = document(history, "web-6d4f-2-1")["status"]
    assert (status["phase"], status["message"]) == ("Failed", why)
    assert status["completedAt"] == "2026-03-01T12:00:07Z"
    (result,) = status["metricResults"]
    assert (result["phase"], result["message"]) == ("Failed", why)
    assert (result["count"], result["failed"]) == (1, 1) and "successful" not in result
    assert result["measurements"][0]["phase"] == "Failed"
    assert status["runSummary"] == {"count": 1, "failed": 1}


def test_measurements_keep_the_newest_ten_or_the_metrics_retention() -> None:
    for retention, kept in (({}, 10), ({"success-rate": 3}, 3)):
        history = History()
        history.request("web-6d4f-2-1")
        unbounded = {**RATE, "count": 0}
        history.start("web-6d4f-2-1", [unbounded], measurement_retention=retention)
        for index in range(1, 16):
            history.measure("web-6d4f-2-1", index, S, f"0.9{index}")
        obj = document(history, "web-6d4f-2-1")
        (result,) = obj["status"]["metricResults"]
        values = [m["value"] for m in result["measurements"]]
        assert values == [f"0.9{i}" for i in range(16 - kept, 16)], retention
        assert result["count"] == 15, "counters count every measurement, kept or not"
        listed = [{"metricName": k, "limit": v} for k, v in retention.items()]
        assert obj["spec"].get("measurementRetention", []) == listed


def test_blue_green_runs_are_named_and_labelled_by_kind() -> None:
    history = History()
    history.request("web-6d4f-3-pre", AnalysisRunKind.PRE_PROMOTION, None, revision=3)
    history.request("web-6d4f-3-post", AnalysisRunKind.POST_PROMOTION, None, revision=3)
    for name, kind in (("web-6d4f-3-pre", "PrePromotion"), ("web-6d4f-3-post", "PostPromotion")):
        obj = document(history, name)
        assert obj["metadata"]["labels"]["rollout-type"] == kind
        assert "step-index" not in obj["metadata"]["labels"]
        assert obj["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "3"
        assert obj["status"] == {"phase": "Pending"}, "not started: no results yet"
        assert obj["spec"] == {"metrics": []}


def test_analysis_run_metadata_secret_args_and_dry_run_show() -> None:
    history = History()
    metadata = {"labels": {"team": "payments"}, "annotations": {"ticket": "OPS-1"}}
    history.request("web-6d4f-2", AnalysisRunKind.BACKGROUND, None, analysis={
        "templates": [{"templateName": "success-rate"}], "analysisRunMetadata": metadata,
    })  # fmt: skip
    secret = {"token": {"name": "prom-auth", "key": "token"}}
    history.start("web-6d4f-2", secret_args=secret, dry_run_metrics=["success-rate"])
    history.measure("web-6d4f-2", 1, F, "0.5")
    obj = document(history, "web-6d4f-2")
    labels = obj["metadata"]["labels"]
    assert labels["team"] == "payments" and labels["rollout-type"] == "Background"
    assert obj["metadata"]["annotations"]["ticket"] == "OPS-1"
    assert obj["spec"]["args"] == [
        {"name": "service", "value": "web-canary"},
        {"name": "token", "valueFrom": {"secretKeyRef": {"name": "prom-auth", "key": "token"}}},
    ]
    assert obj["spec"]["dryRun"] == [{"metricName": "success-rate"}]
    (result,) = obj["status"]["metricResults"]
    assert result["dryRun"] is True
    assert "runSummary" not in obj["status"] and obj["status"]["dryRunSummary"] == {"count": 1}


def test_a_terminated_run_says_so_in_spec() -> None:
    history = History()
    history.request("web-6d4f-2-1")
    history.start("web-6d4f-2-1")
    history.add(
        ev.AnalysisRunTerminationRequested,
        run_name="web-6d4f-2-1",
        reason="step left",
    )
    assert document(history, "web-6d4f-2-1")["spec"]["terminate"] is True
