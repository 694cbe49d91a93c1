"""The AnalysisRun CRD is Argo's (names, no subresources, Status and Age columns), structural,
and accepts every object the projection writes with nothing pruned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import events.models as ev
from adapters.kubernetes.analysisruns import RunLedger, analysis_run
from adapters.kubernetes.manifests import Owner
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.deploy.crd_schema import (
    object_json_schema,
    prune_nulls,
    structural_problems,
    version_schema,
)
from tests.unit.kubernetes.analysisrun_events import NS, ROLLOUT, History

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (dev dependency) not installed")

CRD_DIR = Path(__file__).parents[3] / "deploy" / "crds"
CRD: dict[str, Any] = yaml.safe_load((CRD_DIR / "analysisruns.yaml").read_text())
S, F = AnalysisPhase.SUCCESSFUL, AnalysisPhase.FAILED


def test_names_scope_columns_and_subresources_are_argos() -> None:
    spec = CRD["spec"]
    assert CRD["metadata"]["name"] == "analysisruns.argoproj.io"
    assert (spec["group"], spec["scope"]) == ("argoproj.io", "Namespaced")
    assert spec["names"] == {
        "kind": "AnalysisRun",
        "listKind": "AnalysisRunList",
        "plural": "analysisruns",
        "singular": "analysisrun",
        "shortNames": ["ar"],
    }
    (version,) = spec["versions"]
    assert "subresources" not in version, "Argo's controller writes status with the object"
    columns = [(c["name"], c["jsonPath"]) for c in version["additionalPrinterColumns"]]
    assert columns == [("Status", ".status.phase"), ("Age", ".metadata.creationTimestamp")]
    assert structural_problems(version_schema(CRD)) == []
    kustomization = yaml.safe_load((CRD_DIR / "kustomization.yaml").read_text())
    assert "analysisruns.yaml" in kustomization["resources"]


def written_objects() -> list[dict[str, Any]]:
    history = History()
    history.complete("web-6d4f-2-1", S)
    history.complete("web-6d4f-2-2", F, "failed (1) > failureLimit (0)")
    history.request("web-6d4f-2", AnalysisRunKind.BACKGROUND, None)
    secret = {"token": {"name": "prom-auth", "key": "token"}}
    retention = {"success-rate": 2}
    history.start(
        "web-6d4f-2", secret_args=secret, dry_run_metrics=["success-rate"],
        measurement_retention=retention,
    )  # fmt: skip
    history.add(ev.MeasurementDue, run_name="web-6d4f-2", metric="success-rate", index=1)
    history.add(ev.AnalysisRunTerminationRequested, run_name="web-6d4f-2", reason="done")
    history.request("web-6d4f-3-pre", AnalysisRunKind.PRE_PROMOTION, None)
    ledger = RunLedger(NS, ROLLOUT)
    ledger.fold(history.events)
    owner = Owner(ROLLOUT, "uid-web", {"matchLabels": {"app": "web"}})
    return [analysis_run(run, owner, NS) for run in ledger.runs()]


def test_every_written_object_is_valid_against_the_crd() -> None:
    validator = jsonschema.Draft202012Validator(object_json_schema(CRD))
    objects = written_objects()
    assert len(objects) == 4
    for obj in objects:
        problems = [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(prune_nulls(obj))
        ]
        assert problems == [], obj["metadata"]["name"]
