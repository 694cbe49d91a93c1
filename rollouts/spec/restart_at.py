"""`spec.restartAt`: an RFC 3339 time, read and written the way Kubernetes' metav1.Time is.

Go parses it with `time.RFC3339` (a `T`, seconds, optional fractions, and a zone: `Z` or an
offset) and writes it back in UTC with whole seconds, so the controller compares what the API
server would store: fractions are dropped and the time is held in UTC. A time without a zone
is refused rather than guessed (it means a different instant on every machine).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|z|[+-]\d{2}:\d{2})")
EXAMPLE = "2026-01-02T15:04:05Z"


def whole_seconds_utc(moment: datetime) -> datetime:
    """What metav1.Time keeps of a time: UTC, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0)


def rfc3339(moment: datetime) -> str:
    """The text metav1.Time writes: `2026-01-02T15:04:05Z`."""
    return whole_seconds_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _problem(value: Any) -> PydanticCustomError:
    return PydanticCustomError(
        "rfc3339",
        "must be an RFC 3339 time with a zone, such as {example}, got {value}",
        {"example": EXAMPLE, "value": repr(value)[:60]},
    )


def parse_rfc3339(value: Any) -> datetime:
    """A time from its RFC 3339 text (or an aware datetime), in UTC with whole seconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _problem(value.isoformat())
        return whole_seconds_utc(value)
    if not isinstance(value, str):
        raise _problem(value)
    match = _RFC3339.fullmatch(value.strip())
    if match is None:
        raise _problem(value)
    day, clock, zone = match.groups()
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        return whole_seconds_utc(datetime.fromisoformat(f"{day}T{clock}{zone}"))
    except ValueError:
        raise _problem(value) from None


RestartTime = Annotated[
    datetime,
    BeforeValidator(parse_rfc3339),
    PlainSerializer(rfc3339, return_type=str, when_used="json"),
]
"""The type of `spec.restartAt` (and of the restart inputs that carry one)."""
