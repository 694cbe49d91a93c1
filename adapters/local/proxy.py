"""The per-rollout proxy: the single URL a person (or a load generator) sends traffic to.

It asks the rollout's routing table where a request goes, picks a ready pod of that ReplicaSet
round-robin, forwards the request and relays the answer with `X-Rollout-Pod` (who answered) and
`X-Rollout-Route` (why). Mirror copies are fire-and-forget tasks that `stop()` cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

import aiohttp
from aiohttp import web

from adapters.local.pods import Pod
from adapters.local.servers import LoopbackServer
from adapters.local.traffic import Destination, RolloutTraffic
from rollouts.ports import RolloutRef

POD_HEADER = "X-Rollout-Pod"
ROUTE_HEADER = "X-Rollout-Route"
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
    }
)

PodSource = Callable[[tuple[str, ...] | None], list[Pod]]


class RolloutProxy:
    def __init__(
        self,
        rollout: RolloutRef,
        traffic: RolloutTraffic,
        pods: PodSource,
        session: aiohttp.ClientSession,
        timeout: float,
    ) -> None:
        self.rollout = rollout
        self._traffic = traffic
        self._pods = pods
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._cursors: dict[object, int] = {}
        self._mirrors: set[asyncio.Task[None]] = set()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = LoopbackServer(app, f"proxy of {rollout}")

    @property
    def url(self) -> str:
        return self._server.url

    async def start(self) -> None:
        await self._server.start()

    async def stop(self) -> None:
        await self._server.stop()
        mirrors = list(self._mirrors)
        for task in mirrors:
            task.cancel()
        await asyncio.gather(*mirrors, return_exceptions=True)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        destination = self._traffic.choose(request.method, request.path, request.headers)
        pod = self._next_pod(destination.hashes, destination.hashes)
        if pod is None:
            return _unavailable(self.rollout, destination)
        if destination.mirror_to is not None:
            self._mirror(destination.mirror_to, request, body)
        return await self._forward(pod, request, body, destination.via)

    def _next_pod(self, hashes: tuple[str, ...] | None, cursor_key: object) -> Pod | None:
        """Round-robin over the ready pods, one cursor per destination so splits stay even."""
        pods = self._pods(hashes)
        if not pods:
            return None
        index = self._cursors.get(cursor_key, 0)
        self._cursors[cursor_key] = index + 1
        return pods[index % len(pods)]

    async def _forward(self, pod: Pod, request: web.Request, body: bytes, via: str) -> web.Response:
        trace = {POD_HEADER: pod.name, ROUTE_HEADER: via}
        try:
            async with self._session.request(
                request.method,
                pod.url + request.path_qs,
                headers=_forwardable(request.headers),
                data=body,
                allow_redirects=False,
                timeout=self._timeout,
            ) as upstream:
                payload = await upstream.read()
                headers = _forwardable(upstream.headers)
        except (aiohttp.ClientError, TimeoutError) as error:
            message = f"pod {pod.name} did not answer: {error or type(error).__name__}"
            return web.json_response({"error": message}, status=502, headers=trace)
        headers.update(trace)
        return web.Response(status=upstream.status, body=payload, headers=headers)

    def _mirror(self, canary_hash: str, request: web.Request, body: bytes) -> None:
        pod = self._next_pod((canary_hash,), ("mirror", canary_hash))
        if pod is None:
            return
        headers = _forwardable(request.headers)
        copy = self._send_copy(pod, request.method, request.path_qs, headers, body)
        task = asyncio.create_task(copy, name=f"mirror to {pod.name}")
        self._mirrors.add(task)
        task.add_done_callback(self._mirrors.discard)

    async def _send_copy(
        self, pod: Pod, method: str, path_qs: str, headers: dict[str, str], body: bytes
    ) -> None:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self._session.request(
                method,
                pod.url + path_qs,
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=self._timeout,
            ) as answer:
                await answer.read()


def _forwardable(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in _NOT_FORWARDED}


def _unavailable(rollout: RolloutRef, destination: Destination) -> web.Response:
    if destination.hashes == ():
        reason = "every traffic weight is 0"
    else:
        where = "any ReplicaSet" if destination.hashes is None else ", ".join(destination.hashes)
        reason = f"no ready pod in {where}"
    message = f"rollout {rollout} cannot serve this request ({destination.via}): {reason}"
    return web.json_response({"error": message}, status=503)
