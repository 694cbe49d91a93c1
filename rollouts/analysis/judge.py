"""Judging one measurement from its success and failure conditions (Argo's EvaluateResult).

An empty condition is "not set". Neither set: any fetched value passes. Only one set: the other
is its negation. Both true: failure wins. Both false: Inconclusive. A condition that cannot be
evaluated makes the measurement an Error, with a message naming the condition and the reason.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from events.phases import AnalysisPhase
from rollouts.analysis.expr import ConditionError, compile_condition

NO_DATA = "metric result is nil or empty: no data returned from the metric provider"


class MeasurementVerdict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    phase: AnalysisPhase
    message: str = ""


class _Unevaluable(Exception):
    def __init__(self, verdict: MeasurementVerdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


def judge_measurement(
    success_condition: str, failure_condition: str, result: object
) -> MeasurementVerdict:
    """The phase of one measurement whose provider returned `result`."""
    try:
        success = _evaluate("successCondition", success_condition, result)
        failure = _evaluate("failureCondition", failure_condition, result)
    except _Unevaluable as problem:
        return problem.verdict
    if success is None and failure is None:
        return MeasurementVerdict(phase=AnalysisPhase.SUCCESSFUL)
    if failure is None:
        failure = not success
    if success is None:
        success = not failure
    if failure:
        return MeasurementVerdict(phase=AnalysisPhase.FAILED)
    if not success:
        return MeasurementVerdict(phase=AnalysisPhase.INCONCLUSIVE)
    return MeasurementVerdict(phase=AnalysisPhase.SUCCESSFUL)


def _evaluate(which: str, expression: str, result: object) -> bool | None:
    """Argo blames a nil/empty result for any failure to evaluate, the usual cause in practice.

    A condition that does not even compile is reported as it is, since no data would have
    made it work; that is the one place this differs from Argo's message.
    """
    if not expression:  # "" (Argo's "not set"); None is read the same way
        return None
    try:
        condition = compile_condition(expression)
    except ConditionError as error:
        raise _unevaluable(which, expression, str(error)) from None
    try:
        return condition.evaluate(result)
    except ConditionError as error:
        raise _unevaluable(
            which, expression, NO_DATA if _nil_or_empty(result) else str(error)
        ) from None


def _unevaluable(which: str, expression: str, reason: str) -> _Unevaluable:
    message = f'could not evaluate {which} "{expression}": {reason}'
    return _Unevaluable(MeasurementVerdict(phase=AnalysisPhase.ERROR, message=message))


def _nil_or_empty(result: object) -> bool:
    return result is None or (isinstance(result, list | tuple) and len(result) == 0)
