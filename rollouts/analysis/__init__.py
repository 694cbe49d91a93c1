"""Analysis: judging measurements, metrics and runs the way Argo Rollouts does.

Pure functions only: values, counters and times come in as arguments, decisions go out.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from rollouts.analysis.schedule import (
        ERROR_RETRY_INTERVAL,
        is_count_reached,
        next_measurement_at,
    )

_LAZY = {
    "MetricAssessment": "rollouts.analysis.assess",
    "MetricCounters": "rollouts.analysis.assess",
    "MetricLimits": "rollouts.analysis.assess",
    "assess_metric": "rollouts.analysis.assess",
    "limit_breach": "rollouts.analysis.assess",
    "record_measurement": "rollouts.analysis.assess",
    "CompiledCondition": "rollouts.analysis.expr",
    "ConditionError": "rollouts.analysis.expr",
    "ConditionLimitError": "rollouts.analysis.expr",
    "ConditionNameError": "rollouts.analysis.expr",
    "ConditionResultError": "rollouts.analysis.expr",
    "ConditionSyntaxError": "rollouts.analysis.expr",
    "ConditionTooLargeError": "rollouts.analysis.expr",
    "ConditionTypeError": "rollouts.analysis.expr",
    "compile_condition": "rollouts.analysis.expr",
    "evaluate_condition": "rollouts.analysis.expr",
    "MeasurementVerdict": "rollouts.analysis.judge",
    "judge_measurement": "rollouts.analysis.judge",
    "RUN_TERMINATED": "rollouts.analysis.run_phase",
    "MetricOutcome": "rollouts.analysis.run_phase",
    "RunAssessment": "rollouts.analysis.run_phase",
    "assess_run": "rollouts.analysis.run_phase",
    "run_is_terminating": "rollouts.analysis.run_phase",
    "ERROR_RETRY_INTERVAL": "rollouts.analysis.schedule",
    "is_count_reached": "rollouts.analysis.schedule",
    "next_measurement_at": "rollouts.analysis.schedule",
}


def __getattr__(name: str) -> Any:
    """Each name is imported on first use: the condition language (Lark) loads only when a
    process judges or lints a condition, not when it folds events or starts a CLI command."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
