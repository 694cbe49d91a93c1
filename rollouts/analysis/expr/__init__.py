"""Argo Rollouts' condition language (expr-lang v1.17 syntax plus Argo's helper functions).

Implemented with a Lark LALR grammar and a compiler to Python closures; nothing here uses
Python's eval or exec. The only variable is `result`. Regular expressions run on RE2 (Go's
regexp), and every evaluation is bounded by counted budgets (docs/conditions.md).
"""

from __future__ import annotations

from rollouts.analysis.expr.condition import (
    CompiledCondition,
    compile_condition,
    evaluate_condition,
)
from rollouts.analysis.expr.errors import (
    ConditionError,
    ConditionLimitError,
    ConditionNameError,
    ConditionResultError,
    ConditionSyntaxError,
    ConditionTooLargeError,
    ConditionTypeError,
)
from rollouts.analysis.expr.lint import condition_problem

__all__ = [
    "CompiledCondition",
    "ConditionError",
    "ConditionLimitError",
    "ConditionNameError",
    "ConditionResultError",
    "ConditionSyntaxError",
    "ConditionTooLargeError",
    "ConditionTypeError",
    "compile_condition",
    "condition_problem",
    "evaluate_condition",
]
