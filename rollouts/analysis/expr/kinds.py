"""Static kinds: the part of expr-lang's type checker that changes outcomes.

expr compiles a condition against an environment whose `result` has the type of the actual
value, and rejects operations whose operand types are known to clash, even in a branch that
would never run. Here a node's kind is known for literals and function results, is `RESULT` for
the bare `result` (checked once the value is there) and unknown (None) for anything read out of
a list or map, exactly the cases where expr sees `interface {}` and defers to run time.

Rather than restating every operator's typing rules, a clash is found by running the operator
on a representative value of each kind; the runtime and the checker can then never disagree.
"""

from __future__ import annotations

from collections.abc import Callable

from rollouts.analysis.expr.errors import ConditionTypeError
from rollouts.analysis.expr.operators import BINARY, UNARY, make_range
from rollouts.analysis.expr.values import (
    BOOL,
    FLOAT,
    INT,
    LIST,
    MAP,
    NIL,
    STRING,
    Kind,
    kind_name,
    kind_of,
)

RESULT = "result"
_SAMPLES: dict[str, object] = {
    INT: 1,
    FLOAT: 1.0,
    STRING: "",
    BOOL: True,
    NIL: None,
    LIST: (),
    MAP: {},
}
_ALWAYS_BOOL = frozenset(
    {"<", "<=", ">", ">=", "in", "matches", "contains", "startsWith", "endsWith"}
)


def is_concrete(kind: Kind) -> bool:
    return kind is not None and kind != RESULT


def binary_kind(op: str, left: Kind, right: Kind) -> Kind:
    """The result kind of `left op right`; a clash of two known kinds is a compile error."""
    if not (is_concrete(left) and is_concrete(right)):
        return BOOL if op in _ALWAYS_BOOL else LIST if op == ".." else None
    apply = make_range if op == ".." else BINARY[op]
    try:
        value = apply(_SAMPLES[left], _SAMPLES[right])  # type: ignore[index]
    except ConditionTypeError:
        raise ConditionTypeError(
            f"invalid operation: {kind_name(left)} {op} {kind_name(right)}"
        ) from None
    return kind_of(value)


def unary_kind(op: str, operand: Kind) -> Kind:
    if not is_concrete(operand):
        return None
    try:
        return kind_of(UNARY[op](_SAMPLES[operand]))  # type: ignore[index]
    except ConditionTypeError:
        raise ConditionTypeError(f"invalid operation: {op}{kind_name(operand)}") from None


def check_bool_operand(symbol: str, kind: Kind) -> None:
    if is_concrete(kind) and kind != BOOL:
        raise ConditionTypeError(
            f"invalid operation: {symbol} needs bool operands, got {kind_name(kind)}"
        )


def _comparable(left: str, right: str) -> bool:
    numbers = (INT, FLOAT)
    return NIL in (left, right) or left == right or (left in numbers and right in numbers)


def _mismatch(op: str, left: str, right: str) -> ConditionTypeError:
    return ConditionTypeError(
        f"invalid operation: {op} (mismatched types {kind_name(left)} and {kind_name(right)})"
    )


def equality_guard(op: str, left: Kind, right: Kind) -> Callable[[object], None] | None:
    """Reject `==`/`!=` between known, incomparable kinds: now, or once `result` is known.

    Returns a check to run on the result value when one side is `result` and the other side's
    kind is known; None when nothing is left to check at evaluation time.
    """
    if is_concrete(left) and is_concrete(right):
        if not _comparable(left, right):  # type: ignore[arg-type]
            raise _mismatch(op, left, right)  # type: ignore[arg-type]
        return None
    other = right if left == RESULT else left if right == RESULT else None
    if not is_concrete(other):
        return None
    assert other is not None
    result_first = left == RESULT

    def guard(result: object) -> None:
        kind = kind_of(result)
        if kind is not None and not _comparable(kind, other):
            raise _mismatch(op, kind, other) if result_first else _mismatch(op, other, kind)

    return guard
