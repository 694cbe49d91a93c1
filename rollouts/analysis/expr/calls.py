"""Function calls: builtins, predicates, and Argo's result helpers.

Unknown functions are refused at compile time, like unknown names. Argo's `isNil(x)` and
`default(x, d)` evaluate their first argument (so its errors still surface, as in Go) but then
look only at `result`: `default(result.missing, 0)` returns `result` when result is not nil.
"""

from __future__ import annotations

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.compiling import Compiled, Evaluator, NodeCompiler
from rollouts.analysis.expr.costs import CALL_WORK, ITERATION_STEPS, no_cost
from rollouts.analysis.expr.errors import (
    ConditionNameError,
    ConditionSyntaxError,
    ConditionTypeError,
)
from rollouts.analysis.expr.library import BUILTINS, PREDICATES, UNSUPPORTED, VARIADIC, Builtin
from rollouts.analysis.expr.predicates import build_predicate
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.values import BOOL


def compile_call(compiler: NodeCompiler, node: n.Call) -> Compiled:
    if node.name in PREDICATES:
        return _predicate_call(compiler, node)
    if node.name == "isNil":
        (argument,) = _plain_args(compiler, node, 1, 1)
        return _is_nil(argument), BOOL
    if node.name == "default":
        argument, fallback = _plain_args(compiler, node, 2, 2)
        return _default(argument, fallback), None
    builtin = BUILTINS.get(node.name)
    if builtin is not None:
        compiler.work += CALL_WORK - 1
        args = _plain_args(compiler, node, builtin.min_args, builtin.max_args)
        return _builtin_call(builtin, args), builtin.kind
    raise _unknown_function(node)


def _unknown_function(node: n.Call) -> Exception:
    where = f"(line {node.line}, column {node.column})"
    if node.name == "result":
        return ConditionTypeError(f"result is not a function {where}")
    if node.name in UNSUPPORTED:
        return ConditionNameError(f"function {node.name} is not supported in conditions {where}")
    return ConditionNameError(f"unknown name {node.name} {where}")


def _plain_args(compiler: NodeCompiler, node: n.Call, least: int, most: int) -> list[Evaluator]:
    count = len(node.args)
    if count < least or (most != VARIADIC and count > most):
        expected = (
            f"{least}" if least == most else f"{least} or more" if most < 0 else f"{least}-{most}"
        )
        raise ConditionTypeError(
            f"invalid number of arguments to {node.name} (expected {expected}, got {count}) "
            f"(line {node.line}, column {node.column})"
        )
    if any(isinstance(arg, n.Block) for arg in node.args):
        raise ConditionSyntaxError(
            f"{node.name}() takes no predicate block {{ ... }}", node.line, node.column
        )
    return [compiler.compile(arg)[0] for arg in node.args]


def _predicate_call(compiler: NodeCompiler, node: n.Call) -> Compiled:
    least, most = PREDICATES[node.name]
    if not least <= len(node.args) <= most:
        raise ConditionSyntaxError(
            f"{node.name}() takes an array and a predicate, got {len(node.args)} argument(s)",
            node.line,
            node.column,
        )
    source_node, *rest = node.args
    if isinstance(source_node, n.Block):
        raise ConditionSyntaxError(
            f"the first argument of {node.name}() is an array, not a block", node.line, node.column
        )
    source = compiler.compile(source_node)[0]
    body, weight = compiler.compile_predicate(rest[0]) if rest else (None, 2 * ITERATION_STEPS)
    return build_predicate(node.name, source, body, weight)


def _builtin_call(builtin: Builtin, args: list[Evaluator]) -> Evaluator:
    """Charge the builtin's work before calling it, and what it builds after."""
    apply, charge = builtin.fn, builtin.cost
    if charge is no_cost:
        if len(args) == 1:
            (only,) = args
            return lambda scope: apply(only(scope))
        return lambda scope: apply(*[arg(scope) for arg in args])

    def run(scope: Scope) -> object:
        values = [arg(scope) for arg in args]
        charge(scope, values)
        return scope.produced(apply(*values))

    return run


def _is_nil(argument: Evaluator) -> Evaluator:
    def run(scope: Scope) -> bool:
        argument(scope)
        return scope.result is None

    return run


def _default(argument: Evaluator, fallback: Evaluator) -> Evaluator:
    def run(scope: Scope) -> object:
        argument(scope)
        value = fallback(scope)
        return value if scope.result is None else scope.result

    return run
