"""An in-memory `MetricProvider` that answers from a script, for demos and domain tests.

It behaves like the real providers where the contract says so (it never raises, it returns a
value or an error, never a verdict) and records every call so a test can check what was asked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rollouts.ports import Measurement

EXHAUSTED = "no scripted measurement left"
Responder = Callable[[Mapping[str, Any], datetime], Any]


@dataclass(frozen=True, slots=True)
class MeasureCall:
    provider: Mapping[str, Any]
    now: datetime


class StaticMetricProvider:
    """Returns the scripted measurements in order (a plain value means `Measurement(value=…)`).

    When the script runs out it repeats the last one if `repeat_last`, else it returns an Error.
    A `responder` computes the answer from the block and the time instead of a script.
    """

    def __init__(
        self,
        script: Iterable[Any] = (),
        *,
        repeat_last: bool = True,
        responder: Responder | None = None,
    ) -> None:
        self._script: deque[Measurement] = deque(_as_measurement(item) for item in script)
        self._repeat_last = repeat_last
        self._responder = responder
        self._last: Measurement | None = None
        self.calls: list[MeasureCall] = []

    def push(self, *items: Any) -> None:
        """Add answers to the end of the script."""
        self._script.extend(_as_measurement(item) for item in items)

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        self.calls.append(MeasureCall(provider, now))
        if self._responder is not None:
            return _as_measurement(self._responder(provider, now))
        if self._script:
            self._last = self._script.popleft()
            return self._last
        if self._repeat_last and self._last is not None:
            return self._last
        return Measurement(error=EXHAUSTED)


def _as_measurement(item: Any) -> Measurement:
    return item if isinstance(item, Measurement) else Measurement(value=item)
