"""Merging templates into one run (Argo: utils/analysis/helpers_test.go TestFlattenTemplates,
TestAnalysisTemplateFiltering; rollout/analysis_test.go TestCreateBackgroundAnalysisRunWith*,
TestFailCreate*AnalysisRunIf*)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.analysis.runspec.build import RunSpecError
from rollouts.analysis.runspec.merge import collect_templates, merge_templates
from rollouts.spec import AnalysisTemplateRef
from tests.unit.runspec.builders import (
    analysis,
    library,
    metric,
    metric_names,
    refs,
    resolve,
    template,
)


def test_no_templates_merge_to_nothing() -> None:
    merged = merge_templates([])
    assert merged.metrics == () and merged.args == ()


def test_a_single_template_is_unchanged() -> None:
    only = template(
        "foo",
        metrics=[metric("foo", successCondition="{{args.test}}")],
        args=[{"name": "test", "value": "true"}],
    )
    merged = merge_templates([only])
    assert merged.metrics == only.spec.metrics and merged.args == only.spec.args


def test_metrics_and_rules_of_templates_and_cluster_templates_are_concatenated() -> None:
    foo = template(
        "foo",
        metrics=[metric("foo")],
        dryRun=[{"metricName": "foo"}],
        measurementRetention=[{"metricName": "foo", "limit": 3}],
    )
    bar = template(
        "bar",
        cluster=True,
        metrics=[metric("bar")],
        dryRun=[{"metricName": "bar"}],
        measurementRetention=[{"metricName": "bar", "limit": 4}],
    )
    merged = merge_templates([foo, bar])
    assert [m.name for m in merged.metrics] == ["foo", "bar"]
    assert [r.metric_name for r in merged.dry_run] == ["foo", "bar"]
    assert [r.limit for r in merged.measurement_retention] == [3, 4]
    assert merged.args == ()


MERGE_FAILURES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "metric name collision",
        {"metrics": [metric("foo")]},
        {"metrics": [metric("foo")]},
        "two metrics have the same name 'foo'",
    ),
    (
        "dry-run rule collision",
        {"metrics": [metric("foo")], "dryRun": [{"metricName": "foo"}]},
        {"metrics": [metric("bar")], "dryRun": [{"metricName": "foo"}]},
        "two Dry-Run metric rules have the same name 'foo'",
    ),
    (
        "retention rule collision",
        {"metrics": [metric("foo")], "measurementRetention": [{"metricName": "foo", "limit": 1}]},
        {"metrics": [metric("bar")], "measurementRetention": [{"metricName": "foo", "limit": 2}]},
        "two Measurement Retention metric rules have the same name 'foo'",
    ),
    (
        "same argument, two values",
        {"args": [{"name": "foo", "value": "true"}]},
        {"args": [{"name": "foo", "value": "false"}]},
        "Argument `foo` specified multiple times with different values: 'true', 'false'",
    ),
]


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [case[1:] for case in MERGE_FAILURES],
    ids=[case[0] for case in MERGE_FAILURES],
)
def test_merge_refuses_with_argos_message(
    first: dict[str, Any], second: dict[str, Any], message: str
) -> None:
    with pytest.raises(RunSpecError) as raised:
        merge_templates([template("a", **first), template("b", **second)])
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([{"name": "foo", "value": "true"}], [{"name": "foo"}]),
        ([{"name": "foo"}], [{"name": "foo", "value": "true"}]),
        ([{"name": "foo", "value": "true"}], [{"name": "foo", "value": "true"}]),
    ],
    ids=["valued first", "valued second", "same value twice"],
)
def test_a_valued_argument_wins_over_an_unvalued_one(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    merged = merge_templates([template("a", args=first), template("b", args=second)])
    assert [(arg.name, arg.value) for arg in merged.args] == [("foo", "true")]


def test_distinct_arguments_are_kept_in_order() -> None:
    merged = merge_templates(
        [
            template("a", args=[{"name": "foo", "value": "true"}]),
            template("b", args=[{"name": "bar", "value": "true"}]),
        ]
    )
    assert [arg.name for arg in merged.args] == ["foo", "bar"]


def test_nested_templates_are_followed_namespaced_first_each_once() -> None:
    # TestCreateBackgroundAnalysisRunWithClusterTemplatesAndTemplateAndInnerTemplates
    templates = library(
        template("bar", templates=refs("bar2")),
        template("bar2", templates=refs("clusterbar2", "clusterbar4", cluster=True)),
        template(
            "clusterbar", cluster=True, templates=refs("clusterbar2", "clusterbar3", cluster=True)
        ),
        template("clusterbar2", cluster=True),
        template("clusterbar3", cluster=True),
        template("clusterbar4", cluster=True),
    )
    run = resolve(analysis(*refs("clusterbar", cluster=True), *refs("bar")), templates)
    assert metric_names(run) == [
        "example-bar",
        "example-bar2",
        "example-clusterbar",
        "example-clusterbar2",
        "example-clusterbar3",
        "example-clusterbar4",
    ]


def test_a_template_with_only_references_contributes_their_metrics() -> None:
    # TestCreateBackgroundAnalysisRunWithTemplatesAndNoMetrics
    templates = library(
        template("bar", metrics=[], templates=refs("bar2")),
        template("bar2"),
    )
    assert metric_names(resolve(analysis(*refs("bar")), templates)) == ["example-bar2"]


def test_repeated_references_are_de_duplicated() -> None:
    # TestAnalysisTemplateFiltering: a template reached twice counts once
    templates = library(
        template("foo", templates=refs("shared")),
        template("bar", templates=refs("shared")),
        template("shared"),
    )
    request = [AnalysisTemplateRef(template_name=n) for n in ("foo", "bar", "foo")]
    found = collect_templates(request, templates)
    assert [t.name for t in found] == ["foo", "shared", "bar"]


def test_a_cycle_of_references_ends() -> None:
    templates = library(
        template("a", templates=refs("b")),
        template("b", templates=refs("a")),
    )
    assert metric_names(resolve(analysis(*refs("a")), templates)) == ["example-a", "example-b"]


def test_same_name_in_both_scopes_is_two_templates() -> None:
    templates = library(template("x"), template("x", cluster=True, metrics=[metric("cx")]))
    run = resolve(analysis(*refs("x"), *refs("x", cluster=True)), templates)
    assert metric_names(run) == ["example-x", "cx"]


@pytest.mark.parametrize(
    ("request_refs", "message"),
    [
        (refs("missing"), "AnalysisTemplate 'missing' not found"),
        (refs("missing", cluster=True), "ClusterAnalysisTemplate 'missing' not found"),
        (refs("outer"), "ClusterAnalysisTemplate 'inner' not found"),
    ],
    ids=["namespaced", "cluster (TestInvalidSpecMissingClusterTemplates...)", "nested"],
)
def test_a_missing_template_is_an_error(request_refs: list[dict[str, Any]], message: str) -> None:
    templates = library(template("outer", templates=refs("inner", cluster=True)))
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*request_refs), templates)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "names",
    [("bad-template",), ("bad-template", "bad-template-2")],
    ids=["TestFailCreateBackgroundAnalysisRunIfInvalidTemplateRef", "...IfMetricRepeated"],
)
def test_a_metric_repeated_within_or_across_templates_is_an_error(names: tuple[str, ...]) -> None:
    repeated = [metric("example"), metric("example")]
    templates = library(*(template(name, metrics=repeated) for name in names))
    with pytest.raises(RunSpecError) as raised:
        resolve(analysis(*refs(*names)), templates)
    assert str(raised.value) == "two metrics have the same name 'example'"
