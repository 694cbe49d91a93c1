"""A resolved spec is checked as Argo's analysis controller checks a run before measuring."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.analysis.engine_spec import RunSpecInvalid, metric_limits, metric_states
from rollouts.spec import Metric
from tests.unit.analysis_engine.helpers import metric


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ([], "Analysis spec invalid: no metrics specified"),
        ([metric("a"), metric("a")], "Analysis spec invalid: metrics[1]: duplicate name 'a'"),
        (
            [metric(count=3)],
            "Analysis spec invalid: metrics[0]: interval must be specified when count > 1",
        ),
        (
            [metric(failureLimit=-1)],
            "Analysis spec invalid: metrics[0]: "
            "failureLimit and consecutiveSuccessLimit cannot both be disabled",
        ),
        (
            [metric(count=2, interval="1m", failureLimit=3)],
            "Analysis spec invalid: metrics[0]: count (2) must be >= failureLimit + "
            "consecutiveSuccessLimit (3 + 0) if both >= 0",
        ),
        (
            [metric(count="{{args.count}}")],
            "Unable to resolve metric arguments: failed to resolve {{args.count}}",
        ),
        (
            [metric(interval="{{ args.every }}")],
            "Unable to resolve metric arguments: failed to resolve {{ args.every }}",
        ),
    ],
    ids=[
        "none",
        "duplicate",
        "count-needs-interval",
        "limits-off",
        "count-small",
        "count-arg",
        "interval-arg",
    ],
)
def test_a_spec_argo_would_refuse_cannot_start(metrics: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(RunSpecInvalid) as refused:
        metric_states(metrics)
    assert str(refused.value) == message


def test_an_unreadable_metric_names_the_field() -> None:
    with pytest.raises(RunSpecInvalid, match=r"^Analysis spec invalid: metrics\[0\]: provider"):
        metric_states([{"name": "x", "provider": {"graphite": {"address": "a"}}}])


def test_secret_placeholders_may_stay_in_the_provider() -> None:
    headers = [{"key": "Authorization", "value": "Bearer {{args.token}}"}]
    web = {"web": {"url": "http://x", "headers": headers}}
    (state,) = metric_states([{"name": "w", "provider": web}])
    assert state.spec.provider.web is not None


def test_dry_run_and_retention_rules_select_by_name_or_pattern() -> None:
    metrics = [metric("error-rate"), metric("latency-p99"), metric("latency-p50")]
    states = metric_states(metrics, ["error-rate", "p9"], {"latency-.*": 3, "error-rate": 0})
    assert [(m.name, m.dry_run, m.retention) for m in states] == [
        ("error-rate", True, 10),
        ("latency-p99", True, 3),
        ("latency-p50", False, 3),
    ]


def test_limits_take_argos_defaults_and_numeric_strings() -> None:
    limits = metric_limits(Metric.model_validate(metric(count="3", interval="1m")))
    assert (limits.count, limits.failure_limit, limits.consecutive_error_limit) == (3, 0, 4)
    assert limits.effective_count == 3
    unbounded = metric_limits(Metric.model_validate(metric(interval="1m", consecutiveErrorLimit=0)))
    assert unbounded.effective_count is None and unbounded.consecutive_error_limit == 0
