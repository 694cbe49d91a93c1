"""How Go sees template data: truth, `%v` printing and encoding/json output.

The data is JSON-shaped (dicts, lists, strings, numbers, booleans, None) plus two safe extras
(`GoTime`, `GoFunction`). `MISSING` is Go's invalid value: what a missing map key gives, printed
as `<no value>`, distinct from a present JSON null.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from adapters.notify.gotemplate.errors import TemplateError
from adapters.notify.gotemplate.gotime import GoTime


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no value>"


MISSING: Final = _Missing()
NO_VALUE = "<no value>"


@dataclass(frozen=True, slots=True)
class GoFunction:
    """A function value inside the data (`.time.Now`), callable with `call` only."""

    name: str
    function: Callable[..., Any]

    def __call__(self, *args: Any) -> Any:
        return self.function(*args)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def truth(value: object) -> bool:
    if value is MISSING or value is None:
        return False
    if isinstance(value, bool):
        return value
    if is_number(value):
        return value != 0
    if isinstance(value, str | Mapping | Sequence):
        return len(value) > 0
    return True


def type_name(value: object) -> str:
    """Go's name for the dynamic type, for error messages and `%T`."""
    names = [(bool, "bool"), (int, "int"), (float, "float64"), (str, "string")]
    for kind, name in names:
        if isinstance(value, kind):
            return name
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, Sequence):
        return "[]interface {}"
    if isinstance(value, GoTime):
        return "time.Time"
    if isinstance(value, GoFunction):
        return "func"
    return "<nil>"


def go_float(number: float) -> str:
    """`%v` of a float64 (`%g`, shortest digits): `0.08`, `5`, `1e+06`, `1e-05`."""
    return _shortest(number, "g")


def _shortest(number: float, style: str) -> str:
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1, number) < 0 else "0"
    sign, digits, exponent = Decimal(repr(number)).normalize().as_tuple()
    text = "".join(str(d) for d in digits)
    point = len(text) + int(exponent)  # position of the decimal point in `text`
    scientific = point - 1
    if style == "g":  # strconv 'g' with shortest precision decides with precision 6
        use_exponent = scientific < -4 or scientific >= 6
    else:  # encoding/json: 'e' outside [1e-6, 1e21)
        use_exponent = scientific < -6 or scientific >= 21
    body = _exponent_form(text, scientific, style) if use_exponent else _plain_form(text, point)
    return ("-" if sign else "") + body


def _plain_form(text: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + text
    if point >= len(text):
        return text + "0" * (point - len(text))
    return text[:point] + "." + text[point:]


def _exponent_form(text: str, scientific: int, style: str) -> str:
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    sign = "-" if scientific < 0 else "+"
    digits = str(abs(scientific))
    if style == "g":
        digits = digits.rjust(2, "0")
    return f"{mantissa}e{sign}{digits}"


def _scalar(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    return None


def format_value(value: object, *, top: bool = True) -> str:
    """`fmt.Sprint(value)` as text/template prints an action's result."""
    if value is MISSING or (value is None and top):
        return NO_VALUE
    if value is None:
        return "<nil>"
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, Mapping):
        items = (f"{key}:{format_value(value[key], top=False)}" for key in sorted(value, key=str))
        return "map[" + " ".join(items) + "]"
    if isinstance(value, Sequence):
        return "[" + " ".join(format_value(item, top=False) for item in value) + "]"
    if isinstance(value, GoTime):
        return value.string()
    if isinstance(value, GoFunction):
        return f"<func {value.name}>"
    raise TemplateError(f"cannot print a value of type {type(value).__name__}")


def json_float(number: float) -> str:
    if math.isnan(number) or math.isinf(number):
        raise TemplateError(f"json: unsupported value: {go_float(number)}")
    return _shortest(number, "json")
