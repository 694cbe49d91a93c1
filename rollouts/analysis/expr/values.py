"""Value model of the condition language: JSON-like Python values seen through Go's eyes.

Argo evaluates conditions in Go, where `true` is not a number, `1 == 1.0` holds, ints are 64-bit
and error messages name Go types (`float64`, `<nil>`, `[]interface {}`). Python's `bool` is an
`int` subclass and its ints are unbounded, so every numeric test here excludes bool explicitly
and integer results are wrapped to int64.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple, TypeGuard

from rollouts.analysis.expr.errors import ConditionTypeError

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

# Static kinds the compiler reasons about; None means "not known before evaluation".
Kind = str | None
INT = "int"
FLOAT = "float"
STRING = "string"
BOOL = "bool"
NIL = "nil"
LIST = "list"
MAP = "map"

_KIND_BY_TYPE: dict[type, str] = {
    int: INT,
    float: FLOAT,
    str: STRING,
    bool: BOOL,
    type(None): NIL,
    list: LIST,
    tuple: LIST,
    dict: MAP,
}
_GO_NAME_BY_KIND = {
    INT: "int",
    FLOAT: "float64",
    STRING: "string",
    BOOL: "bool",
    NIL: "<nil>",
    LIST: "[]interface {}",
    MAP: "map[string]interface {}",
}


def kind_of(value: object) -> Kind:
    """The kind of a runtime value; subclasses (IntEnum, OrderedDict...) map to their base."""
    kind = _KIND_BY_TYPE.get(type(value))
    if kind is not None:
        return kind
    for base, base_kind in _KIND_BY_TYPE.items():
        if isinstance(value, base):
            return base_kind
    return None


def go_type_name(value: object) -> str:
    """The Go type name Argo's messages would show for this value."""
    kind = kind_of(value)
    return _GO_NAME_BY_KIND[kind] if kind is not None else type(value).__name__


def kind_name(kind: Kind) -> str:
    return _GO_NAME_BY_KIND[kind] if kind is not None else "interface {}"


def is_int(value: object) -> TypeGuard[int]:
    """An integer that is not a bool (Python's bool is an int subclass, Go's is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_float(value: object) -> TypeGuard[float]:
    return isinstance(value, float)


def is_number(value: object) -> TypeGuard[int | float]:
    kind = type(value)
    if kind is float or kind is int:
        return True
    return isinstance(value, int | float) and not isinstance(value, bool)


def wrap_int64(value: int) -> int:
    """Go's int64 arithmetic wraps around; so does ours, which also bounds integer growth."""
    if INT64_MIN <= value <= INT64_MAX:
        return value
    return ((value - INT64_MIN) % (1 << 64)) + INT64_MIN


def equal(left: object, right: object) -> bool:
    """expr's `==`: numbers compare across int/float, other kinds must match exactly."""
    if is_number(left) and is_number(right):
        return left == right
    left_kind = kind_of(left)
    if left_kind is None or left_kind != kind_of(right):
        return False
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return _equal_lists(left, right)
    if isinstance(left, dict) and isinstance(right, dict):
        return _equal_maps(left, right)
    return bool(left == right)


def _equal_lists(left: Sequence[object], right: Sequence[object]) -> bool:
    return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))


def _equal_maps(left: Mapping[object, object], right: Mapping[object, object]) -> bool:
    return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)


def to_index(value: object, what: str) -> int:
    """Go's ToInt as used for indexes: numbers only, floats truncated toward zero."""
    if is_number(value) and math.isfinite(value):
        return int(value)
    raise ConditionTypeError(f"{what} must be a number, got {describe(value)}")


def fetch(container: object, key: object) -> object:
    """`a.b`, `a["b"]`, `a[0]`: missing map keys are nil, out-of-range indexes are errors."""
    if isinstance(container, dict):
        if isinstance(key, str):
            return container.get(key)
        if key is None:
            return container.get("")
        raise ConditionTypeError(
            f"cannot use {go_type_name(key)} as a map key: map keys are strings (got {show(key)})"
        )
    if isinstance(container, list | tuple | str):
        index = to_index(key, f"index into {go_type_name(container)}")
        length = len(container)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise ConditionTypeError(f"index out of range: {index} (array length is {length})")
        return container[index]
    raise ConditionTypeError(f"cannot fetch {show(key)} from {go_type_name(container)}")


def slice_of(container: object, low: object, high: object) -> object:
    """`a[i:j]` with Go's clamping: out-of-range bounds shrink instead of failing."""
    if not isinstance(container, list | tuple | str):
        raise ConditionTypeError(f"cannot slice {go_type_name(container)}")
    length = len(container)
    start = 0 if low is None else _clamp(to_index(low, "slice bound"), length)
    stop = length if high is None else _clamp(to_index(high, "slice bound"), length)
    start = min(start, stop)
    part = container[start:stop]
    return list(part) if isinstance(part, tuple) else part


def _clamp(bound: int, length: int) -> int:
    if bound < 0:
        bound += length
    return max(0, min(bound, length))


def describe(value: object) -> str:
    """Type and value for an error message: `string "abc"`, `float64 0.5`, `nil`."""
    return "nil" if value is None else f"{go_type_name(value)} {show(value)}"


def show(value: object) -> str:
    """A value as an error message quotes it: Go rendering, strings quoted, long ones cut.

    Only the first 81 characters are ever rendered, so quoting a huge result costs nothing.
    """
    if isinstance(value, str):
        text = f'"{value[:80]}"'
    elif isinstance(value, list | tuple) and len(value) > 10:
        text = _head(value[:10], _SHOWN)[:-1] + " ...]"
    else:
        text = _head(value, _SHOWN)
    return text if len(text) <= 80 else text[:77] + "..."


_SHOWN = 81


def _head(value: object, room: int) -> str:
    """`go_format(value)` when it fits in `room` characters, else a longer text it starts with."""
    if isinstance(value, _Pair):
        return value.key + _head(value.item, room - len(value.key))
    if isinstance(value, list | tuple):
        return "[" + " ".join(_heads(value, room)) + "]"
    if isinstance(value, dict):
        first = heapq.nsmallest(room // 3 + 1, value.items(), key=lambda pair: str(pair[0]))
        pairs = [_Pair(f"{key}:", item) for key, item in first]
        return "map[" + " ".join(_heads(pairs, room)) + "]"
    return go_format(value)


def _heads(items: Sequence[object], room: int) -> list[str]:
    parts, used = [], 1
    for item in items:
        if used > room:
            break
        part = _head(item, room - used)
        parts.append(part)
        used += len(part) + 1
    return parts


class _Pair(NamedTuple):
    key: str
    item: object


def go_format(value: object) -> str:
    """Go's `fmt.Sprint` rendering, which is what expr's `string()` returns."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_format(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda pair: str(pair[0]))
        return "map[" + " ".join(f"{key}:{go_format(item)}" for key, item in items) + "]"
    return str(value)


def go_float(number: float) -> str:
    """`%v` of a float64: shortest digits, exponent form below 1e-4 and from 1e6 up."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, number) < 0 else ""
    if number == 0:
        return sign + "0"
    return sign + _place_point(*_shortest_digits(abs(number)))


def _shortest_digits(number: float) -> tuple[str, int]:
    """Shortest round-trip digits of a positive float and where the decimal point goes.

    Python's repr already holds the shortest digits (as Go's 'g' formatting does); only its
    layout differs, so it is taken apart rather than re-parsed (Decimal is ~5x slower).
    """
    mantissa, _, exponent = repr(number).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    return significant.rstrip("0"), point


def _place_point(digits: str, point: int) -> str:
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{head}e{'+' if exponent >= 0 else '-'}{abs(exponent):02d}"
    if point <= 0:
        return f"0.{'0' * -point}{digits}"
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return f"{digits[:point]}.{digits[point:]}"
