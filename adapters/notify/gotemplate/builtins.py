"""Go text/template's predefined functions (`and`/`or` short-circuit in the executor)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from adapters.notify.gotemplate.errors import TemplateError
from adapters.notify.gotemplate.printf import sprintf
from adapters.notify.gotemplate.values import (
    MISSING,
    GoFunction,
    format_value,
    is_number,
    truth,
    type_name,
)


def length(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, Mapping | Sequence):
        return len(value)
    raise TemplateError(f"len of type {type_name(value)}")


def index(item: object, *keys: object) -> object:
    for key in keys:
        if isinstance(item, Mapping):
            item = item.get(str(key), MISSING) if isinstance(key, str) else MISSING
        elif isinstance(item, Sequence) and not isinstance(item, str):
            if not isinstance(key, int) or isinstance(key, bool):
                raise TemplateError(f"cannot index slice/array with type {type_name(key)}")
            if not 0 <= key < len(item):
                raise TemplateError(f"index out of range: {key}")
            item = item[key]
        elif item is MISSING or item is None:
            raise TemplateError("index of untyped nil")
        else:
            raise TemplateError(f"can't index item of type {type_name(item)}")
    return item


def slice_of(item: object, *bounds: object) -> object:
    if not isinstance(item, str | Sequence) or isinstance(item, Mapping):
        raise TemplateError(f"can't slice item of type {type_name(item)}")
    numbers = [b for b in bounds if isinstance(b, int) and not isinstance(b, bool)]
    if len(numbers) != len(bounds) or len(bounds) > 2:
        raise TemplateError("slice: bounds must be one or two integers")
    low, high = (*numbers, len(item))[:2] if numbers else (0, len(item))
    if not 0 <= low <= high <= len(item):
        raise TemplateError(f"slice: index out of range [{low}:{high}]")
    return item[low:high]


def _comparable(value: object) -> object:
    if value is MISSING:
        return None
    if isinstance(value, Mapping | list | tuple):
        raise TemplateError(f"non-comparable type {type_name(value)}")
    return value


def equal(first: object, *others: object) -> bool:
    if not others:
        raise TemplateError("missing argument for comparison")
    left = _comparable(first)
    return any(left == _comparable(other) for other in others)


def _ordered(left: object, right: object) -> tuple[Any, Any]:
    if is_number(left) and is_number(right):
        return left, right
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    raise TemplateError(
        f"incompatible types for comparison: {type_name(left)} and {type_name(right)}"
    )


def sprint(*args: object) -> str:
    """fmt.Sprint: a space between operands when neither side is a string."""
    out: list[str] = []
    for position, arg in enumerate(args):
        if position and not isinstance(arg, str) and not isinstance(args[position - 1], str):
            out.append(" ")
        out.append(format_value(arg, top=False))
    return "".join(out)


def js_escape(*args: object) -> str:
    text = sprint(*args)
    replacements = {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "<": "\\u003C",
        ">": "\\u003E",
        "&": "\\u0026",
        "=": "\\u003D",
        "\n": "\\u000A",
        "\r": "\\u000D",
    }
    return "".join(replacements.get(char, char) for char in text)


def html_escape(text: str) -> str:
    replacements = {
        "&": "&amp;",
        "'": "&#39;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&#34;",
        "\0": "\ufffd",
    }
    return "".join(replacements.get(char, char) for char in text)


def call(function: object, *args: object) -> object:
    if not isinstance(function, GoFunction):
        raise TemplateError(f"non-function of type {type_name(function)}")
    return function(*args)


GO_BUILTINS: dict[str, Callable[..., object]] = {
    "not": lambda value: not truth(value),
    "len": length,
    "index": index,
    "slice": slice_of,
    "eq": equal,
    "ne": lambda left, right: not equal(left, right),
    "lt": lambda left, right: _ordered(left, right)[0] < _ordered(left, right)[1],
    "le": lambda left, right: _ordered(left, right)[0] <= _ordered(left, right)[1],
    "gt": lambda left, right: _ordered(left, right)[0] > _ordered(left, right)[1],
    "ge": lambda left, right: _ordered(left, right)[0] >= _ordered(left, right)[1],
    "print": sprint,
    "println": lambda *args: " ".join(format_value(a, top=False) for a in args) + "\n",
    "printf": lambda layout, *args: sprintf(str(layout), *args),
    "html": lambda *args: html_escape(sprint(*args)),
    "js": js_escape,
    "urlquery": lambda *args: quote_plus(sprint(*args)),
    "call": call,
}
