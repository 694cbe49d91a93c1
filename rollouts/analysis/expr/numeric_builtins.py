"""Numeric builtins of expr-lang and the numeric helpers Argo adds (asInt, asFloat, isNaN, isInf).

String-to-number conversion follows Go's strconv: `asInt("1.1")` and `int(" 1")` are errors,
`asFloat("1e400")` is an error (out of range) rather than +Inf, and floats truncate toward zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rollouts.analysis.expr.errors import ConditionTypeError
from rollouts.analysis.expr.regex import compile_pattern, fullmatch
from rollouts.analysis.expr.values import (
    INT64_MAX,
    INT64_MIN,
    describe,
    go_format,
    go_type_name,
    is_float,
    is_int,
    is_number,
    wrap_int64,
)

# Go's ParseFloat words, on RE2 like every regular expression applied to condition data.
_GO_FLOAT_WORDS = compile_pattern(r"(?i)[+-]?(?:inf|infinity|nan)")
_INF_WORDS = compile_pattern(r"(?i)[+-]?inf(inity)?")
# Over these characters Python's float() accepts exactly Go's decimal syntax
# ([+-]?(digits[.digits]|.digits)([eE][+-]?digits)?), so no pattern is needed on the hot path.
_DECIMAL_CHARS = frozenset("0123456789.eE+-")


def _quoted(text: str) -> str:
    return f'"{text}"' if len(text) <= 40 else f'"{text[:37]}..." ({len(text)} characters)'


def _cannot_parse(function: str, text: str, what: str) -> ConditionTypeError:
    return ConditionTypeError(f"{function}: cannot parse {_quoted(text)} as {what}")


def parse_go_int(text: str, function: str) -> int:
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise _cannot_parse(function, text, "an integer")
    significant = digits.lstrip("0") or "0"  # Python refuses int() of over 4300 digits
    magnitude = int(significant) if len(significant) <= 19 else INT64_MAX + 2
    value = -magnitude if text[:1] == "-" else magnitude
    if not INT64_MIN <= value <= INT64_MAX:
        raise ConditionTypeError(f"{function}: {_quoted(text)} is out of the int64 range")
    return value


def parse_go_float(text: str, function: str) -> float:
    if _DECIMAL_CHARS.issuperset(text):
        try:
            value = float(text)
        except ValueError:
            raise _cannot_parse(function, text, "a float") from None
        overflow = math.isinf(value)
    elif fullmatch(_GO_FLOAT_WORDS, text):
        value = float(text)
        overflow = math.isinf(value) and not fullmatch(_INF_WORDS, text)
    else:
        raise _cannot_parse(function, text, "a float")
    if overflow:
        raise ConditionTypeError(f"{function}: {_quoted(text)} is out of the float64 range")
    return value


def _truncate(value: float, function: str) -> int:
    if not math.isfinite(value) or not INT64_MIN <= value < 2.0**63:
        raise ConditionTypeError(f"{function}: cannot convert {go_format(value)} to an integer")
    return int(value)


def _to_int(value: object, function: str) -> int:
    if is_int(value):
        return int(value)
    if is_float(value):
        return _truncate(value, function)
    if isinstance(value, str):
        return parse_go_int(value, function)
    raise ConditionTypeError(f"{function}: not supported on {describe(value)}")


def _to_float(value: object, function: str) -> float:
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        return parse_go_float(value, function)
    raise ConditionTypeError(f"{function}: not supported on {describe(value)}")


def as_int(value: object) -> int:
    return _to_int(value, "asInt")


def as_float(value: object) -> float:
    return _to_float(value, "asFloat")


def to_int(value: object) -> int:
    return _to_int(value, "int")


def to_float(value: object) -> float:
    return _to_float(value, "float")


def _float_test(name: str, test: Callable[[float], bool]) -> Callable[[object], bool]:
    def run(value: object) -> bool:
        if is_float(value):
            return test(value)
        if is_int(value):
            return False
        raise ConditionTypeError(f"{name}: expects a float, got {describe(value)}")

    return run


is_nan = _float_test("isNaN", math.isnan)
is_inf = _float_test("isInf", math.isinf)


def absolute(value: object) -> object:
    if is_int(value):
        return wrap_int64(abs(value))
    if is_float(value):
        return abs(value)
    raise ConditionTypeError(f"invalid argument for abs (type {go_type_name(value)})")


def _rounding(name: str, fn: Callable[[float], float]) -> Callable[[object], float]:
    def run(value: object) -> float:
        if not is_number(value):
            raise ConditionTypeError(f"invalid argument for {name} (type {go_type_name(value)})")
        number = float(value)
        return math.copysign(fn(number), number) if math.isfinite(number) else number

    return run


def _half_away_from_zero(number: float) -> float:
    whole = float(math.trunc(number))
    if abs(number - whole) >= 0.5:
        whole += math.copysign(1.0, number)
    return whole


ceil = _rounding("ceil", lambda x: float(math.ceil(x)))
floor = _rounding("floor", lambda x: float(math.floor(x)))
round_half_away = _rounding("round", _half_away_from_zero)


def _numbers_in(name: str, args: tuple[object, ...]) -> list[int | float]:
    """Numbers of the arguments, lists flattened; anything else is an invalid argument."""
    numbers: list[int | float] = []
    for arg in args:
        _collect(name, arg, numbers)
    return numbers


def _collect(name: str, value: object, numbers: list[int | float]) -> None:
    if is_number(value):
        numbers.append(value)
    elif isinstance(value, list | tuple):
        for item in value:
            kind = type(item)
            if kind is float or kind is int:
                numbers.append(item)
            else:
                _collect(name, item, numbers)
    else:
        raise ConditionTypeError(f"invalid argument for {name} (type {go_type_name(value)})")


def _extreme(name: str, better: Callable[[float, float], bool]) -> Callable[..., object]:
    def run(*args: object) -> object:
        if len(args) == 1 and not (is_number(args[0]) or isinstance(args[0], list | tuple)):
            return args[0]  # expr hands a lone non-numeric argument back unchanged
        best: int | float | None = None
        for number in _numbers_in(name, args):
            if best is None or better(number, best):
                best = number
        return best

    return run


maximum = _extreme("max", lambda new, best: new > best)
minimum = _extreme("min", lambda new, best: new < best)


def mean(*args: object) -> float:
    numbers = [float(x) for x in _numbers_in("mean", args)]
    return sum(numbers) / len(numbers) if numbers else 0.0  # summed in order, as Go does


def median(*args: object) -> float:
    numbers = sorted(float(x) for x in _numbers_in("median", args))
    count = len(numbers)
    if count == 0:
        return 0.0
    middle = count // 2
    return numbers[middle] if count % 2 else (numbers[middle - 1] + numbers[middle]) / 2
