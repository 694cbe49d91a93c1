"""Analysis: judging measurements, metrics and runs the way Argo Rollouts does.

Pure functions only: values, counters and times come in as arguments, decisions go out.
"""

from __future__ import annotations

from rollouts.analysis.assess import (
    MetricAssessment,
    MetricCounters,
    MetricLimits,
    assess_metric,
    limit_breach,
    record_measurement,
)
from rollouts.analysis.expr import (
    CompiledCondition,
    ConditionError,
    ConditionLimitError,
    ConditionNameError,
    ConditionResultError,
    ConditionSyntaxError,
    ConditionTooLargeError,
    ConditionTypeError,
    compile_condition,
    evaluate_condition,
)
from rollouts.analysis.judge import MeasurementVerdict, judge_measurement
from rollouts.analysis.run_phase import (
    RUN_TERMINATED,
    MetricOutcome,
    RunAssessment,
    assess_run,
    run_is_terminating,
)
from rollouts.analysis.schedule import ERROR_RETRY_INTERVAL, is_count_reached, next_measurement_at

__all__ = [
    "ERROR_RETRY_INTERVAL",
    "RUN_TERMINATED",
    "CompiledCondition",
    "ConditionError",
    "ConditionLimitError",
    "ConditionNameError",
    "ConditionResultError",
    "ConditionSyntaxError",
    "ConditionTooLargeError",
    "ConditionTypeError",
    "MeasurementVerdict",
    "MetricAssessment",
    "MetricCounters",
    "MetricLimits",
    "MetricOutcome",
    "RunAssessment",
    "assess_metric",
    "assess_run",
    "compile_condition",
    "evaluate_condition",
    "is_count_reached",
    "judge_measurement",
    "limit_breach",
    "next_measurement_at",
    "record_measurement",
    "run_is_terminating",
]
