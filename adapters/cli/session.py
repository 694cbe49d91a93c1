"""What every command shares: the consoles, the event loop, and a client for the duration.

Commands call `session.open_client(...)` through the module (not a from-import) so tests can
replace it with an in-memory client and run a command with no server. The client connects as
the `cli` identity and stamps every command with its actor: the OS user (or ROLLOUTS_ACTOR)
and the NATS user the server authenticated, `alice@cli`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TextIO, TypeVar

from rich.console import Console

from adapters.cli.errors import NotFound, RolloutNotFound, Unavailable
from adapters.runtime.client import RolloutsClient, command_actor
from adapters.runtime.connect import ServerUnreachable, connect, probe
from adapters.runtime.settings import Settings
from events.store import StoredEvent
from rollouts.state import RolloutState

T = TypeVar("T")
PIPE_WIDTH = 200
"""Output to a pipe or file is not wrapped at 80 columns, so scripts and tests see whole lines."""
CONNECT_TIMEOUT = 5.0


def _width(stream: TextIO) -> int | None:
    if os.environ.get("COLUMNS") or stream.isatty():
        return None
    return PIPE_WIDTH


def stdout_console() -> Console:
    return Console(highlight=False, emoji=False, width=_width(sys.stdout))


def stderr_console() -> Console:
    """Errors and warnings; off a terminal a message stays one line (no wrap), for grep and logs."""
    piped = _width(sys.stderr) is not None
    return Console(
        stderr=True, highlight=False, emoji=False, width=_width(sys.stderr), soft_wrap=piped
    )


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


@contextlib.asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[RolloutsClient]:
    if settings.nats.url:
        try:
            await probe(settings.nats.url, CONNECT_TIMEOUT)
        except ServerUnreachable as unreachable:
            raise Unavailable(str(unreachable)) from None
    connection = await connect(settings, identity="cli")
    try:
        yield RolloutsClient(connection, actor=command_actor(settings.actor, connection.user))
    finally:
        await connection.close()


async def require_state(client: RolloutsClient, namespace: str, name: str) -> RolloutState:
    state = await client.state(namespace, name)
    if state is None:
        raise RolloutNotFound(namespace, name)
    refuse_deleted(state)
    return state


def refuse_deleted(state: RolloutState) -> None:
    """A deleted rollout is gone, as a deleted object is for kubectl (exit 3), but says so."""
    if state.deleted and state.deleted_at is not None:
        when = state.deleted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        raise NotFound(
            f"rollout {state.key} not found: deleted at {when} "
            f"(its history: rollouts events {state.name})"
        )


@contextlib.contextmanager
def waiting(console: Console, message: str) -> Iterator[None]:
    """A spinner while something slow happens, on a terminal only (pipes stay clean)."""
    if console.is_terminal:
        with console.status(message):
            yield
    else:
        yield


async def follow_with_ticks(
    client: RolloutsClient, namespace: str, name: str, *, after: int, every: float = 1.0
) -> AsyncIterator[StoredEvent | None]:
    """New events of one rollout as they come, and None every `every` seconds of quiet.

    The subscription is drained by its own task: cancelling a wait on it directly would close
    the subscription's generator.
    """
    queue: asyncio.Queue[StoredEvent] = asyncio.Queue()

    async def pump() -> None:
        async for stored in client.follow(namespace, name, after=after):
            await queue.put(stored)

    task = asyncio.create_task(pump(), name=f"follow {namespace}/{name}")
    try:
        while True:
            if task.done() and queue.empty():
                task.result()  # the subscription ended: re-raise its error, if any
                return
            try:  # not wait_for: on 3.11 a Ctrl-C landing as it times out became a timeout
                async with asyncio.timeout(every):
                    stored = await queue.get()
            except TimeoutError:
                yield None
            else:
                yield stored
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def load_history(client: RolloutsClient, namespace: str, name: str) -> list[StoredEvent]:
    history = await client.history(namespace, name)
    if not history:
        raise RolloutNotFound(namespace, name)
    return history
