"""Syntax tree to a tree of Python closures, with expr-lang's compile-time checks.

Compiling to closures (rather than walking the tree on every evaluation) keeps a cached
`result[0] < 0.01` at a few microseconds. While compiling, each node gets a static kind when it
is known without the data (literals, function results), which lets the compiler reject what
expr's type checker rejects before anything runs: `asFloat(result) == "1.1"` compares float64
with string, an error in Argo even though Python would just answer False. `result` itself has the
kind of the value it is given, so comparisons against it are checked when it arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from rollouts.analysis.expr import nodes as n
from rollouts.analysis.expr.calls import compile_call
from rollouts.analysis.expr.charged import Charge, charge_for, compile_charged, compile_matches
from rollouts.analysis.expr.compiling import Compiled, Evaluator
from rollouts.analysis.expr.costs import ITERATION_STEPS
from rollouts.analysis.expr.errors import (
    ConditionNameError,
    ConditionSyntaxError,
    ConditionTypeError,
)
from rollouts.analysis.expr.kinds import (
    RESULT,
    binary_kind,
    check_bool_operand,
    equality_guard,
    unary_kind,
)
from rollouts.analysis.expr.library import is_function
from rollouts.analysis.expr.limits import MAX_DEPTH, too_large
from rollouts.analysis.expr.operators import BINARY, UNARY, make_range
from rollouts.analysis.expr.scope import Scope
from rollouts.analysis.expr.structures import compile_array, compile_chain, compile_map
from rollouts.analysis.expr.values import (
    BOOL,
    INT,
    Kind,
    describe,
    equal,
    go_type_name,
    kind_of,
    show,
)


class Compiler:
    """Compiles one expression; tracks nesting depth, work compiled, and whether `#` is in scope.

    The parser has already bounded the tree (limits.check_tree); the depth check here guards
    trees built by other callers, such as the notifier's rewritten trigger conditions.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.work = 0  # nodes compiled so far, a builtin call counting CALL_WORK
        self.predicate_depth = 0

    def compile(self, node: n.Node) -> Compiled:
        self.depth += 1
        self.work += 1
        if self.depth > MAX_DEPTH:
            raise too_large(f"expression is nested more than {MAX_DEPTH} levels deep")
        try:
            return _DISPATCH[type(node)](self, node)
        finally:
            self.depth -= 1

    def compile_predicate(self, node: n.Node) -> tuple[Evaluator, int]:
        """The predicate's evaluator and its weight: the steps one iteration is charged."""
        body = node.body if isinstance(node, n.Block) else node
        self.predicate_depth += 1
        before = self.work
        try:
            evaluator = self.compile(body)[0]
            return evaluator, (self.work - before + 1) * ITERATION_STEPS
        finally:
            self.predicate_depth -= 1


def _literal(_: Compiler, node: n.Literal) -> Compiled:
    value = node.value
    return (lambda scope: value), kind_of(value)


def _name(_: Compiler, node: n.Name) -> Compiled:
    if node.name == "result":
        return (lambda scope: scope.result), RESULT
    hint = f" ({node.name} is a function: call it)" if is_function(node.name) else ""
    raise ConditionNameError(
        f"unknown name {node.name}{hint} (line {node.line}, column {node.column}); "
        "the only variable is result"
    )


def _pointer(compiler: Compiler, node: n.Pointer) -> Compiled:
    if compiler.predicate_depth == 0:
        raise ConditionSyntaxError(
            f"#{node.name} is only valid inside a predicate, as in all(result, # > 0)",
            node.line or None,
            node.column or None,
        )
    if node.name == "":
        return (lambda scope: scope.item), None
    if node.name == "index":
        return (lambda scope: scope.index), INT
    raise ConditionNameError(f"unknown pointer #{node.name} (only # and #index exist)")


def _unary(compiler: Compiler, node: n.Unary) -> Compiled:
    operand, kind = compiler.compile(node.operand)
    if node.op == "!":
        check_bool_operand("!", kind)
        return _negation(operand), BOOL
    apply = UNARY[node.op]
    return (lambda scope: apply(operand(scope))), unary_kind(node.op, kind)


def _negation(operand: Evaluator) -> Evaluator:
    def run(scope: Scope) -> bool:
        value = operand(scope)
        if value is True or value is False:
            return not value
        raise ConditionTypeError(
            f"invalid operation: !{go_type_name(value)} (operand {show(value)})"
        )

    return run


def _binary(compiler: Compiler, node: n.Binary) -> Compiled:
    left, left_kind = compiler.compile(node.left)
    right, right_kind = compiler.compile(node.right)
    if node.op in ("==", "!="):
        return _equality(node.op, left, left_kind, right, right_kind), BOOL
    if node.op == "??":
        return _coalesce(left, right), None
    kind = binary_kind(node.op, left_kind, right_kind)
    if node.op == "..":
        return _range(left, right), kind
    if node.op == "matches":
        literal = node.right.value if isinstance(node.right, n.Literal) else None
        pattern = literal if isinstance(literal, str) else None  # compiled (checked) now
        return compile_matches(left, right, pattern, node.negate), kind
    charge = charge_for(node.op, left_kind, right_kind)
    if charge is not None:
        return compile_charged(node.op, left, right, charge, node.negate), kind
    apply = BINARY[node.op]
    if node.negate:
        return (lambda scope: not apply(left(scope), right(scope))), kind
    return (lambda scope: apply(left(scope), right(scope))), kind


def _equality(op: str, left: Evaluator, lk: Kind, right: Evaluator, rk: Kind) -> Evaluator:
    negate = op == "!="
    guard = equality_guard(op, lk, rk)
    charge = charge_for(op, lk, rk)
    if guard is None and charge is None:
        return lambda scope: equal(left(scope), right(scope)) is not negate
    return _checked_equality(negate, left, right, guard, charge)


def _checked_equality(
    negate: bool,
    left: Evaluator,
    right: Evaluator,
    guard: Callable[[object], None] | None,
    charge: Charge | None,
) -> Evaluator:
    def run(scope: Scope) -> bool:
        left_value, right_value = left(scope), right(scope)
        if guard is not None:
            guard(scope.result)
        if charge is not None:
            charge(scope, left_value, right_value)
        return equal(left_value, right_value) is not negate

    return run


def _coalesce(left: Evaluator, right: Evaluator) -> Evaluator:
    def run(scope: Scope) -> object:
        value = left(scope)
        return right(scope) if value is None else value

    return run


def _range(left: Evaluator, right: Evaluator) -> Evaluator:
    def run(scope: Scope) -> list[int]:
        low, high = left(scope), right(scope)
        numbers = make_range(low, high)
        scope.allocate(len(numbers))
        return numbers

    return run


def _logic(compiler: Compiler, node: n.Logic) -> Compiled:
    left, left_kind = compiler.compile(node.left)
    right, right_kind = compiler.compile(node.right)
    symbol = "&&" if node.op == "and" else "||"
    check_bool_operand(symbol, left_kind)
    check_bool_operand(symbol, right_kind)
    decisive = node.op == "or"  # the left value that settles the answer on its own
    undecided = not decisive

    def run(scope: Scope) -> bool:
        value = left(scope)
        if value is decisive:
            return decisive
        if value is not undecided:
            raise _not_bool(symbol, value)
        value = right(scope)
        if value is True or value is False:
            return value
        raise _not_bool(symbol, value)

    return run, BOOL


def _not_bool(symbol: str, value: object) -> ConditionTypeError:
    return ConditionTypeError(
        f"invalid operation: {symbol} needs bool operands, got {describe(value)}"
    )


def _conditional(compiler: Compiler, node: n.Conditional) -> Compiled:
    test, test_kind = compiler.compile(node.test)
    check_bool_operand("?:", test_kind)
    if_true, true_kind = compiler.compile(node.if_true) if node.if_true else (test, BOOL)
    if_false, false_kind = compiler.compile(node.if_false)

    def run(scope: Scope) -> object:
        value = test(scope)
        if value is True:
            return if_true(scope)
        if value is False:
            return if_false(scope)
        raise _not_bool("?:", value)

    return run, true_kind if true_kind == false_kind else None


def _block(_: Compiler, node: n.Block) -> Compiled:
    raise ConditionSyntaxError("{ ... } is only valid around the predicate of all(), map()...")


_DISPATCH: dict[type[n.Node], Callable[[Compiler, n.Node], Compiled]] = {
    n.Literal: _literal,  # type: ignore[dict-item]
    n.Name: _name,  # type: ignore[dict-item]
    n.Pointer: _pointer,  # type: ignore[dict-item]
    n.Unary: _unary,  # type: ignore[dict-item]
    n.Binary: _binary,  # type: ignore[dict-item]
    n.Logic: _logic,  # type: ignore[dict-item]
    n.Conditional: _conditional,  # type: ignore[dict-item]
    n.Chain: compile_chain,  # type: ignore[dict-item]
    n.Call: compile_call,  # type: ignore[dict-item]
    n.ArrayLit: compile_array,  # type: ignore[dict-item]
    n.MapLit: compile_map,  # type: ignore[dict-item]
    n.Block: _block,  # type: ignore[dict-item]
}


def compile_tree(tree: n.Node) -> Evaluator:
    return Compiler().compile(tree)[0]
