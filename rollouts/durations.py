"""Go duration strings, parsed the way Argo's Go code parses them.

Manifests written for Argo use Go's `time.ParseDuration` syntax (`30s`, `1h30m`, `1.5h`, `500ms`)
and pause steps additionally accept plain seconds. Matching Go exactly matters: a value Argo
accepts must not be rejected here, and a value Argo treats as invalid must not start a rollout.
Arithmetic is done in integer nanoseconds, as in Go, so `1.5h` is exactly 5400 s.
"""

from __future__ import annotations

import re

_NANOS_PER_UNIT: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}
_COMPONENT = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]+)")
_MAX_NANOS = (1 << 63) - 1
_INT32_MAX = (1 << 31) - 1
_DECIMAL_INT = re.compile(r"[+-]?\d+")
PAUSE_DURATION_MESSAGE = "Duration needs to be greater than 0"


def parse_go_duration(text: str) -> float:
    """Return the duration in seconds; raise ValueError for anything Go would refuse."""
    return _parse_nanos(text) / 1_000_000_000


def _parse_nanos(text: str) -> int:
    if not isinstance(text, str):
        raise ValueError(f"invalid duration {text!r}: expected a string such as 30s, 5m or 1h30m")
    body = text
    negative = False
    if body[:1] in ("+", "-"):
        negative = body[0] == "-"
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise ValueError(f"invalid duration {text!r}: expected a string such as 30s, 5m or 1h30m")
    total = 0
    position = 0
    while position < len(body):
        match = _COMPONENT.match(body, position)
        if match is None:
            raise ValueError(f"invalid duration {text!r}: expected a number followed by a unit")
        total += _component_nanos(text, *match.groups())
        if total > _MAX_NANOS:
            raise ValueError(f"invalid duration {text!r}: too large")
        position = match.end()
    return -total if negative else total


def _component_nanos(text: str, whole: str, fraction: str | None, unit: str) -> int:
    if not whole and not fraction:
        raise ValueError(f"invalid duration {text!r}: expected a number before {unit!r}")
    scale = _NANOS_PER_UNIT.get(unit)
    if scale is None:
        known = ", ".join(k for k in _NANOS_PER_UNIT if k.isascii())
        raise ValueError(f"invalid duration {text!r}: unknown unit {unit!r} (use one of {known})")
    nanos = int(whole or "0") * scale
    if fraction:
        nanos += int(fraction) * scale // 10 ** len(fraction)
    return nanos


def parse_pause_duration(value: int | str) -> int:
    """Whole seconds of a canary pause, as Argo's `RolloutPause.DurationSeconds` computes them.

    Integers and numeric strings are seconds; other strings are Go durations truncated toward
    zero (so `1ms` is 0: resume at once, which is not the same as an indefinite pause).
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(
            f"{PAUSE_DURATION_MESSAGE}: expected whole seconds or a duration string such as "
            f"30s, 10m or 1h, got {type(value).__name__} {value!r}"
        )
    if isinstance(value, int):
        seconds = value
    elif _DECIMAL_INT.fullmatch(value):
        seconds = int(value)
    else:
        seconds = _duration_string_seconds(value)
    if seconds < 0:
        raise ValueError(f"{PAUSE_DURATION_MESSAGE}: got {value!r}")
    if seconds > _INT32_MAX:
        raise ValueError(
            f"{PAUSE_DURATION_MESSAGE}: {value!r} is out of range (at most {_INT32_MAX} s)"
        )
    return seconds


def _duration_string_seconds(value: str) -> int:
    try:
        nanos = _parse_nanos(value)
    except ValueError:
        raise ValueError(
            f"{PAUSE_DURATION_MESSAGE}: {value!r} is neither whole seconds nor a duration such as "
            "30s, 10m or 1h30m"
        ) from None
    whole = abs(nanos) // 1_000_000_000
    return -whole if nanos < 0 else whole


def format_seconds(seconds: int) -> str:
    """Compact Go-like text for whole seconds: 30 -> 30s, 600 -> 10m, 5400 -> 1h30m."""
    if seconds == 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts)
