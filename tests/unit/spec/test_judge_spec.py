"""The judge extension of AnalysisTemplate: parsed, validated with one-line problems naming the
field, and refused where Argo's own controller would read the metric as a threshold metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.spec.analysis import AnalysisTemplate, Metric
from tests.unit.spec.helpers import errors_of, has_problem, parse, warnings_of, with_fields

EXAMPLE = Path(__file__).parents[2] / "data" / "judge" / "error-rate-judge.yaml"
M = "spec.metrics[0]"


def example() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return doc


def test_example_parses_with_no_problem() -> None:
    template, problems = parse(example())
    assert not problems
    assert isinstance(template, AnalysisTemplate)
    judge = template.spec.metrics[0].judge
    assert judge is not None and (judge.direction, judge.critical) == ("increase", True)
    assert "{{args.canary-hash}}" in judge.canary and "{{args.stable-hash}}" in judge.baseline
    latency = template.spec.metrics[1].judge
    assert latency is not None and (latency.weight, latency.allowed_increase) == (2.0, 1.1)
    assert latency.confidence == 0.98 and latency.allowed_decrease == 1.0
    thresholds = template.spec.judge
    assert thresholds is not None and (thresholds.marginal, thresholds.pass_score) == (75, 90)


def test_run_dumps_keep_judge_only_where_it_was_written() -> None:
    """Runs carry metrics dumped with exclude_unset: Argo-shaped metrics gain no judge key, and a
    judge metric's block survives the round trip through the event."""
    doc = example()
    doc["spec"]["metrics"][1].pop("judge")
    doc["spec"]["metrics"][1]["provider"]["prometheus"]["query"] = "up"
    template, _ = parse(doc)
    assert isinstance(template, AnalysisTemplate) and errors_of(doc) == []
    judged, plain = (
        m.model_dump(mode="json", by_alias=True, exclude_unset=True) for m in template.spec.metrics
    )
    assert "judge" not in plain
    assert judged["judge"]["direction"] == "increase" and "allowedIncrease" not in judged["judge"]
    assert Metric.model_validate(judged) == template.spec.metrics[0]


INVALID = [
    ("spec.metrics.0.judge.canary", "", f"{M}.judge.canary", "must not be empty"),
    ("spec.metrics.0.judge.baseline", " ", f"{M}.judge.baseline", "must not be empty"),
    ("spec.metrics.0.judge.direction", "up", f"{M}.judge.direction", "increase"),
    ("spec.metrics.0.judge.weight", 0, f"{M}.judge.weight", "greater than 0"),
    ("spec.metrics.0.judge.confidence", 1, f"{M}.judge.confidence", "less than 1"),
    ("spec.metrics.0.judge.allowedIncrease", 0.9, f"{M}.judge.allowedIncrease", "1"),
    ("spec.metrics.0.judge.allowedDecrease", 1.5, f"{M}.judge.allowedDecrease", "1"),
    ("spec.metrics.0.judge.threshold", 3, f"{M}.judge.threshold", ""),
    (
        "spec.metrics.0.successCondition",
        "result < 0.05",
        f"{M}.successCondition",
        "must be empty in a judge metric: Argo's controller would run it",
    ),
    (
        "spec.metrics.0.provider.prometheus.query",
        "up",
        f"{M}.provider.prometheus.query",
        "use judge.baseline/judge.canary",
    ),
    (
        "spec.metrics.0.provider",
        {"web": {"url": "http://x"}},
        f"{M}.provider",
        "needs a prometheus or datadog provider, got web",
    ),
    (
        "spec.metrics.0.provider.prometheus.address",
        "not a url",
        f"{M}.provider.prometheus.address",
        "",
    ),
    ("spec.judge.marginal", 95, "spec.judge.marginal", "must not exceed pass (95 > 90)"),
    ("spec.judge.pass", 101, "spec.judge.pass", "less than or equal to 100"),
]


@pytest.mark.parametrize(("field", "value", "path", "fragment"), INVALID)
def test_invalid_judge_fields_are_named(field: str, value: Any, path: str, fragment: str) -> None:
    found = errors_of(with_fields(example(), {field: value}))
    assert has_problem(found, path, fragment), found
    assert all("\n" not in message for _, message in found)


def test_datadog_judge_metric_is_accepted_and_its_query_refused() -> None:
    datadog = {"datadog": {"apiVersion": "v1", "interval": "10m"}}
    doc = with_fields(example(), {"spec.metrics.0.provider": datadog})
    assert errors_of(doc) == []
    doc = with_fields(doc, {"spec.metrics.0.provider.datadog.query": "avg:errors{*}"})
    assert has_problem(errors_of(doc), f"{M}.provider.datadog.query", "must be empty")


def test_thresholds_without_any_judge_metric_warn() -> None:
    doc = example()
    for metric in doc["spec"]["metrics"]:
        metric.pop("judge")
        metric["provider"]["prometheus"]["query"] = "up"
    assert errors_of(doc) == []
    assert has_problem(warnings_of(doc), "spec.judge", "no metric has a judge block")
