"""The whole resolution: merge, arguments, substitution and Argo's run-level checks
(Argo: helpers_test.go TestNewAnalysisRunFromTemplates, TestGetDryRunMetrics,
TestGetMeasurementRetentionMetrics; factory_test.go TestValidateMetrics; analysis/analysis.go)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from rollouts.analysis.runspec.build import RunSpecError
from rollouts.spec import AnalysisTemplate
from tests.conftest import DATA
from tests.unit.runspec.builders import (
    analysis,
    library,
    metric,
    metric_names,
    refs,
    resolve,
    template,
)

SECRET = {"secretKeyRef": {"name": "name", "key": "key"}}


def test_values_secrets_and_unresolved_arguments() -> None:
    foo = template(
        "foo",
        metrics=[metric("success-rate", successCondition="result == '{{args.my-arg}}'")],
        args=[{"name": "my-arg"}, {"name": "my-secret", "valueFrom": SECRET}],
    )
    request = analysis(*refs("foo"), args=[{"name": "my-arg", "value": "my-val"}])
    run = resolve(request, library(foo))
    assert run.args == {"my-arg": "my-val"}
    assert run.secret_args == {"my-secret": {"name": "name", "key": "key"}}
    assert run.metrics[0]["successCondition"] == "result == 'my-val'"

    unresolved = template("foo", metrics=foo.spec.metrics, args=[{"name": "unresolved"}])
    with pytest.raises(RunSpecError) as raised:
        resolve(request, library(unresolved))
    assert str(raised.value) == "args.unresolved was not resolved"


def test_secret_placeholders_stay_in_the_metrics() -> None:
    web = {
        "web": {
            "url": "http://x",
            "headers": [{"key": "Authorization", "value": "Bearer {{args.token}}"}],
        }
    }
    secured = template(
        "secured",
        metrics=[{"name": "m", "provider": web}],
        args=[{"name": "token", "valueFrom": SECRET}],
    )
    request = analysis(*refs("secured"), args=[{"name": "token", "value": "ignored"}])
    run = resolve(request, library(secured))
    header = run.metrics[0]["provider"]["web"]["headers"][0]
    assert header["value"] == "Bearer {{args.token}}"
    assert run.args == {} and "token" in run.secret_args


def test_a_template_side_field_ref_is_never_resolved() -> None:
    referring = template(
        "t", args=[{"name": "x", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    )
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*refs("t")), library(referring))
    assert str(raised.value) == 'Unable to resolve metric arguments: argument "x" was not supplied'
    overridden = resolve(
        analysis(*refs("t"), args=[{"name": "x", "value": "v"}]), library(referring)
    )
    assert overridden.args == {"x": "v"}


def test_an_undeclared_placeholder_is_a_run_error() -> None:
    sloppy = template("t", metrics=[metric("m", successCondition="result < {{args.limit}}")])
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*refs("t")), library(sloppy))
    assert (
        str(raised.value) == "Unable to resolve metric arguments: failed to resolve {{args.limit}}"
    )


def test_rollout_arguments_from_the_rollout_reach_the_metrics() -> None:
    t = template(
        "t",
        metrics=[metric("m", successCondition="'{{args.hash}}' == '{{args.app}}'")],
        args=[{"name": "hash"}, {"name": "app", "value": "default"}],
    )
    request = analysis(
        *refs("t"),
        args=[
            {"name": "hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
            {"name": "app", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        ],
    )
    run = resolve(request, library(t), {"metadata": {"labels": {"app": "shop"}}})
    assert run.metrics[0]["successCondition"] == "'123456' == 'shop'"


DRY_RUN_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], list[str]]] = [
    ("by name", [{"metricName": "success-rate"}], [], ["success-rate"]),
    ("regular expression", [{"metricName": ".*"}], [], ["success-rate", "error-rate"]),
    (
        "rollout and template rules",
        [{"metricName": "^error"}],
        [{"metricName": "success"}],
        ["success-rate", "error-rate"],
    ),
]


@pytest.mark.parametrize(
    ("rollout_rules", "template_rules", "expected"),
    [c[1:] for c in DRY_RUN_CASES],
    ids=[c[0] for c in DRY_RUN_CASES],
)
def test_dry_run_rules_select_metrics(
    rollout_rules: list[dict[str, Any]], template_rules: list[dict[str, Any]], expected: list[str]
) -> None:
    t = template("t", metrics=[metric("success-rate"), metric("error-rate")], dryRun=template_rules)
    run = resolve(analysis(*refs("t"), dryRun=rollout_rules), library(t))
    assert list(run.dry_run_metrics) == expected


def test_retention_rules_give_limits_and_a_later_rule_wins() -> None:
    t = template(
        "t",
        metrics=[metric("success-rate"), metric("error-rate")],
        measurementRetention=[{"metricName": "error", "limit": 20}],
    )
    request = analysis(*refs("t"), measurementRetention=[{"metricName": ".*", "limit": 15}])
    run = resolve(request, library(t))
    assert run.measurement_retention == {"success-rate": 15, "error-rate": 20}


RULE_FAILURES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "dry-run rule matching nothing",
        {"dryRun": [{"metricName": "error-rate"}]},
        {},
        "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)",
    ),
    (
        "retention rule matching nothing",
        {"measurementRetention": [{"metricName": "error-rate", "limit": 11}]},
        {},
        "Analysis spec invalid: measurementRetention[0]: Rule didn't match any metric name(s)",
    ),
    (
        "dry-run rule in the rollout and the template",
        {"dryRun": [{"metricName": "success-rate"}]},
        {"dryRun": [{"metricName": "success-rate"}]},
        "two Dry-Run metric rules have the same name 'success-rate'",
    ),
    (
        "retention rule in the rollout and the template",
        {"measurementRetention": [{"metricName": "s", "limit": 1}]},
        {"measurementRetention": [{"metricName": "s", "limit": 2}]},
        "two Measurement Retention metric rules have the same name 's'",
    ),
    (
        "regex that does not compile",
        {"dryRun": [{"metricName": "("}]},
        {},
        "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)",
    ),
]


@pytest.mark.parametrize(
    ("rollout_side", "template_side", "message"),
    [c[1:] for c in RULE_FAILURES],
    ids=[c[0] for c in RULE_FAILURES],
)
def test_rule_failures(
    rollout_side: dict[str, Any], template_side: dict[str, Any], message: str
) -> None:
    t = template("t", metrics=[metric("success-rate")], **template_side)
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*refs("t"), **rollout_side), library(t))
    assert str(raised.value) == message


WEB = {"web": {"url": "http://x"}}
VALIDATE_CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "count below failureLimit",
        {"count": 1, "failureLimit": 2},
        "metrics[0]: count (1) must be >= failureLimit + consecutiveSuccessLimit (2 + 0) "
        "if both >= 0",
    ),
    (
        "count below inconclusiveLimit",
        {"count": 1, "inconclusiveLimit": 2},
        "metrics[0]: count must be >= inconclusiveLimit",
    ),
    ("valid", {"count": 2, "interval": "60s", "failureLimit": 2}, ""),
    (
        "bad interval",
        {"count": 2, "interval": "60s-typo", "failureLimit": 2},
        'metrics[0]: invalid interval string: time: invalid duration "60s-typo"',
    ),
    (
        "bad initialDelay",
        {"count": 2, "interval": "60s", "initialDelay": "60s-typo", "failureLimit": 2},
        'metrics[0]: invalid startDelay string: time: invalid duration "60s-typo"',
    ),
    (
        "count > 1 without interval",
        {"count": 2},
        "metrics[0]: interval must be specified when count > 1",
    ),
    (
        "failureLimit below -1",
        {"failureLimit": -2},
        "metrics[0]: failureLimit must be >= 0, or -1 to be disabled",
    ),
    (
        "negative inconclusiveLimit",
        {"inconclusiveLimit": -1},
        "metrics[0]: inconclusiveLimit must be >= 0",
    ),
    (
        "negative consecutiveErrorLimit",
        {"consecutiveErrorLimit": -1},
        "metrics[0]: consecutiveErrorLimit must be >= 0",
    ),
    ("no provider", {"provider": {}}, "metrics[0]: no provider specified"),
    (
        "two providers",
        {"provider": {**WEB, "prometheus": {"query": "up"}}},
        "metrics[0]: multiple providers specified",
    ),
    (
        "negative consecutiveSuccessLimit",
        {"consecutiveSuccessLimit": -1},
        "metrics[0]: consecutiveSuccessLimit must be >= 0",
    ),
    (
        "both limits disabled",
        {"consecutiveSuccessLimit": 0, "failureLimit": -1},
        "metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled",
    ),
]


@pytest.mark.parametrize(
    ("fields", "message"), [c[1:] for c in VALIDATE_CASES], ids=[c[0] for c in VALIDATE_CASES]
)
def test_metrics_are_checked_after_substitution(fields: dict[str, Any], message: str) -> None:
    # Every field arrives through an argument, so only the run-level check can see its value.
    args = [
        {"name": key, "value": str(value) if not isinstance(value, dict) else ""}
        for key, value in fields.items()
        if key != "provider"
    ]
    templated = {key: f"{{{{args.{key}}}}}" for key in fields if key != "provider"}
    provider = fields.get("provider", WEB)
    t = template("t", metrics=[{"name": "m", "provider": provider, **templated}], args=args)
    if not message:
        run = resolve(analysis(*refs("t")), library(t))
        assert run.metrics[0]["count"] == "2" and run.metrics[0]["interval"] == "60s"
        return
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*refs("t")), library(t))
    assert str(raised.value) == f"Analysis spec invalid: {message}"


def test_no_metrics_at_all() -> None:
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*refs("t")), library(template("t", metrics=[])))
    assert str(raised.value) == "Analysis spec invalid: no metrics specified"


def test_the_seed_template_resolves() -> None:
    text = (DATA / "conformance" / "seed" / "checkout-error-rate-template.yaml").read_text()
    seed = AnalysisTemplate.model_validate(yaml.safe_load(text))
    request = analysis(
        *refs("checkout-error-rate"), args=[{"name": "service-name", "value": "checkout"}]
    )
    run = resolve(request, library(seed))
    assert metric_names(run) == ["error-rate", "p99-latency"]
    query = run.metrics[0]["provider"]["prometheus"]["query"]
    assert 'service="checkout"' in query and "{{" not in query
    assert run.metrics[0]["count"] == 10 and run.metrics[0]["failureLimit"] == 2
    assert "consecutiveErrorLimit" not in run.metrics[0]
