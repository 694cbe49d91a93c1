"""Prometheus `rangeQuery.start/end`: Argo's time expressions, the safe subset.

Argo evaluates these with expr-lang (`now() - duration("5m")`). Only three forms are accepted here:
`now()`, `now() - duration("…")` and `now() + duration("…")`, with a Go duration inside; anything
else is refused with a message saying what is allowed. Nothing is ever passed to `eval`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from rollouts.durations import parse_go_duration

_TIME_EXPRESSION = re.compile(
    r"""\s*now\(\s*\)\s*
        (?:(?P<sign>[+-])\s*duration\(\s*(?P<quote>["'`])(?P<duration>[^"'`]*)(?P=quote)\s*\))?
        \s*""",
    re.VERBOSE,
)
ALLOWED_FORMS = 'now(), now() - duration("5m") or now() + duration("5m")'


def evaluate_time(expression: str, now: datetime) -> datetime:
    """The time `expression` denotes when the current time is `now`; ValueError otherwise."""
    match = _TIME_EXPRESSION.fullmatch(expression)
    if match is None:
        raise ValueError(f"unsupported time expression {expression!r}: use {ALLOWED_FORMS}")
    if match["sign"] is None:
        return now
    offset = timedelta(seconds=parse_go_duration(match["duration"]))
    return now - offset if match["sign"] == "-" else now + offset
