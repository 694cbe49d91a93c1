"""A steady stream of real HTTP requests, counted by answering version and status.

The demo drives a rollout's proxy with it so that the metrics Prometheus scrapes are real
traffic. Requests leave at a fixed pace (not one after another), so a slow version does not
slow the offered load, as with real users; in-flight requests are capped all the same. Every
run is bounded in time and count, and stops by itself.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from types import TracebackType

import httpx

NO_VERSION = "-"
"""Version recorded for an answer without `X-Version` (the proxy's own 503) or no answer."""


class LoadGenerator:
    def __init__(
        self,
        url: str,
        rps: float,
        headers: Mapping[str, str] | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        duration: float = 3600.0,
        max_requests: int | None = None,
        max_in_flight: int = 64,
        timeout: float = 10.0,
    ) -> None:
        if rps <= 0 or duration <= 0 or max_in_flight <= 0:
            raise ValueError("rps, duration and max_in_flight must be positive")
        self.url = url
        self.rps = rps
        self.headers = dict(headers or {})
        self.duration = duration
        self.max_requests = max_requests
        self.counts: Counter[tuple[str, int]] = Counter()
        """(X-Version, status) -> answers; status 0 when no HTTP answer came (refused, timeout)."""
        self.sent = 0
        self._client = client
        self._owns_client = client is None
        self._timeout = timeout
        self._slots = asyncio.Semaphore(max_in_flight)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._pacer: asyncio.Task[None] | None = None

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    def by_version(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for (version, _), count in self.counts.items():
            totals[version] += count
        return totals

    def by_status(self) -> Counter[int]:
        totals: Counter[int] = Counter()
        for (_, status), count in self.counts.items():
            totals[status] += count
        return totals

    async def start(self) -> None:
        if self._pacer is not None:
            return
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, trust_env=False)
        self._pacer = asyncio.create_task(self._pace(self._client), name=f"load on {self.url}")

    async def wait(self) -> None:
        """Until the run reaches its duration or request count and every answer is in."""
        if self._pacer is not None:
            await asyncio.shield(self._pacer)

    async def stop(self) -> None:
        pacer, self._pacer = self._pacer, None
        if pacer is not None:
            pacer.cancel()
            await asyncio.gather(pacer, return_exceptions=True)
        tasks = list(self._in_flight)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    async def __aenter__(self) -> LoadGenerator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _pace(self, client: httpx.AsyncClient) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        interval = 1.0 / self.rps
        while self.max_requests is None or self.sent < self.max_requests:
            due = began + self.sent * interval
            if due - began >= self.duration:
                break
            await asyncio.sleep(max(0.0, due - loop.time()))
            await self._slots.acquire()
            self.sent += 1
            task = asyncio.create_task(self._one(client), name=f"request {self.sent} to {self.url}")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def _one(self, client: httpx.AsyncClient) -> None:
        try:
            response = await client.get(self.url, headers=self.headers)
        except httpx.HTTPError:
            self.counts[(NO_VERSION, 0)] += 1
        else:
            self.counts[(response.headers.get("X-Version", NO_VERSION), response.status_code)] += 1
        finally:
            self._slots.release()
