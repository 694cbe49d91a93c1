"""Criteria read from the documented example template reach the judge unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rollouts.analysis.runspec.checks import check_metrics
from rollouts.judge import MetricSamples, judge
from rollouts.judge.from_spec import criteria_of, thresholds_of
from rollouts.spec import parse_object
from rollouts.spec.analysis import AnalysisTemplate, Metric
from tests.unit.judge.samples import BASELINE, CANARY

EXAMPLE = Path(__file__).parents[2] / "data" / "judge" / "error-rate-judge.yaml"


def template() -> AnalysisTemplate:
    parsed, problems = parse_object(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    assert not [p for p in problems if p.is_error] and isinstance(parsed, AnalysisTemplate)
    return parsed


def test_example_criteria_and_thresholds() -> None:
    spec = template().spec
    errors, latency = (criteria_of(metric) for metric in spec.metrics)
    assert (errors.name, errors.direction, errors.critical) == ("error-rate", "increase", True)
    assert (latency.weight, latency.allowed_increase, latency.confidence) == (2.0, 1.1, 0.98)
    thresholds = thresholds_of(spec.judge)
    assert (thresholds.marginal, thresholds.pass_score) == (75, 90)
    assert thresholds_of(None).pass_score == 90


def test_example_fails_a_canary_that_errs_more_than_stable() -> None:
    spec = template().spec
    errors, latency = (criteria_of(metric) for metric in spec.metrics)
    samples = [
        MetricSamples.of(errors, BASELINE, CANARY),
        MetricSamples.of(latency, [0.20, 0.21, 0.22, 0.20], [0.21, 0.20, 0.22, 0.21]),
    ]
    judgment = judge(samples, thresholds_of(spec.judge))
    assert judgment.verdict == "Failed" and judgment.metrics[0].classification == "High"


def test_a_metric_without_judge_is_refused_by_name() -> None:
    plain = Metric.model_validate({"name": "up", "provider": {"web": {"url": "http://x"}}})
    with pytest.raises(ValueError, match="metric 'up': has no judge block"):
        criteria_of(plain)


def test_a_run_accepts_a_judge_metric() -> None:
    """Judge metrics are measured now: the run's checks let them through."""
    metric = template().spec.metrics[0].model_dump(mode="json", by_alias=True, exclude_unset=True)
    check_metrics([metric])
