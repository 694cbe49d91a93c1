"""`--since` and `--until` values: an ISO 8601 time, or a duration back from now.

Durations use Go's syntax as manifests do (`90m`, `1h30m`), plus `d` and `w` for days and
weeks, which post-incident questions ("the last 7d") need and Go lacks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from rollouts.durations import parse_go_duration

_LONG = re.compile(r"^(\d+)([dw])$")


class BadTime(ValueError):
    pass


def parse_time(text: str, now: datetime) -> datetime:
    """A point in time from `text`; naive times are UTC."""
    value = text.strip()
    long = _LONG.match(value)
    if long:
        days = int(long.group(1)) * (7 if long.group(2) == "w" else 1)
        return now - timedelta(days=days)
    try:
        return now - timedelta(seconds=parse_go_duration(value))
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadTime(
            f"bad time {text!r}: expected an ISO 8601 time (2026-01-01T12:00:00Z) or a "
            "duration back from now (30m, 12h, 7d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
