"""What one measurement says (§3.4): the phase, Argo's value text and a readable message."""

from __future__ import annotations

from typing import Any

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis.engine_verdict import verdict_of
from rollouts.spec import Metric
from tests.unit.analysis_engine.helpers import metric

JOB = Metric.model_validate({"name": "smoke", "provider": {"job": {"spec": {"template": {}}}}})


@pytest.mark.parametrize(
    ("conditions", "value", "phase", "message"),
    [
        ({"successCondition": "result[0] < 0.05"}, [0.01], "Successful", ""),
        (
            {"successCondition": "result[0] < 0.05"},
            [0.08],
            "Failed",
            'value [0.08]: successCondition "result[0] < 0.05" is false',
        ),
        (
            {"failureCondition": "result[0] >= 0.05", "successCondition": ""},
            [0.08],
            "Failed",
            'value [0.08]: failureCondition "result[0] >= 0.05" is true',
        ),
        (
            {"successCondition": "result > 0.9", "failureCondition": "result < 0.5"},
            0.7,
            "Inconclusive",
            'value 0.7: neither successCondition "result > 0.9" '
            'nor failureCondition "result < 0.5" is true',
        ),
        (
            {"successCondition": "default(result, 1) < 0.05"},
            None,
            "Failed",
            'no value: successCondition "default(result, 1) < 0.05" is false',
        ),
        (
            {"successCondition": "result.x"},
            "not json",
            "Error",
            'could not evaluate successCondition "result.x": ',
        ),
    ],
    ids=["pass", "fail-success-only", "fail-failure-only", "inconclusive", "nil", "error"],
)
def test_conditions_judge_the_value(
    conditions: dict[str, str], value: Any, phase: str, message: str
) -> None:
    spec = Metric.model_validate(metric(**conditions))
    verdict = verdict_of(spec, value, None)
    assert verdict.phase == phase
    assert verdict.message.startswith(message) and (message or verdict.message == "")


def test_a_provider_error_is_an_error_without_a_value() -> None:
    verdict = verdict_of(
        Metric.model_validate(metric()), [0.01], "received non 2xx response code: 502"
    )
    assert verdict == (AnalysisPhase.ERROR, "", "received non 2xx response code: 502")


@pytest.mark.parametrize(
    ("value", "metadata", "phase", "message"),
    [
        ("Complete", {"phase": "Successful"}, "Successful", ""),
        ("Complete", {}, "Successful", ""),
        ("Failed", {"phase": "Failed", "exitCode": "3"}, "Failed", "job failed (exit code 3)"),
        ("Failed", {}, "Failed", "job failed"),
        (
            "",
            {"phase": "Inconclusive", "message": "ImagePullBackOff"},
            "Inconclusive",
            "ImagePullBackOff",
        ),
        (None, {}, "Error", "job ended without a verdict: ''"),
    ],
)
def test_a_job_says_how_it_ended(
    value: Any, metadata: dict[str, str], phase: str, message: str
) -> None:
    """Argo evaluates no condition for a Job metric: its condition is the verdict."""
    verdict = verdict_of(JOB, value, None, metadata)
    assert (verdict.phase, verdict.message) == (phase, message)
