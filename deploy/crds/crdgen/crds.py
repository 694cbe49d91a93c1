"""The four CustomResourceDefinitions, with the names, scopes, subresources and printer columns
Argo uses: applying them where Argo's are installed updates the same resources in place."""

from __future__ import annotations

from typing import Any

from .analysis import template_spec
from .analysis_run import run_spec, run_status
from .dsl import Schema, obj, string
from .rollout import rollout_spec
from .rollout_status import rollout_status

GROUP = "argoproj.io"
VERSION = "v1alpha1"
LABELS = {"app.kubernetes.io/part-of": "rollouts", "app.kubernetes.io/component": "crd"}

_AGE = {
    "name": "Age",
    "type": "date",
    "jsonPath": ".metadata.creationTimestamp",
    "description": "Time since the resource was created",
}


def _root(spec: Schema, description: str, status: Schema | None = None) -> Schema:
    fields: dict[str, Schema] = {
        "apiVersion": string(),
        "kind": string(),
        "metadata": {"type": "object"},
        "spec": spec,
    }
    if status is not None:
        fields["status"] = status
    return obj(fields, required=("spec",), description=description)


def _rollout_columns() -> list[dict[str, str]]:
    def column(name: str, path: str, description: str) -> dict[str, str]:
        return {"name": name, "type": "integer", "jsonPath": path, "description": description}

    return [
        column("Desired", ".spec.replicas", "Number of desired pods"),
        column("Current", ".status.replicas", "Pods of every revision, not terminated"),
        column("Up-to-date", ".status.updatedReplicas", "Pods of the current revision"),
        column("Available", ".status.availableReplicas", "Pods ready for minReadySeconds"),
        _AGE,
    ]


def _crd(kind: str, plural: str, short: str, scope: str, version: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}", "labels": dict(LABELS)},
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural,
                "singular": kind.lower(),
                "shortNames": [short],
            },
            "scope": scope,
            "versions": [{"name": VERSION, "served": True, "storage": True, **version}],
        },
    }


def rollout_crd() -> dict[str, Any]:
    version = {
        "additionalPrinterColumns": _rollout_columns(),
        "schema": {
            "openAPIV3Schema": _root(
                rollout_spec(),
                "A Deployment that progresses by canary or blue-green.",
                rollout_status(),
            )
        },
        "subresources": {
            "status": {},
            "scale": {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.HPAReplicas",
                "labelSelectorPath": ".status.selector",
            },
        },
    }
    return _crd("Rollout", "rollouts", "ro", "Namespaced", version)


def analysis_template_crd(*, cluster: bool) -> dict[str, Any]:
    kind = "ClusterAnalysisTemplate" if cluster else "AnalysisTemplate"
    where = "any namespace" if cluster else "its namespace"
    version = {
        "additionalPrinterColumns": [_AGE],
        "schema": {
            "openAPIV3Schema": _root(
                template_spec(), f"Metrics that judge a rollout, usable from {where}."
            )
        },
    }
    plural = f"{kind.lower()}s"
    return _crd(
        kind, plural, "cat" if cluster else "at", "Cluster" if cluster else "Namespaced", version
    )


def analysis_run_crd() -> dict[str, Any]:
    """As Argo's: no subresources (its controller, like ours, writes status with the object),
    the Status and Age columns."""
    status_column = {
        "name": "Status",
        "type": "string",
        "jsonPath": ".status.phase",
        "description": "AnalysisRun status",
    }
    version = {
        "additionalPrinterColumns": [status_column, _AGE],
        "schema": {
            "openAPIV3Schema": _root(
                run_spec(), "One analysis of a rollout and its measurements.", run_status()
            )
        },
    }
    return _crd("AnalysisRun", "analysisruns", "ar", "Namespaced", version)


def all_crds() -> dict[str, dict[str, Any]]:
    """File name (under deploy/crds/) -> CRD."""
    return {
        "rollouts.yaml": rollout_crd(),
        "analysistemplates.yaml": analysis_template_crd(cluster=False),
        "clusteranalysistemplates.yaml": analysis_template_crd(cluster=True),
        "analysisruns.yaml": analysis_run_crd(),
    }
