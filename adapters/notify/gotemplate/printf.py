"""Go's `printf` for the verbs templates use: %v %s %d %q %f %g %e %x %X %t %T %c %%."""

from __future__ import annotations

import re

from adapters.notify.gotemplate.errors import TemplateError
from adapters.notify.gotemplate.gojson import quote
from adapters.notify.gotemplate.values import format_value, go_float, is_number, type_name

_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def sprintf(layout: str, *args: object) -> str:
    remaining = list(args)
    out: list[str] = []
    position = 0
    for match in _VERB.finditer(layout):
        out.append(layout[position : match.start()])
        position = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if not remaining:
            out.append(f"%!{verb}(MISSING)")
            continue
        text = _verb(verb, remaining.pop(0), precision)
        out.append(_pad(text, flags, width))
    out.append(layout[position:])
    if remaining:
        extra = ", ".join(f"{type_name(a)}={format_value(a, top=False)}" for a in remaining)
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _pad(text: str, flags: str, width: str | None) -> str:
    if not width:
        return text
    size = int(width)
    if "-" in flags:
        return text.ljust(size)
    if "0" in flags and text[:1].lstrip("+-").isdigit():
        sign = text[0] if text[0] in "+-" else ""
        return sign + text[len(sign) :].rjust(size - len(sign), "0")
    return text.rjust(size)


def _verb(verb: str, value: object, precision: str | None) -> str:  # noqa: PLR0911
    if verb in "vs":
        text = format_value(value, top=False)
        return text[: int(precision)] if precision and verb == "s" else text
    if verb == "T":
        return type_name(value)
    if verb == "q":
        return quote(value) if isinstance(value, str) else _bad(verb, value)
    if verb == "t":
        return format_value(value) if isinstance(value, bool) else _bad(verb, value)
    if not is_number(value):
        return _bad(verb, value)
    number = value
    if verb in "dxXc":
        if not isinstance(number, int):
            return _bad(verb, value)
        return {"d": str(number), "x": f"{number:x}", "X": f"{number:X}", "c": chr(number)}[verb]
    if verb in "feEgG":
        if precision is None and verb in "gG":
            return go_float(float(number))  # type: ignore[arg-type]
        digits = 6 if precision is None else int(precision)
        return format(float(number), f".{digits}{verb}")  # type: ignore[arg-type]
    raise TemplateError(f"printf: unsupported verb %{verb}")


def _bad(verb: str, value: object) -> str:
    return f"%!{verb}({type_name(value)}={format_value(value, top=False)})"
