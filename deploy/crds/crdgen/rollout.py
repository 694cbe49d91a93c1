"""Rollout `spec` (argo-semantics §2.1)."""

from __future__ import annotations

from .dsl import (
    Schema,
    array,
    boolean,
    free_object,
    int32,
    int_or_string,
    label_selector,
    labels_and_annotations,
    obj,
    string,
    timestamp,
)
from .rollout_steps import rollout_analysis, step
from .rollout_traffic import traffic_routing


def _anti_affinity() -> Schema:
    # Argo declares `requiredDuringSchedulingIgnoredDuringExecution` as an empty object: only
    # its presence counts, so any content is pruned. Kept identical.
    return obj(
        {
            "preferredDuringSchedulingIgnoredDuringExecution": obj(
                {"weight": int32()}, required=("weight",)
            ),
            "requiredDuringSchedulingIgnoredDuringExecution": obj(),
        }
    )


def _canary() -> Schema:
    return obj(
        {
            "canaryService": string(),
            "stableService": string(),
            "steps": array(step()),
            "trafficRouting": traffic_routing(),
            "maxUnavailable": int_or_string(),
            "maxSurge": int_or_string(),
            "analysis": rollout_analysis(background=True),
            "antiAffinity": _anti_affinity(),
            "canaryMetadata": labels_and_annotations(),
            "stableMetadata": labels_and_annotations(),
            "scaleDownDelaySeconds": int32(),
            "scaleDownDelayRevisionLimit": int32(),
            "abortScaleDownDelaySeconds": int32(),
            "dynamicStableScale": boolean(),
            "pingPong": obj(
                {"pingService": string(), "pongService": string()},
                required=("pingService", "pongService"),
            ),
            "minPodsPerReplicaSet": int32(),
            "replicaProgressThreshold": obj(
                {"type": string(), "value": int32()}, required=("type", "value")
            ),
        }
    )


def _blue_green() -> Schema:
    return obj(
        {
            "activeService": string(),
            "previewService": string(),
            "previewReplicaCount": int32(),
            "autoPromotionEnabled": boolean(),
            "autoPromotionSeconds": int32(),
            "maxUnavailable": int_or_string(),
            "scaleDownDelaySeconds": int32(),
            "scaleDownDelayRevisionLimit": int32(),
            "abortScaleDownDelaySeconds": int32(),
            "prePromotionAnalysis": rollout_analysis(),
            "postPromotionAnalysis": rollout_analysis(),
            "antiAffinity": _anti_affinity(),
            "previewMetadata": labels_and_annotations(),
            "activeMetadata": labels_and_annotations(),
        },
        required=("activeService",),
    )


def _template() -> Schema:
    return obj(
        {
            "metadata": labels_and_annotations(),
            "spec": free_object(
                "A core/v1 PodSpec; the cluster validates it when a ReplicaSet is created.",
                required=("containers",),
            ),
        },
        description="The pods to run; a change starts a new revision.",
    )


def rollout_spec() -> Schema:
    return obj(
        {
            "replicas": int32("Desired pods (default 1); the scale subresource sets it."),
            "selector": label_selector("Must match the template's labels."),
            "template": _template(),
            "workloadRef": obj(
                {"apiVersion": string(), "kind": string(), "name": string(), "scaleDown": string()}
            ),
            "minReadySeconds": int32(),
            "revisionHistoryLimit": int32(),
            "paused": boolean("Manual pause, as set by `kubectl argo rollouts pause`."),
            "progressDeadlineSeconds": int32(),
            "progressDeadlineAbort": boolean(),
            "restartAt": timestamp(),
            "rollbackWindow": obj({"revisions": int32()}),
            "analysis": obj(
                {"successfulRunHistoryLimit": int32(), "unsuccessfulRunHistoryLimit": int32()}
            ),
            "strategy": obj(
                {"canary": _canary(), "blueGreen": _blue_green()},
                description="Exactly one of canary or blueGreen.",
            ),
        }
    )
