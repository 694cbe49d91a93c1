"""The dashboard's composition root: an aiohttp application over one `RolloutsClient`.

aiohttp is what the project already serves HTTP with (`/metrics`, `/healthz`). Nothing here
connects on import or on creation: the live board subscribes when the application starts.

Routes: `/` and `/static/*` (the page, from package data), `/api/rollouts` (every line),
`/api/rollouts/{ns}/{name}?at=SEQ` (one rollout as of an event), `/api/events` (server-sent
events: a snapshot, then one update per appended event) and
`POST /api/rollouts/{ns}/{name}/{action}` (a button; refusals answer with the CLI's message).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from adapters.cli.errors import Exit, RolloutNotFound, explain
from adapters.cli.replay import parse_point
from adapters.cli.web.commands import run_action
from adapters.cli.web.documents import detail
from adapters.cli.web.live import Board
from adapters.runtime.client import RolloutsClient
from adapters.runtime.settings import Settings

STATIC = Path(__file__).parent / "static"
KEEPALIVE = 15.0
HTTP_STATUS = {
    Exit.OK: 200,
    Exit.FAILED: 409,
    Exit.USAGE: 400,
    Exit.NOT_FOUND: 404,
    Exit.UNAVAILABLE: 503,
}
BOARD = web.AppKey("board", Board)
CLIENT = web.AppKey("client", RolloutsClient)


def _json(document: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(document, status=status)


def _failure(exc: Exception) -> web.Response:
    """The CLI's one-line message with the HTTP status of its exit code; a bug still raises."""
    failure = explain(exc)
    if failure is None:
        raise exc
    return _json({"error": str(failure)}, HTTP_STATUS.get(Exit(failure.exit_code), 500))


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def rollouts(request: web.Request) -> web.Response:
    return _json({"rollouts": await request.app[BOARD].summaries()})


async def rollout(request: web.Request) -> web.Response:
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    try:
        point = parse_point(request.query.get("at"))
        history = await request.app[CLIENT].history(namespace, name)
        if not history:
            raise RolloutNotFound(namespace, name)
        return _json(detail(namespace, name, history, point))
    except Exception as exc:
        return _failure(exc)


async def action(request: web.Request) -> web.Response:
    info = request.match_info
    answer = await run_action(request.app[CLIENT], info["namespace"], info["name"], info["verb"])
    status = HTTP_STATUS.get(Exit(answer.exit_code), 500)
    return _json({"ok": answer.ok, "message": answer.message}, status)


async def updates(request: web.Request) -> web.StreamResponse:
    """Server-sent events: `{"snapshot": [...]}` first, then `{"rollout": ..., "seq": ...}`."""
    board = request.app[BOARD]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    queue = board.watch()
    try:
        await _send(response, {"snapshot": await board.summaries()})
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE):
                    update = await queue.get()
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            await _send(response, update)
            if "reconnect" in update or "closing" in update:
                break
    except ConnectionResetError:
        pass  # the page went away
    finally:
        board.unwatch(queue)
    return response


async def _send(response: web.StreamResponse, document: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(document)}\n\n".encode())


def create_dashboard_app(
    settings: Settings, client: RolloutsClient, *, all_namespaces: bool = False
) -> web.Application:
    """The application; the board starts with it and the open pages are ended on shutdown."""
    app = web.Application()
    board = Board(client, None if all_namespaces else settings.namespace)
    app[BOARD], app[CLIENT] = board, client

    async def start(_: web.Application) -> None:
        await board.start()

    async def shutdown(_: web.Application) -> None:
        board.close_pages()
        await board.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(shutdown)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/rollouts", rollouts)
    app.router.add_get("/api/rollouts/{namespace}/{name}", rollout)
    app.router.add_post("/api/rollouts/{namespace}/{name}/{verb}", action)
    app.router.add_get("/api/events", updates)
    return app
