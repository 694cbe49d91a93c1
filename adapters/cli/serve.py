"""`rollouts serve`: everything on a laptop in one process.

The embedded NATS server, the controller and every worker, and the local platform (pods are
loopback HTTP servers, each rollout gets a weighted proxy). It prints where things are and
the proxy URL of each rollout as it appears, and runs until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from adapters.cli import session
from adapters.cli.errors import CliError
from adapters.cli.options import with_settings
from adapters.cli.processes import HTTP_PORT, LOG_FORMAT, LogFormat, run_until_signal, server_url
from adapters.local import LocalPlatform
from adapters.runtime.embedded import discover
from adapters.runtime.observability import configure_logging
from adapters.runtime.projection import Key
from adapters.runtime.settings import Settings
from adapters.workers.app import create_app
from rollouts.ports import PortError, RolloutRef
from rollouts.state import RolloutState


class ProxyAnnouncer:
    """Opens each rollout's proxy once, when its first event is seen, and prints the URL."""

    def __init__(self, platform: LocalPlatform, console: Console) -> None:
        self._platform = platform
        self._console = console
        self._seen: set[Key] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def on_event(self, key: Key, state: RolloutState) -> None:
        self.open(key)

    def open(self, key: Key) -> None:
        if key in self._seen:
            return
        self._seen.add(key)
        task = asyncio.get_running_loop().create_task(self._open(RolloutRef(*key)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open(self, ref: RolloutRef) -> None:
        try:
            url = await self._platform.open_proxy(ref)
        except PortError as exc:
            self._console.print(f"rollout {ref}: no proxy ({exc})", markup=False)
            return
        self._console.print(f"rollout {ref}: proxy {url}", markup=False)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def serve(
    settings: Settings,
    *,
    ready_delay: float,
    console: Console,
    stop: asyncio.Event,
    http_port: int | None = None,
) -> None:
    """Run the embedded system until `stop` is set; everything started is stopped again."""
    if not settings.nats.url and (running := discover(settings.data_dir)):
        raise CliError(f"a rollouts server already runs for {settings.data_dir} at {running}")
    platform = LocalPlatform(ready_delay=ready_delay)
    await platform.start()
    app = create_app(
        settings, platform=platform, router=platform, start_embedded=True, http_port=http_port
    )
    announcer = ProxyAnnouncer(platform, console)
    try:
        await app.start()
        assert app.projection is not None
        console.print(f"NATS:     {server_url(app.connection, settings)}", markup=False)
        console.print(f"data dir: {settings.data_dir}", markup=False)
        console.print(f"pod metrics: {platform.metrics_url()}", markup=False)
        if app.health is not None:
            console.print(f"controller metrics: {app.health.url}/metrics", markup=False)
        console.print("serving; press Ctrl-C to stop", markup=False)
        app.projection.on_event(announcer.on_event)
        for key in list(app.projection.states):
            announcer.open(key)
        await stop.wait()
        console.print("stopping...", markup=False)
    finally:
        await announcer.close()
        await app.stop()
        await platform.stop()
    console.print("stopped", markup=False)


@with_settings
def serve_command(
    settings: Settings,
    ready_delay: Annotated[
        float,
        typer.Option("--ready-delay", min=0, help="Seconds a local pod takes to become ready."),
    ] = 0.2,
    http_port: Annotated[int, HTTP_PORT] = 8090,
    log_format: Annotated[LogFormat, LOG_FORMAT] = LogFormat.CONSOLE,
) -> None:
    """Run the embedded server, the controller, every worker and the local platform."""
    configure_logging(json_logs=log_format is LogFormat.JSON)
    console = session.stdout_console()
    port = None if http_port < 0 else http_port
    run_until_signal(
        lambda stop: serve(
            settings, ready_delay=ready_delay, console=console, stop=stop, http_port=port
        )
    )


def register(app: typer.Typer) -> None:
    app.command(name="serve")(serve_command)
