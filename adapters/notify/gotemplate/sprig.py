"""The Sprig functions notification templates commonly use, with Sprig's lenient conversions
(`add` turns `"2"`, `2.0` and `2` into the integer 2; anything unconvertible is 0)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence

from adapters.notify.gotemplate import gojson
from adapters.notify.gotemplate.errors import TemplateError, TemplateLimitError
from adapters.notify.gotemplate.values import MISSING, format_value, is_number, truth

MAX_REPEAT_OUTPUT = 100_000


def to_int(value: object) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip(), 0)
        except ValueError:
            return 0
    return 0


def to_float(value: object) -> float:
    if is_number(value) or isinstance(value, bool):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return 0.0
    return 0.0


def empty(value: object) -> bool:
    return not truth(value)


def to_string(value: object) -> str:
    return value if isinstance(value, str) else format_value(value, top=False)


def _go_div(left: int, right: int) -> int:
    if right == 0:
        raise TemplateError("integer divide by zero")
    quotient = abs(left) // abs(right)
    return quotient if (left >= 0) == (right >= 0) else -quotient


def _go_mod(left: int, right: int) -> int:
    return left - right * _go_div(left, right)


def _list(value: object) -> list[object]:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    raise TemplateError(f"cannot use a value of type {type(value).__name__} as a list")


def _dict(*pairs: object) -> dict[str, object]:
    keys = pairs[0::2]
    values = [*pairs[1::2], *([""] * (len(keys) - len(pairs[1::2])))]
    return {to_string(key): value for key, value in zip(keys, values, strict=True)}


def _repeat(count: object, text: object) -> str:
    times = to_int(count)
    if times * len(to_string(text)) > MAX_REPEAT_OUTPUT:
        raise TemplateLimitError("repeat would produce too much text")
    return to_string(text) * max(times, 0)


def _trunc(count: object, text: object) -> str:
    size, value = to_int(count), to_string(text)
    return value[:size] if size >= 0 else value[size:]


def _indent(spaces: object, text: object) -> str:
    pad = " " * max(to_int(spaces), 0)
    return pad + to_string(text).replace("\n", "\n" + pad)


def _b64decode(text: object) -> str:
    try:
        return base64.b64decode(to_string(text), validate=True).decode(errors="replace")
    except (binascii.Error, ValueError) as error:
        return str(error)


def _first(value: object) -> object:
    items = _list(value)
    return items[0] if items else MISSING


def _last(value: object) -> object:
    items = _list(value)
    return items[-1] if items else MISSING


def _keys(value: object) -> list[str]:
    if not isinstance(value, Mapping):
        raise TemplateError("keys: not a map")
    return sorted(str(key) for key in value)


SPRIG: dict[str, Callable[..., object]] = {
    "add": lambda *args: sum(to_int(a) for a in args),
    "add1": lambda value: to_int(value) + 1,
    "sub": lambda left, right: to_int(left) - to_int(right),
    "mul": lambda *args: _product(args),
    "div": lambda left, right: _go_div(to_int(left), to_int(right)),
    "mod": lambda left, right: _go_mod(to_int(left), to_int(right)),
    "max": lambda first, *rest: max(to_int(a) for a in (first, *rest)),
    "min": lambda first, *rest: min(to_int(a) for a in (first, *rest)),
    "int": to_int,
    "int64": to_int,
    "atoi": to_int,
    "float64": to_float,
    "toString": to_string,
    "upper": lambda text: to_string(text).upper(),
    "lower": lambda text: to_string(text).lower(),
    "title": lambda text: to_string(text).title(),
    "trim": lambda text: to_string(text).strip(),
    "trimPrefix": lambda prefix, text: to_string(text).removeprefix(to_string(prefix)),
    "trimSuffix": lambda suffix, text: to_string(text).removesuffix(to_string(suffix)),
    "replace": lambda old, new, text: to_string(text).replace(to_string(old), to_string(new)),
    "contains": lambda part, text: to_string(part) in to_string(text),
    "hasPrefix": lambda prefix, text: to_string(text).startswith(to_string(prefix)),
    "hasSuffix": lambda suffix, text: to_string(text).endswith(to_string(suffix)),
    "quote": lambda *args: " ".join(gojson.quote(to_string(a)) for a in args if a is not MISSING),
    "squote": lambda *args: " ".join(f"'{to_string(a)}'" for a in args if a is not MISSING),
    "join": lambda sep, items: to_string(sep).join(to_string(i) for i in _list(items)),
    "splitList": lambda sep, text: to_string(text).split(to_string(sep)),
    "default": lambda fallback, *given: given[0] if given and truth(given[0]) else fallback,
    "empty": empty,
    "coalesce": lambda *args: next((a for a in args if truth(a)), None),
    "ternary": lambda yes, no, condition: yes if truth(condition) else no,
    "toJson": gojson.encode,
    "toPrettyJson": lambda value: gojson.encode(value, indent="  "),
    "list": lambda *items: list(items),
    "dict": _dict,
    "first": _first,
    "last": _last,
    "repeat": _repeat,
    "trunc": _trunc,
    "indent": _indent,
    "nindent": lambda spaces, text: "\n" + _indent(spaces, text),
    "b64enc": lambda text: base64.b64encode(to_string(text).encode()).decode(),
    "b64dec": _b64decode,
    "keys": _keys,
}


def _product(args: tuple[object, ...]) -> int:
    result = 1
    for arg in args:
        result *= to_int(arg)
    return result
