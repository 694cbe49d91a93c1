"""Rollout `status`, in Argo's shape: Argo CD's health check, `kubectl argo rollouts` and the
HPA read it, and the plugin's commands patch `abort`, `promoteFull` and `pauseConditions`."""

from __future__ import annotations

from .dsl import Schema, array, boolean, free_object, int32, int64, obj, string, timestamp


def _run_status() -> Schema:
    return obj(
        {"name": string(), "status": string(), "message": string()}, required=("name", "status")
    )


def _weight() -> Schema:
    return obj(
        {"weight": int32(), "serviceName": string(), "podTemplateHash": string()},
        required=("weight",),
    )


def _step_plugin_status() -> Schema:
    return obj(
        {
            "index": int32(),
            "name": string(),
            "operation": string(),
            "phase": string(),
            "message": string(),
            "startedAt": timestamp(),
            "updatedAt": timestamp(),
            "finishedAt": timestamp(),
            "backoff": string(),
            "executions": int32(),
            "disabled": boolean(),
            "status": free_object(),
        },
        required=("index", "name", "operation"),
    )


def _canary_status() -> Schema:
    return obj(
        {
            "currentStepAnalysisRunStatus": _run_status(),
            "currentBackgroundAnalysisRunStatus": _run_status(),
            "currentExperiment": string(),
            "weights": obj(
                {
                    "canary": _weight(),
                    "stable": _weight(),
                    "additional": array(_weight()),
                    "verified": boolean(),
                },
                required=("canary", "stable"),
            ),
            "stablePingPong": string(),
            "stepPluginStatuses": array(_step_plugin_status()),
        }
    )


def _blue_green_status() -> Schema:
    return obj(
        {
            "previewSelector": string(),
            "activeSelector": string(),
            "scaleUpPreviewCheckPoint": boolean(),
            "prePromotionAnalysisRunStatus": _run_status(),
            "postPromotionAnalysisRunStatus": _run_status(),
        }
    )


def _condition() -> Schema:
    names = ("type", "status", "lastUpdateTime", "lastTransitionTime", "reason", "message")
    return obj(
        {
            "type": string(),
            "status": string(),
            "lastUpdateTime": timestamp(),
            "lastTransitionTime": timestamp(),
            "reason": string(),
            "message": string(),
        },
        required=names,
    )


def _alb_status() -> Schema:
    resource = obj(
        {"name": string(), "arn": string(), "fullName": string()}, required=("name", "arn")
    )
    return obj(
        {
            "loadBalancer": resource,
            "canaryTargetGroup": resource,
            "stableTargetGroup": resource,
            "ingress": string(),
        }
    )


def _duration() -> Schema:
    return obj(
        {
            "rolloutStartedAt": timestamp(),
            "finishedAt": timestamp(),
            "completionStatus": string(),
            "manualPauseStartedAt": timestamp(),
            "totalManualPauseDurationSeconds": int64(),
        }
    )


def _counts() -> dict[str, Schema]:
    names = ("HPAReplicas", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
    return {name: int32() for name in (*names, "collisionCount", "currentStepIndex")}


def rollout_status() -> Schema:
    pause_condition = obj(
        {"reason": string(), "startTime": timestamp()}, required=("reason", "startTime")
    )
    return obj(
        {
            **_counts(),
            "abort": boolean("Set to true to abort, false to retry (the plugin's patches)."),
            "abortedAt": timestamp(),
            "pauseConditions": array(pause_condition),
            "controllerPause": boolean(),
            "promoteFull": boolean("Set to true to skip the remaining steps and analysis."),
            "currentPodHash": string(),
            "currentStepHash": string(),
            "stableRS": string(),
            "restartedAt": timestamp(),
            "observedGeneration": string(),
            "workloadObservedGeneration": string(),
            "conditions": array(_condition()),
            "canary": _canary_status(),
            "blueGreen": _blue_green_status(),
            "selector": string("Label selector of the pods, for the scale subresource (HPA)."),
            "phase": string(),
            "message": string(),
            "alb": _alb_status(),
            "albs": array(_alb_status()),
            "duration": _duration(),
        }
    )
