"""Trigger `when` conditions: Argo's expr language over the notification variables.

The condition engine of the analysis package knows one variable, `result`. A trigger condition
names its variables directly (`rollout.status.phase == 'Degraded'`), so each free name `x` is
rewritten to `result.x` in the parsed tree and the variables are passed as `result`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rollouts.analysis.expr import CompiledCondition, ConditionError
from rollouts.analysis.expr import nodes as expr
from rollouts.analysis.expr.compiler import compile_tree
from rollouts.analysis.expr.parser import parse

_ROOT = "result"


class ConditionFailed(ValueError):
    """A `when` expression did not parse, or did not evaluate to a boolean."""


def _rooted(name: str, line: int, column: int) -> expr.Chain:
    return expr.Chain(expr.Name(_ROOT, line, column), [expr.Attr(name, False)])


def _rewrite(node: Any) -> Any:
    if isinstance(node, expr.Name):
        return _rooted(node.name, node.line, node.column)
    if isinstance(node, expr.Chain) and isinstance(node.base, expr.Name):
        base = node.base
        trailers = [_rewrite(t) for t in node.trailers]
        return expr.Chain(
            expr.Name(_ROOT, base.line, base.column), [expr.Attr(base.name, False), *trailers]
        )
    if isinstance(node, list):
        return [_rewrite(item) for item in node]
    if isinstance(node, tuple):
        return tuple(_rewrite(item) for item in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {f.name: _rewrite(getattr(node, f.name)) for f in dataclasses.fields(node)}
        return dataclasses.replace(node, **changes)
    return node


@lru_cache(maxsize=256)
def compile_when(expression: str) -> CompiledCondition:
    try:
        return CompiledCondition(expression, compile_tree(_rewrite(parse(expression))))
    except ConditionError as error:
        raise ConditionFailed(f"trigger condition {expression!r}: {error}") from None


def holds(expression: str, variables: Mapping[str, Any]) -> bool:
    """True when the condition is empty or evaluates to true with `variables`."""
    if not expression.strip():
        return True
    try:
        return compile_when(expression).evaluate(dict(variables))
    except ConditionError as error:
        raise ConditionFailed(f"trigger condition {expression!r}: {error}") from None
