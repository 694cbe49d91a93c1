"""Real local HTTP servers standing in for Slack, PagerDuty, Teams and a webhook receiver.

One aiohttp application serves every API under its own prefix, checks each request against the
documented shape (`api_shapes`), verifies webhook signatures, and records every request with
the idempotency key it carried and the status it was answered with. Answers can be scripted per
delivery key: "fail the first two attempts of every notification with 500".
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from adapters.notify.services import DELIVERY_HEADER, SIGNATURE_HEADER
from tests.integration.notify import api_shapes
from tests.support.prometheus import serve


@dataclass(frozen=True)
class Hit:
    service: str
    path: str
    method: str
    headers: dict[str, str]
    body: bytes
    status: int
    key: str
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Answer:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[str, int], Answer | None]
"""(delivery key, how many times this key was seen before) -> an answer, or None for success."""


def fail_first(times: int, status: int = 500, headers: dict[str, str] | None = None) -> Script:
    def script(key: str, seen: int) -> Answer | None:
        return Answer(status, "try again", headers or {}) if seen < times else None

    return script


def always(status: int, body: str = "unavailable") -> Script:
    return lambda key, seen: Answer(status, body)


@dataclass
class Receivers:
    url: str = ""
    hmac_secret: str = ""
    delay: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    scripts: dict[str, Script] = field(default_factory=dict)
    _seen: Counter[tuple[str, str]] = field(default_factory=Counter)

    def successes(self, service: str | None = None) -> list[str]:
        return [h.key for h in self.hits if 200 <= h.status < 300 and service in (None, h.service)]

    def of(self, service: str) -> list[Hit]:
        return [h for h in self.hits if h.service == service]

    async def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.successes()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.successes())} of {count} deliveries arrived")
            await asyncio.sleep(0.02)

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/slack/api/chat.postMessage", self._handler("slack", self._slack))
        app.router.add_post("/slack/hooks/{tail:.*}", self._handler("slack-webhook", self._hook))
        app.router.add_post("/pagerduty/v2/enqueue", self._handler("pagerduty", self._pd))
        app.router.add_post("/teams/{tail:.*}", self._handler("teams", self._teams))
        app.router.add_post("/workflows/{tail:.*}", self._handler("teams-workflows", self._flow))
        app.router.add_route("*", "/webhook{tail:.*}", self._handler("webhook", self._webhook))
        return app

    def _handler(
        self, service: str, check: Callable[[web.Request, bytes], tuple[list[str], web.Response]]
    ) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            if self.delay:
                await asyncio.sleep(self.delay)
            key = request.headers.get(DELIVERY_HEADER, "")
            problems, response = check(request, body)
            self.problems += [f"{service}: {p}" for p in problems]
            script = self.scripts.get(service)
            answer = script(key, self._seen[(service, key)]) if script else None
            self._seen[(service, key)] += 1
            if answer is not None:
                response = web.Response(
                    status=answer.status, text=answer.body, headers=answer.headers
                )
            self.hits.append(
                Hit(
                    service,
                    request.path,
                    request.method,
                    dict(request.headers),
                    body,
                    response.status,
                    key,
                    time.monotonic(),
                )
            )
            return response

        return handle

    def _slack(self, request: web.Request, body: bytes) -> tuple[list[str], web.Response]:
        payload = json.loads(body)
        problems = api_shapes.slack_chat_post_message(payload, request.headers.get("Authorization"))
        answer = dict(api_shapes.fixture("slack_chat_postMessage")["response"])
        answer["channel"] = payload.get("channel")
        return problems, web.json_response(answer)

    def _hook(self, request: web.Request, body: bytes) -> tuple[list[str], web.Response]:
        return api_shapes.slack_incoming_webhook(json.loads(body)), web.Response(text="ok")

    def _pd(self, request: web.Request, body: bytes) -> tuple[list[str], web.Response]:
        payload = json.loads(body)
        answer = {**api_shapes.fixture("pagerduty_enqueue")["response"]}
        answer["dedup_key"] = payload.get("dedup_key")
        return api_shapes.pagerduty_enqueue(payload), web.json_response(answer, status=202)

    def _teams(self, request: web.Request, body: bytes) -> tuple[list[str], web.Response]:
        return api_shapes.teams_message_card(json.loads(body)), web.Response(text="1")

    def _flow(self, request: web.Request, body: bytes) -> tuple[list[str], web.Response]:
        return api_shapes.teams_adaptive_card(json.loads(body)), web.Response(status=202)

    def _webhook(self, request: web.Request, body: bytes) -> tuple[list[str], web.Response]:
        problems = []
        if self.hmac_secret:
            expected = (
                "sha256=" + hmac.new(self.hmac_secret.encode(), body, hashlib.sha256).hexdigest()
            )
            if not hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, ""), expected):
                problems.append("bad or missing signature")
                return problems, web.Response(status=401, text="bad signature")
        return problems, web.Response(text="ok")


@asynccontextmanager
async def receivers(hmac_secret: str = "") -> AsyncIterator[Receivers]:
    started = Receivers(hmac_secret=hmac_secret)
    async with serve(started.application()) as url:
        started.url = url
        yield started
