"""Recent request statistics of the local pods, as JSON: what an analysis `web` metric reads.

`GET <metrics endpoint>/stats?service=<rollout>&version=<label>&hash=<pod-template-hash>&window=10s`
answers `{"requests": n, "errors": n, "errorRate": x, "p99": s, "window": "10s"}` over the
requests answered in the last `window` (a Go duration, at most 5 minutes) by the pods matching
every filter given. Errors are 5xx answers; `errorRate` and `p99` (seconds) are null when no
request matched, so a condition such as `result < 0.05` cannot pass on no traffic at all.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from rollouts.durations import parse_go_duration

MAX_WINDOW_SECONDS = 300.0
MAX_KEPT = 200_000
DEFAULT_WINDOW = "10s"


@dataclass(frozen=True, slots=True)
class Answer:
    at: float
    service: str
    version: str
    pod_template_hash: str
    status: int
    seconds: float


class RecentRequests:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._answers: deque[Answer] = deque(maxlen=MAX_KEPT)

    def record(
        self, service: str, version: str, pod_template_hash: str, status: int, seconds: float
    ) -> None:
        now = self._clock()
        self._answers.append(Answer(now, service, version, pod_template_hash, status, seconds))
        self._forget_before(now - MAX_WINDOW_SECONDS)

    def _forget_before(self, moment: float) -> None:
        while self._answers and self._answers[0].at < moment:
            self._answers.popleft()

    def stats(
        self, *, window: float, service: str = "", version: str = "", pod_template_hash: str = ""
    ) -> dict[str, Any]:
        since = self._clock() - window
        matched = [
            answer
            for answer in self._answers
            if answer.at >= since
            and (not service or answer.service == service)
            and (not version or answer.version == version)
            and (not pod_template_hash or answer.pod_template_hash == pod_template_hash)
        ]
        errors = sum(1 for answer in matched if answer.status >= 500)
        return {
            "requests": len(matched),
            "errors": errors,
            "errorRate": errors / len(matched) if matched else None,
            "p99": _percentile([answer.seconds for answer in matched], 0.99),
        }


def _percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def stats_handler(recent: RecentRequests) -> Callable[[web.Request], Any]:
    async def serve(request: web.Request) -> web.Response:
        query = request.query
        window_text = query.get("window", DEFAULT_WINDOW)
        try:
            window = parse_go_duration(window_text)
        except ValueError as error:
            return web.json_response({"error": str(error)}, status=400)
        if not 0 < window <= MAX_WINDOW_SECONDS:
            message = f"window must be more than 0 and at most {MAX_WINDOW_SECONDS:g}s"
            return web.json_response({"error": message}, status=400)
        body = recent.stats(
            window=window,
            service=query.get("service", ""),
            version=query.get("version", ""),
            pod_template_hash=query.get("hash", ""),
        )
        return web.json_response({**body, "window": window_text})

    return serve
