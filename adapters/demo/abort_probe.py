"""How fast an abort takes the canary out of traffic, measured at the proxy and at the users.

Two clocks start when the abort is sent: the proxy's routing table holding 0% canary (asked of
the platform, as the traffic worker's verification does) and the last answer the load
generator got from the canary version (requests already in flight may still land there).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from adapters.demo.split import answers_from
from adapters.demo.waiting import ScenarioFailed
from adapters.local import LoadGenerator, LocalPlatform
from rollouts.ports import WeightRequest

POLL_INTERVAL = 0.002
TAIL_SECONDS = 0.3
"""How long after the switch the probe keeps looking for late canary answers."""


@dataclass
class AbortTimes:
    proxy_zero: float | None = None
    """Seconds from sending the abort to the proxy holding 0% canary."""
    last_canary_answer: float | None = None
    """Seconds from sending the abort to the last answer from the canary; None if none came."""


class AbortProbe:
    def __init__(
        self,
        platform: LocalPlatform,
        load: LoadGenerator,
        zero_weight: WeightRequest,
        canary_version: str,
    ) -> None:
        self._platform = platform
        self._load = load
        self._request = zero_weight
        self._version = canary_version
        self.times = AbortTimes()

    async def run(self, timeout: float) -> AbortTimes:
        """Start just before sending the abort; returns once the tail has been watched."""
        loop = asyncio.get_running_loop()
        sent_at = loop.time()
        answered = answers_from(self._load, self._version)
        while self.times.proxy_zero is None or loop.time() - sent_at < (
            self.times.proxy_zero + TAIL_SECONDS
        ):
            now = loop.time() - sent_at
            if self.times.proxy_zero is None and now > timeout:
                raise ScenarioFailed(
                    f"abort (timed out after {timeout:g}s)",
                    "the proxy to hold 0% canary",
                    "the proxy still sends traffic to the canary",
                )
            count = answers_from(self._load, self._version)
            if count > answered:
                answered, self.times.last_canary_answer = count, now
            if self.times.proxy_zero is None and await self._platform.verify_weight(self._request):
                self.times.proxy_zero = now
            await asyncio.sleep(POLL_INTERVAL)
        return self.times
