"""AnalysisTemplate and ClusterAnalysisTemplate `spec` (argo-semantics §3)."""

from __future__ import annotations

from .dsl import (
    Schema,
    array,
    boolean,
    enum,
    free_object,
    int32,
    int64,
    int_or_string,
    labels_and_annotations,
    obj,
    string,
    string_map,
    with_default,
)


def dry_run() -> Schema:
    return array(obj({"metricName": string()}, required=("metricName",)))


def measurement_retention() -> Schema:
    return array(obj({"metricName": string(), "limit": int32()}, required=("metricName", "limit")))


def _template_argument() -> Schema:
    secret_ref = obj({"name": string(), "key": string()}, required=("name", "key"))
    field_ref = obj({"fieldPath": string()}, required=("fieldPath",))
    value_from = obj({"secretKeyRef": secret_ref, "fieldRef": field_ref})
    return obj(
        {"name": string(), "value": string(), "valueFrom": value_from},
        required=("name",),
        description="A template argument: a default value, or one read from a Secret or field.",
    )


def _authentication() -> Schema:
    return obj(
        {
            "basicAuth": obj({"username": string(), "password": string()}),
            "oauth2": obj(
                {
                    "tokenUrl": string(),
                    "clientId": string(),
                    "clientSecret": string(),
                    "scopes": array(string()),
                }
            ),
            "sigv4": obj({"region": string(), "profile": string(), "roleArn": string()}),
        }
    )


def _headers() -> Schema:
    return array(obj({"key": string(), "value": string()}, required=("key", "value")))


def _prometheus() -> Schema:
    return obj(
        {
            "address": string(),
            "query": string(),
            "authentication": _authentication(),
            "timeout": int64(),
            "insecure": boolean(),
            "headers": _headers(),
            "rangeQuery": obj({"start": string(), "end": string(), "step": string()}),
        }
    )


def _web() -> Schema:
    return obj(
        {
            "method": string(),
            "url": string(),
            "headers": _headers(),
            "body": string(),
            "jsonBody": free_object(),
            "timeoutSeconds": int64(),
            "jsonPath": string(),
            "insecure": boolean(),
            "authentication": _authentication(),
        },
        required=("url",),
    )


def _datadog() -> Schema:
    aggregators = ("avg", "min", "max", "sum", "last", "percentile", "mean", "l2norm", "area")
    return obj(
        {
            "interval": with_default("5m"),
            "query": string(),
            "queries": string_map(),
            "formula": string(),
            "apiVersion": enum("v1", "v2", default="v1"),
            "aggregator": enum(*aggregators),
            "requestTimeout": with_default("10s"),
            "secretRef": obj({"name": string(), "namespaced": boolean()}),
        }
    )


def _cloudwatch() -> Schema:
    metric = obj(
        {
            "dimensions": array(obj({"name": string(), "value": string()})),
            "metricName": string(),
            "namespace": string(),
        }
    )
    query = obj(
        {
            "id": string(),
            "expression": string(),
            "label": string(),
            "metricStat": obj(
                {"metric": metric, "period": int_or_string(), "stat": string(), "unit": string()}
            ),
            "period": int_or_string(),
            "returnData": boolean(),
        }
    )
    return obj(
        {"interval": string(), "metricDataQueries": array(query)},
        required=("metricDataQueries",),
    )


def _kayenta() -> Schema:
    scope_window = obj(
        {
            "scope": string(),
            "region": string(),
            "step": int64(),
            "start": string(),
            "end": string(),
        },
        required=("scope", "region", "step"),
    )
    scope = obj(
        {"name": string(), "controlScope": scope_window, "experimentScope": scope_window},
        required=("name", "controlScope", "experimentScope"),
    )
    required = (
        "address",
        "application",
        "canaryConfigName",
        "metricsAccountName",
        "configurationAccountName",
        "storageAccountName",
        "threshold",
        "scopes",
    )
    fields = {name: string() for name in required[:6]}
    return obj(
        {
            **fields,
            "lookback": boolean(),
            "threshold": obj({"pass": int64(), "marginal": int64()}, required=("pass", "marginal")),
            "scopes": array(scope),
        },
        required=required,
    )


def _job() -> Schema:
    spec = free_object(
        "A batch/v1 JobSpec; the cluster validates it when the Job is created.",
        required=("template",),
    )
    return obj({"metadata": labels_and_annotations(), "spec": spec}, required=("spec",))


def _address_and_query(*extra: str) -> Schema:
    return obj({"address": string(), "query": string(), **{name: string() for name in extra}})


def provider() -> Schema:
    return obj(
        {
            "prometheus": _prometheus(),
            "web": _web(),
            "datadog": _datadog(),
            "cloudWatch": _cloudwatch(),
            "newRelic": obj(
                {"profile": string(), "query": string(), "timeout": int64()}, required=("query",)
            ),
            "job": _job(),
            "kayenta": _kayenta(),
            "wavefront": _address_and_query(),
            "graphite": _address_and_query(),
            "influxdb": obj({"profile": string(), "query": string()}),
            "skywalking": _address_and_query("interval"),
            "plugin": free_object("Metric provider plugins, keyed by plugin name."),
        },
        description="Exactly one provider measures the metric.",
    )


def metric() -> Schema:
    limits = (
        "count",
        "failureLimit",
        "inconclusiveLimit",
        "consecutiveErrorLimit",
        "consecutiveSuccessLimit",
    )
    return obj(
        {
            "name": string(),
            "interval": string(),
            "initialDelay": string(),
            "successCondition": string(),
            "failureCondition": string(),
            **{name: int_or_string() for name in limits},
            "provider": provider(),
            "judge": judge(),
        },
        required=("name", "provider"),
    )


def _number(minimum: float, maximum: float | None = None) -> Schema:
    """Bounds the API server can check; strict ones (weight > 0) are `rollouts lint`'s."""
    node: Schema = {"type": "number", "minimum": minimum}
    if maximum is not None:
        node["maximum"] = maximum
    return node


def judge() -> Schema:
    """Our extension (docs/judge.md); Argo's own CRD has no such field and would prune it."""
    return obj(
        {
            "baseline": string(),
            "canary": string(),
            "direction": enum("increase", "decrease", "either", default="either"),
            "weight": _number(0),
            "critical": boolean(),
            "confidence": _number(0, 1),
            "allowedIncrease": _number(1),
            "allowedDecrease": _number(0, 1),
            "thresholds": judge_thresholds(),
        },
        required=("baseline", "canary"),
        description="Judge canary against baseline samples instead of fixed conditions.",
    )


def judge_thresholds() -> Schema:
    return obj(
        {"marginal": _number(0, 100), "pass": _number(0, 100)},
        description="Score thresholds of the judge metrics (our extension, docs/judge.md).",
    )


def template_spec() -> Schema:
    return obj(
        {
            "metrics": array(metric()),
            "args": array(_template_argument()),
            "dryRun": dry_run(),
            "measurementRetention": measurement_retention(),
            "templates": array(obj({"templateName": string(), "clusterScope": boolean()})),
            "judge": judge_thresholds(),
        },
        description="Metrics to measure, their arguments, and templates to merge in.",
    )
