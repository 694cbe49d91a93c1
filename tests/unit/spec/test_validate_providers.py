"""Metric provider rules: what each provider would refuse at measurement time."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.helpers import base_template, errors_of, has_problem, with_fields

M = "spec.metrics[0]"


def provider(name: str, config: Any) -> dict[str, Any]:
    return base_template([{"name": "m", "provider": {name: config}}])


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no provider",
        base_template([{"name": "m", "provider": {}}]),
        f"{M}.provider",
        "no provider specified",
    ),
    (
        "two providers",
        base_template(
            [{"name": "m", "provider": {"prometheus": {"query": "up"}, "web": {"url": "http://x"}}}]
        ),
        f"{M}.provider",
        "multiple providers specified: prometheus, web",
    ),
    (
        "prometheus without query",
        provider("prometheus", {"address": "http://p"}),
        f"{M}.provider.prometheus.query",
        "must not be empty",
    ),
    (
        "prometheus relative address",
        provider("prometheus", {"address": "prom:9090", "query": "up"}),
        f"{M}.provider.prometheus.address",
        "absolute http(s) URL",
    ),
    (
        "prometheus negative timeout",
        provider("prometheus", {"query": "up", "timeout": -1}),
        f"{M}.provider.prometheus.timeout",
        "should not be negative",
    ),
    (
        "prometheus bad step",
        provider("prometheus", {"query": "up", "rangeQuery": {"step": "often"}}),
        f"{M}.provider.prometheus.rangeQuery.step",
        "invalid duration",
    ),
    (
        "prometheus half basic auth",
        provider("prometheus", {"query": "up", "authentication": {"basicAuth": {"username": "u"}}}),
        f"{M}.provider.prometheus.authentication.basicAuth.password",
        "basic auth setup: password",
    ),
    (
        "prometheus half oauth2",
        provider(
            "prometheus", {"query": "up", "authentication": {"oauth2": {"tokenUrl": "http://t"}}}
        ),
        f"{M}.provider.prometheus.authentication.oauth2",
        "OAuth2 setup",
    ),
    (
        "web get with body",
        provider("web", {"url": "http://x", "body": "{}"}),
        f"{M}.provider.web.method",
        "can only be used with POST or PUT",
    ),
    (
        "web get with json body",
        provider("web", {"url": "http://x", "jsonBody": {"a": 1}}),
        f"{M}.provider.web.method",
        "can only be used with POST or PUT",
    ),
    (
        "web body and json body",
        provider("web", {"url": "http://x", "method": "POST", "body": "x", "jsonBody": {"a": 1}}),
        f"{M}.provider.web",
        "use either Body or JSONBody",
    ),
    (
        "web bad method",
        provider("web", {"url": "http://x", "method": "DELETE"}),
        f"{M}.provider.web.method",
        "'GET', 'POST' or 'PUT'",
    ),
    ("web without url", provider("web", {}), f"{M}.provider.web.url", "required field is missing"),
    (
        "web negative timeout",
        provider("web", {"url": "http://x", "timeoutSeconds": -1}),
        f"{M}.provider.web.timeoutSeconds",
        "negative",
    ),
    (
        "datadog nothing",
        provider("datadog", {}),
        f"{M}.provider.datadog",
        "Must have either a query or queries",
    ),
    (
        "datadog both",
        provider("datadog", {"query": "q", "queries": {"a": "q"}, "apiVersion": "v2"}),
        f"{M}.provider.datadog",
        "Cannot have both",
    ),
    (
        "datadog v1 queries",
        provider("datadog", {"queries": {"a": "q"}}),
        f"{M}.provider.datadog",
        "v1 only supports using the query",
    ),
    (
        "datadog formula alone",
        provider("datadog", {"query": "q", "formula": "a", "apiVersion": "v2"}),
        f"{M}.provider.datadog",
        "Formula are only valid when queries are set",
    ),
    (
        "datadog two queries",
        provider("datadog", {"queries": {"a": "q", "b": "r"}, "apiVersion": "v2"}),
        f"{M}.provider.datadog",
        "must include a formula",
    ),
    (
        "datadog v1 aggregator",
        provider("datadog", {"query": "q", "aggregator": "avg"}),
        f"{M}.provider.datadog",
        "Aggregator is not supported in v1",
    ),
    (
        "datadog timeout zero",
        provider("datadog", {"query": "q", "requestTimeout": "0s"}),
        f"{M}.provider.datadog.requestTimeout",
        "positive duration",
    ),
    (
        "datadog bad interval",
        provider("datadog", {"query": "q", "interval": "5 min"}),
        f"{M}.provider.datadog.interval",
        "invalid duration",
    ),
    (
        "datadog bad aggregator",
        provider("datadog", {"query": "q", "apiVersion": "v2", "aggregator": "median"}),
        f"{M}.provider.datadog.aggregator",
        "must be",
    ),
    (
        "new relic empty query",
        provider("newRelic", {"query": " "}),
        f"{M}.provider.newRelic.query",
        "must not be empty",
    ),
    (
        "cloudwatch no queries",
        provider("cloudWatch", {"metricDataQueries": []}),
        f"{M}.provider.cloudWatch.metricDataQueries",
        "at least one query",
    ),
    (
        "cloudwatch query needs one source",
        provider("cloudWatch", {"metricDataQueries": [{"id": "q"}]}),
        f"{M}.provider.cloudWatch.metricDataQueries[0]",
        "exactly one of expression or metricStat",
    ),
]


@pytest.mark.parametrize(
    ("name", "doc", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_providers_are_reported(
    name: str, doc: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(doc)
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "web post with json body",
        provider(
            "web",
            {"url": "https://x/ok", "method": "POST", "jsonBody": {"a": [1]}, "jsonPath": "{$.ok}"},
        ),
    ),
    (
        "web templated url",
        with_fields(provider("web", {"url": "{{args.url}}"}), {"spec.args": [{"name": "url"}]}),
    ),
    (
        "prometheus env address",
        provider(
            "prometheus",
            {
                "query": "up",
                "timeout": 10,
                "headers": [{"key": "X", "value": "y"}],
                "rangeQuery": {"start": "now()", "end": "now()", "step": "1m"},
            },
        ),
    ),
    (
        "prometheus auth",
        provider(
            "prometheus",
            {
                "query": "up",
                "authentication": {
                    "basicAuth": {"username": "u", "password": "p"},
                    "sigv4": {"region": "eu"},
                },
            },
        ),
    ),
    (
        "datadog v2",
        provider(
            "datadog",
            {
                "queries": {"a": "q", "b": "r"},
                "formula": "a/b",
                "apiVersion": "v2",
                "aggregator": "avg",
                "secretRef": {"name": "dd", "namespaced": True},
            },
        ),
    ),
    ("new relic", provider("newRelic", {"query": "SELECT 1", "profile": "nr", "timeout": 5})),
    (
        "cloudwatch",
        provider(
            "cloudWatch",
            {
                "interval": "10m",
                "metricDataQueries": [
                    {
                        "id": "q",
                        "metricStat": {
                            "metric": {
                                "namespace": "AWS/ELB",
                                "metricName": "Latency",
                                "dimensions": [{"name": "LB", "value": "x"}],
                            },
                            "period": 300,
                            "stat": "Average",
                        },
                    },
                    {"id": "e", "expression": "q * 2", "returnData": True},
                ],
            },
        ),
    ),
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_providers_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []
