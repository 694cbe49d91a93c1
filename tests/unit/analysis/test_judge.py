"""Judging one measurement from successCondition/failureCondition (phase_cases.json)."""

from __future__ import annotations

from typing import Any

import pytest

from events.phases import AnalysisPhase
from rollouts.analysis import MeasurementVerdict, judge_measurement
from tests.conftest import load_conformance

CASES: list[dict[str, Any]] = load_conformance("phase_cases.json")
NO_DATA = "metric result is nil or empty: no data returned from the metric provider"


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['successCondition']!r}/{case['failureCondition']!r}/{case['result']!r}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_phase_case(case: dict[str, Any]) -> None:
    verdict = judge_measurement(case["successCondition"], case["failureCondition"], case["result"])
    assert verdict.phase == AnalysisPhase(case["expect_phase"])


def test_all_sixteen_cases_are_present() -> None:
    assert len(CASES) == 16


@pytest.mark.parametrize(
    ("success", "failure", "result", "phase"),
    [
        ("result > 1", "", 2, AnalysisPhase.SUCCESSFUL),
        ("result > 1", "", 0, AnalysisPhase.FAILED),
        ("", "result > 1", 2, AnalysisPhase.FAILED),
        ("", "result > 1", 0, AnalysisPhase.SUCCESSFUL),
        ("result > 1", "result < 0", 0, AnalysisPhase.INCONCLUSIVE),
        ("result > 1", "result < 0", 2, AnalysisPhase.SUCCESSFUL),
        ("result > 1", "result > 0", 2, AnalysisPhase.FAILED),
        ("", "", None, AnalysisPhase.SUCCESSFUL),
    ],
)
def test_truth_table(success: str, failure: str, result: object, phase: AnalysisPhase) -> None:
    assert judge_measurement(success, failure, result) == MeasurementVerdict(phase=phase)


@pytest.mark.parametrize("result", [None, [], ()])
def test_nil_or_empty_result_gets_argos_no_data_message(result: object) -> None:
    verdict = judge_measurement("result[0] >= 0.95", "", result)
    assert verdict.phase == AnalysisPhase.ERROR
    assert verdict.message == f'could not evaluate successCondition "result[0] >= 0.95": {NO_DATA}'


def test_failure_condition_errors_name_the_failure_condition() -> None:
    verdict = judge_measurement("true", "result < 0.05", None)
    assert verdict.phase == AnalysisPhase.ERROR
    assert verdict.message == f'could not evaluate failureCondition "result < 0.05": {NO_DATA}'


def test_errors_on_real_data_say_why() -> None:
    verdict = judge_measurement("result > 'a'", "", 1.5)
    assert verdict.phase == AnalysisPhase.ERROR
    assert verdict.message.startswith("could not evaluate successCondition \"result > 'a'\": ")
    assert "float64 > string" in verdict.message


def test_success_condition_is_evaluated_first() -> None:
    verdict = judge_measurement("a == true", "b == true", True)
    assert verdict.message.startswith('could not evaluate successCondition "a == true": ')
    assert "unknown name a" in verdict.message


def test_a_condition_that_cannot_compile_is_reported_as_such_even_without_data() -> None:
    verdict = judge_measurement("result >", "", None)
    assert verdict.phase == AnalysisPhase.ERROR
    assert "unexpected end of expression" in verdict.message
    assert NO_DATA not in verdict.message


def test_non_bool_condition_is_an_error_measurement() -> None:
    verdict = judge_measurement("result", "", 1)
    assert verdict.phase == AnalysisPhase.ERROR
    assert verdict.message.endswith("expected bool, but got int")


def test_verdict_is_frozen() -> None:
    verdict = judge_measurement("true", "", 1)
    with pytest.raises(ValueError, match="frozen"):
        verdict.phase = AnalysisPhase.FAILED  # type: ignore[misc]
