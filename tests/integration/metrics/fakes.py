"""A local HTTP server that answers with canned vendor responses and records every request.

Provider tests talk to it over real HTTP (no mock transport), then assert both what the provider
sent (method, path, query, headers, body) and what it made of the answer.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.prometheus import serve


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    header_list: tuple[tuple[str, str], ...] = ()

    def json(self) -> Any:
        return json.loads(self.body)

    def header_count(self, name: str) -> int:
        return sum(1 for key, _ in self.header_list if key.lower() == name.lower())

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    echo_headers: bool = False


@dataclass
class FakeApi:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    replies: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    fallback: Reply = field(default_factory=lambda: Reply(status=404, body=b"no reply set"))
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def reply(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        text: str | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        echo_headers: bool = False,
    ) -> None:
        """Queue an answer for `method path` (the last one queued repeats)."""
        body = text.encode() if text is not None else json.dumps(json_body).encode()
        kind = content_type or ("text/plain" if text is not None else "application/json")
        answer = Reply(status, body, kind, headers or {}, delay, echo_headers)
        self.replies.setdefault((method.upper(), path), []).append(answer)

    def _next(self, method: str, path: str) -> Reply:
        queue = self.replies.get((method, path)) or self.replies.get(("*", path)) or []
        if not queue:
            return self.fallback
        return queue.pop(0) if len(queue) > 1 else queue[0]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = dict(request.headers)
        self.requests.append(
            Recorded(
                request.method,
                request.path,
                dict(request.query),
                headers,
                body,
                tuple(request.headers.items()),
            )
        )
        answer = self._next(request.method, request.path)
        if answer.delay:
            with suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), answer.delay)
        payload = _echo(headers) if answer.echo_headers else answer.body
        response = web.Response(status=answer.status, body=payload, headers=answer.headers)
        response.content_type = answer.content_type
        return response

    @property
    def last(self) -> Recorded:
        return self.requests[-1]


def _echo(headers: dict[str, str]) -> bytes:
    """An error body quoting the request headers where each vendor puts its error message."""
    quoted = json.dumps(headers)
    return json.dumps(
        {
            "status": "error",
            "errorType": "bad_data",
            "error": quoted,
            "message": quoted,
            "errors": [{"message": quoted}],
        }
    ).encode()


@asynccontextmanager
async def fake_api() -> AsyncIterator[FakeApi]:
    api = FakeApi()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", api.handle)
    async with serve(app) as url:
        api.url = url
        try:
            yield api
        finally:
            api.release.set()
