"""String and collection builtins of expr-lang (len, keys, first, sort, split, join...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cmp_to_key

from rollouts.analysis.expr.errors import ConditionTypeError
from rollouts.analysis.expr.operators import BINARY
from rollouts.analysis.expr.values import describe, go_format, go_type_name, to_index


def length(value: object) -> int:
    if isinstance(value, list | tuple | dict | str):
        return len(value)
    raise ConditionTypeError(f"invalid argument for len (type {go_type_name(value)})")


def _require_str(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    raise ConditionTypeError(f"{name}: expects a string, got {describe(value)}")


def upper(value: object) -> str:
    return _require_str("upper", value).upper()


def lower(value: object) -> str:
    return _require_str("lower", value).lower()


def trim(value: object, cutset: object = None) -> str:
    text = _require_str("trim", value)
    return text.strip() if cutset is None else text.strip(_require_str("trim", cutset))


def split(value: object, separator: object, limit: object = -1) -> list[str]:
    """Go's strings.Split/SplitN: an empty separator splits into characters, limit 0 is empty."""
    text, sep = _require_str("split", value), _require_str("split", separator)
    count = to_index(limit, "split limit")
    if count == 0:
        return []
    if sep:
        return text.split(sep) if count < 0 else text.split(sep, count - 1)
    parts = list(text)
    if 0 < count < len(parts):
        parts = [*parts[: count - 1], "".join(parts[count - 1 :])]
    return parts


def join(values: object, glue: object = "") -> str:
    if not isinstance(values, list | tuple):
        raise ConditionTypeError(f"invalid argument for join (type {go_type_name(values)})")
    separator = _require_str("join", glue)
    return separator.join(_require_str("join", item) for item in values)


def _map_part(
    name: str, pick: Callable[[dict[object, object]], list[object]]
) -> Callable[..., object]:
    def run(value: object) -> list[object]:
        if isinstance(value, dict):
            return pick(value)
        raise ConditionTypeError(f"cannot get {name} from {go_type_name(value)}")

    return run


keys = _map_part("keys", lambda mapping: list(mapping.keys()))
values = _map_part("values", lambda mapping: list(mapping.values()))


def _end(name: str, position: int) -> Callable[[object], object]:
    def run(value: object) -> object:
        if isinstance(value, list | tuple | str):
            return value[position] if value else None
        if value is None or isinstance(value, dict):
            return None  # expr swallows the failed fetch and yields nil
        raise ConditionTypeError(f"cannot get {name} element from {go_type_name(value)}")

    return run


first = _end("first", 0)
last = _end("last", -1)


def _order(left: object, right: object) -> int:
    if BINARY["<"](left, right):
        return -1
    return 1 if BINARY["<"](right, left) else 0


def sort(value: object, order: object = "asc") -> list[object]:
    if not isinstance(value, list | tuple):
        raise ConditionTypeError(f"invalid argument for sort (type {go_type_name(value)})")
    if order not in ("asc", "desc"):
        raise ConditionTypeError(f"invalid order {go_format(order)}, expected asc or desc")
    if _all_numbers(value) or all(type(item) is str for item in value):
        return sorted(value, reverse=order == "desc")  # same order as `<`, at C speed
    return sorted(value, key=cmp_to_key(_order), reverse=order == "desc")


def _all_numbers(items: Sequence[object]) -> bool:
    return all(type(item) is int or type(item) is float for item in items)


def to_string(value: object) -> str:
    return go_format(value)
