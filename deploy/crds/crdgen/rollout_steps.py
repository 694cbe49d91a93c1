"""Canary steps and the analysis blocks a Rollout embeds (argo-semantics §2.2)."""

from __future__ import annotations

from .analysis import dry_run, measurement_retention
from .dsl import (
    Schema,
    array,
    boolean,
    free_object,
    int32,
    int_or_string,
    label_selector,
    labels_and_annotations,
    map_of,
    obj,
    string,
)


def _rollout_argument() -> Schema:
    value_from = obj(
        {
            "podTemplateHashValue": string("Stable or Latest: the pod-template-hash to pass."),
            "fieldRef": obj({"fieldPath": string()}, required=("fieldPath",)),
        }
    )
    return obj({"name": string(), "value": string(), "valueFrom": value_from}, required=("name",))


def rollout_analysis(*, background: bool = False) -> Schema:
    fields: dict[str, Schema] = {
        "templates": array(obj({"templateName": string(), "clusterScope": boolean()})),
        "args": array(_rollout_argument()),
        "dryRun": dry_run(),
        "measurementRetention": measurement_retention(),
        "analysisRunMetadata": labels_and_annotations(),
    }
    if background:
        fields["startingStep"] = int32("The step index from which the background analysis runs.")
    return obj(fields)


def _experiment() -> Schema:
    template = obj(
        {
            "name": string(),
            "specRef": string(),
            "replicas": int32(),
            "metadata": labels_and_annotations(),
            "selector": label_selector(),
            "weight": int32(),
            "service": obj({"name": string()}),
        },
        required=("name", "specRef"),
    )
    analysis = obj(
        {
            "name": string(),
            "templateName": string(),
            "clusterScope": boolean(),
            "args": array(_rollout_argument()),
            "requiredForCompletion": boolean(),
        },
        required=("name", "templateName"),
    )
    return obj(
        {
            "templates": array(template),
            "duration": string(),
            "analyses": array(analysis),
            "dryRun": dry_run(),
            "analysisRunMetadata": labels_and_annotations(),
            "scaleDownDelaySeconds": int32(),
        },
        required=("templates",),
    )


def _string_match() -> Schema:
    return obj({"exact": string(), "prefix": string(), "regex": string()})


def _header_route() -> Schema:
    match = obj(
        {"headerName": string(), "headerValue": _string_match()},
        required=("headerName", "headerValue"),
    )
    return obj({"name": string(), "match": array(match)})


def _mirror_route() -> Schema:
    match = obj(
        {
            "method": _string_match(),
            "path": _string_match(),
            "headers": map_of(_string_match()),
        }
    )
    return obj({"name": string(), "match": array(match), "percentage": int32()}, required=("name",))


def step() -> Schema:
    return obj(
        {
            "setWeight": int32("Percentage of traffic (or replicas) for the canary."),
            "pause": obj({"duration": int_or_string("Seconds, or a duration such as 1h30m.")}),
            "analysis": rollout_analysis(),
            "experiment": _experiment(),
            "setCanaryScale": obj(
                {"weight": int32(), "replicas": int32(), "matchTrafficWeight": boolean()}
            ),
            "setHeaderRoute": _header_route(),
            "setMirrorRoute": _mirror_route(),
            "plugin": obj({"name": string(), "config": free_object()}, required=("name",)),
        },
        description="One canary step; exactly one of its fields is set.",
    )
