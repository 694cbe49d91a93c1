"""AnalysisTemplate rules: Argo's ValidateMetrics (counts, limits), args, dry-run, placeholders."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.helpers import base_template, errors_of, has_problem, warnings_of, with_fields

M = "spec.metrics[0]"


def metric(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "m",
        "provider": {"prometheus": {"address": "http://prom:9090", "query": "up"}},
    }
    base.update(fields)
    return base_template([base])


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("no metrics", base_template([]), "spec.metrics", "no metrics specified"),
    (
        "duplicate metric",
        base_template([metric()["spec"]["metrics"][0]] * 2),
        "spec.metrics[1].name",
        "duplicate name 'm'",
    ),
    ("count needs interval", metric(count=3), M, "interval must be specified when count > 1"),
    (
        "count below failure limit",
        metric(count=2, interval="1m", failureLimit=3),
        M,
        "count (2) must be >= failureLimit + consecutiveSuccessLimit (3 + 0)",
    ),
    (
        "count below limits sum",
        metric(count=4, interval="1m", failureLimit=2, consecutiveSuccessLimit=3),
        M,
        "count (4) must be >= failureLimit + consecutiveSuccessLimit (2 + 3)",
    ),
    (
        "count below success limit",
        metric(count=2, interval="1m", failureLimit=-1, consecutiveSuccessLimit=3),
        M,
        "count must be >= consecutiveSuccessLimit",
    ),
    (
        "count below inconclusive",
        metric(count="2", interval="1m", inconclusiveLimit=3),
        M,
        "count must be >= inconclusiveLimit",
    ),
    (
        "failure limit below -1",
        metric(failureLimit=-2),
        M,
        "failureLimit must be >= 0, or -1 to be disabled",
    ),
    (
        "both limits disabled",
        metric(failureLimit=-1),
        M,
        "failureLimit and consecutiveSuccessLimit cannot both be disabled",
    ),
    ("negative inconclusive", metric(inconclusiveLimit=-1), M, "inconclusiveLimit must be >= 0"),
    (
        "negative consecutive errors",
        metric(consecutiveErrorLimit=-1),
        M,
        "consecutiveErrorLimit must be >= 0",
    ),
    (
        "negative consecutive success",
        metric(consecutiveSuccessLimit=-1),
        M,
        "consecutiveSuccessLimit must be >= 0",
    ),
    ("negative count", metric(count=-1), M, "count must be >= 0"),
    (
        "non-numeric count",
        metric(count="many"),
        f"{M}.count",
        "integer or an {{args.*}} placeholder",
    ),
    ("bad interval", metric(interval="5 min"), f"{M}.interval", "invalid duration"),
    ("bad initial delay", metric(initialDelay="soon"), f"{M}.initialDelay", "invalid duration"),
    (
        "undeclared argument",
        metric(successCondition="result > {{args.threshold}}"),
        M,
        "argument 'threshold', which spec.args does not declare",
    ),
    (
        "arg value and valueFrom",
        with_fields(
            base_template(),
            {
                "spec.args": [
                    {
                        "name": "a",
                        "value": "1",
                        "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}},
                    }
                ]
            },
        ),
        "spec.args[0]",
        "has both Value and ValueFrom",
    ),
    (
        "duplicate args",
        with_fields(base_template(), {"spec.args": [{"name": "a"}, {"name": "a"}]}),
        "spec.args[1].name",
        "duplicate argument name",
    ),
    (
        "empty valueFrom",
        with_fields(base_template(), {"spec.args": [{"name": "a", "valueFrom": {}}]}),
        "spec.args[0].valueFrom",
        "exactly one of secretKeyRef or fieldRef",
    ),
    (
        "dry run matches nothing",
        with_fields(base_template(), {"spec.dryRun": [{"metricName": "latency"}]}),
        "spec.dryRun[0].metricName",
        "matches no metric",
    ),
    (
        "bad retention regex",
        with_fields(
            base_template(), {"spec.measurementRetention": [{"metricName": "[", "limit": 5}]}
        ),
        "spec.measurementRetention[0].metricName",
        "invalid regular expression",
    ),
    (
        "negative retention",
        with_fields(
            base_template(), {"spec.measurementRetention": [{"metricName": ".*", "limit": -1}]}
        ),
        "spec.measurementRetention[0].limit",
        "greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(
    ("name", "doc", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_templates_are_reported(
    name: str, doc: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(doc)
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    ("base", base_template()),
    ("cluster template", base_template(kind="ClusterAnalysisTemplate")),
    (
        "count equal to limits",
        metric(count=5, interval="1m", failureLimit=2, consecutiveSuccessLimit=3),
    ),
    (
        "failure disabled with success limit",
        metric(count=3, interval="1m", failureLimit=-1, consecutiveSuccessLimit=3),
    ),
    (
        "placeholder count",
        with_fields(
            metric(count="{{args.n}}", interval="{{args.i}}"),
            {"spec.args": [{"name": "n"}, {"name": "i", "value": "1m"}]},
        ),
    ),
    ("interval without count", metric(interval="30s")),
    ("count zero", metric(count=0)),
    (
        "nested templates only",
        with_fields(base_template([]), {"spec.templates": [{"templateName": "other"}]}),
    ),
    (
        "args with secret",
        with_fields(
            base_template(),
            {
                "spec.args": [
                    {"name": "k", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
                ]
            },
        ),
    ),
    (
        "dry run regex",
        with_fields(
            base_template(),
            {
                "spec.dryRun": [{"metricName": "error-.*"}],
                "spec.measurementRetention": [{"metricName": ".*", "limit": 20}],
            },
        ),
    ),
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_templates_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []


def test_experiment_placeholders_and_template_field_refs_are_warnings() -> None:
    doc = with_fields(
        metric(successCondition="{{templates.baseline.podTemplateHash}} != ''"),
        {
            "spec.args": [
                {"name": "env", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['env']"}}}
            ]
        },
    )
    assert errors_of(doc) == []
    warnings = warnings_of(doc)
    assert has_problem(warnings, M, "only be resolved inside an Experiment")
    assert has_problem(warnings, "spec.args[0].valueFrom.fieldRef", "never resolved")


def test_every_metric_problem_is_reported() -> None:
    doc = base_template(
        [
            {"name": "a", "count": 3, "provider": {}},
            {
                "name": "b",
                "failureLimit": -5,
                "provider": {"web": {"url": "http://x", "body": "x"}},
            },
        ]
    )
    found = errors_of(doc)
    assert [path for path, _ in found] == [
        "spec.metrics[0]",
        "spec.metrics[0].provider",
        "spec.metrics[1]",
        "spec.metrics[1].provider.web.method",
    ]
