"""Compiled conditions and the entry points the analysis code calls.

Compilation (parse, check, build closures) is cached per expression text, so a metric's
condition is compiled once and then evaluated for every measurement in microseconds.
"""

from __future__ import annotations

from functools import lru_cache

from rollouts.analysis.expr.compiler import compile_tree
from rollouts.analysis.expr.compiling import Evaluator
from rollouts.analysis.expr.errors import (
    ConditionError,
    ConditionLimitError,
    ConditionResultError,
    ConditionSyntaxError,
    ConditionTypeError,
)
from rollouts.analysis.expr.parser import parse
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.values import go_type_name


class CompiledCondition:
    """A checked condition, ready to be evaluated against any number of results."""

    __slots__ = ("_evaluator", "expression")

    def __init__(self, expression: str, evaluator: Evaluator) -> None:
        self.expression = expression
        self._evaluator = evaluator

    def __repr__(self) -> str:
        return f"CompiledCondition({self.expression!r})"

    def evaluate(self, result: object) -> bool:
        """True or False for this result; any failure is a `ConditionError`."""
        try:
            value = self._evaluator(Scope(result))
        except ConditionError:
            raise
        except RecursionError:
            raise ConditionLimitError("the expression is too deeply nested to evaluate") from None
        except Exception as exc:  # a safety net: no Python exception may escape as itself
            raise ConditionTypeError(f"evaluation failed: {type(exc).__name__}: {exc}") from exc
        if value is True or value is False:
            return value
        raise ConditionResultError(f"expected bool, but got {go_type_name(value)}")


def compile_condition(expression: str) -> CompiledCondition:
    """Parse and check `expression`; the outcome, a refusal included, is cached by text.

    Caching refusals too means a bad condition costs its parse once, not once per measurement.
    """
    if not isinstance(expression, str):
        raise ConditionTypeError(f"a condition must be a string, got {type(expression).__name__}")
    compiled = _compile_cached(expression)
    if isinstance(compiled, ConditionError):
        raise compiled.with_traceback(None)
    return compiled


@lru_cache(maxsize=1024)
def _compile_cached(expression: str) -> CompiledCondition | ConditionError:
    try:
        return CompiledCondition(expression, compile_tree(parse(expression)))
    except ConditionError as error:
        return error
    except RecursionError:
        return ConditionLimitError("the expression is too deeply nested to compile")
    except Exception as exc:  # a safety net, as in evaluate()
        return ConditionSyntaxError(f"cannot compile: {type(exc).__name__}: {exc}")


def evaluate_condition(expression: str, result: object) -> bool:
    """Evaluate an Argo success/failure condition against a measurement result."""
    return compile_condition(expression).evaluate(result)
