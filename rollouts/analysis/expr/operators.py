"""Binary and unary operators with expr-lang's (Go's) semantics.

Deliberate Go behaviours: `/` always yields a float and divides by zero into ±Inf/NaN like
IEEE floats; `%` takes ints only, truncates toward zero and refuses a zero divisor; `**` is a
float power; integer `+ - *` wrap at 64 bits; `in` tests list membership with numeric equality
or map keys, never substrings.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from rollouts.analysis.expr.errors import ConditionLimitError, ConditionTypeError
from rollouts.analysis.expr.regex import compile_pattern, utf8
from rollouts.analysis.expr.scope import MAX_RANGE
from rollouts.analysis.expr.values import (
    equal,
    go_type_name,
    is_float,
    is_int,
    is_number,
    show,
    wrap_int64,
)

BinaryFn = Callable[[object, object], object]


def mismatch(op: str, left: object, right: object) -> ConditionTypeError:
    return ConditionTypeError(
        f"invalid operation: {go_type_name(left)} {op} {go_type_name(right)} "
        f"(operands {show(left)} and {show(right)})"
    )


def _arith(op: str, fn: Callable[[Any, Any], Any]) -> BinaryFn:
    def run(left: object, right: object) -> object:
        if is_int(left) and is_int(right):
            return wrap_int64(fn(left, right))
        if is_number(left) and is_number(right):
            return float(fn(float(left), float(right)))
        raise mismatch(op, left, right)

    return run


_add_numbers = _arith("+", operator.add)
_subtract = _arith("-", operator.sub)
_multiply = _arith("*", operator.mul)


def add(left: object, right: object) -> object:
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    return _add_numbers(left, right)


def divide(left: object, right: object) -> float:
    if not (is_number(left) and is_number(right)):
        raise mismatch("/", left, right)
    dividend, divisor = float(left), float(right)
    if divisor != 0:
        return dividend / divisor
    if dividend == 0 or math.isnan(dividend):
        return math.nan
    return math.copysign(math.inf, dividend) * math.copysign(1.0, divisor)


def modulo(left: object, right: object) -> int:
    if not (is_int(left) and is_int(right)):
        raise mismatch("%", left, right)
    if right == 0:
        raise ConditionTypeError(f"integer divide by zero: {left} % 0")
    remainder = abs(left) % abs(right)
    return -remainder if left < 0 else remainder


def power(left: object, right: object) -> float:
    if not (is_number(left) and is_number(right)):
        raise mismatch("**", left, right)
    base, exponent = float(left), float(right)
    try:
        return math.pow(base, exponent)
    except OverflowError:
        negative = base < 0 and exponent.is_integer() and exponent % 2 == 1
        return -math.inf if negative else math.inf
    except ValueError:  # 0 ** negative is +Inf in Go; a negative base ** fraction is NaN
        return math.inf if base == 0 else math.nan


def negate(value: object) -> object:
    if is_int(value):
        return wrap_int64(-value)
    if is_float(value):
        return -value
    raise ConditionTypeError(f"invalid operation: -{go_type_name(value)} (operand {show(value)})")


def plus(value: object) -> object:
    if is_number(value):
        return value
    raise ConditionTypeError(f"invalid operation: +{go_type_name(value)} (operand {show(value)})")


def make_range(low: object, high: object) -> list[int]:
    if not (is_int(low) and is_int(high)):
        raise mismatch("..", low, high)
    if high - low + 1 > MAX_RANGE:
        raise ConditionLimitError(
            f"range {low}..{high} has {high - low + 1} elements, more than the limit of {MAX_RANGE}"
        )
    return list(range(low, high + 1))


def _ordering(op: str, fn: Callable[[Any, Any], Any]) -> BinaryFn:
    def run(left: object, right: object) -> bool:
        if (is_number(left) and is_number(right)) or (
            isinstance(left, str) and isinstance(right, str)
        ):
            return bool(fn(left, right))
        raise mismatch(op, left, right)

    return run


def is_member(needle: object, haystack: object) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, list | tuple):
        return any(equal(item, needle) for item in haystack)
    if isinstance(haystack, dict):
        if needle is None or isinstance(needle, str):
            return (needle or "") in haystack
        raise ConditionTypeError(
            f"cannot use {go_type_name(needle)} as a map key in `in`: map keys are strings"
        )
    raise ConditionTypeError(
        f'operator "in" not defined on {go_type_name(haystack)} (use contains for substrings)'
    )


def _strings(op: str, test: Callable[[str, str], bool]) -> BinaryFn:
    def run(left: object, right: object) -> bool:
        if isinstance(left, str) and isinstance(right, str):
            return test(left, right)
        raise mismatch(op, left, right)

    return run


def _matches(text: str, pattern: str) -> bool:
    """Go's regexp.MatchString on RE2; the compiler charges the match to the step budget."""
    return compile_pattern(pattern).search(utf8(text))


BINARY: dict[str, BinaryFn] = {
    "+": add,
    "-": _subtract,
    "*": _multiply,
    "/": divide,
    "%": modulo,
    "**": power,
    "^": power,
    "<": _ordering("<", operator.lt),
    "<=": _ordering("<=", operator.le),
    ">": _ordering(">", operator.gt),
    ">=": _ordering(">=", operator.ge),
    "in": is_member,
    "matches": _strings("matches", _matches),
    "contains": _strings("contains", operator.contains),
    "startsWith": _strings("startsWith", str.startswith),
    "endsWith": _strings("endsWith", str.endswith),
}

UNARY: dict[str, Callable[[object], object]] = {"-": negate, "+": plus}
