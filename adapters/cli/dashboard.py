"""`rollouts dashboard [--port 3100]`: the live web page, served from this process.

Like `get` it reads the stream, so it works against the embedded server of a `rollouts serve`
(the default, found through --data-dir) or any --nats-url; its buttons need a controller, as
the CLI's commands do. It serves until Ctrl-C or SIGTERM. The page and its API are in
`adapters.cli.web`; this module only parses the options and runs the server.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from aiohttp import web

from adapters.cli import session
from adapters.cli.errors import Unavailable
from adapters.cli.options import with_settings
from adapters.cli.processes import run_until_signal
from adapters.cli.web.app import create_dashboard_app
from adapters.runtime.settings import Settings

DEFAULT_PORT = 3100


async def serve_dashboard(
    settings: Settings,
    stop: asyncio.Event,
    *,
    address: str,
    port: int,
    all_namespaces: bool = False,
) -> None:
    async with session.open_client(settings) as client:
        app = create_dashboard_app(settings, client, all_namespaces=all_namespaces)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, address, port)
            try:
                await site.start()
            except OSError as exc:
                raise Unavailable(
                    f"--port: cannot listen on {address}:{port}: {exc.strerror}"
                ) from None
            bound = runner.addresses[0][1] if runner.addresses else port
            where = "every namespace" if all_namespaces else f"namespace {settings.namespace}"
            session.stdout_console().print(
                f"dashboard on http://{address}:{bound}/ ({where}); Ctrl-C to stop", markup=False
            )
            await stop.wait()
        finally:
            await runner.cleanup()


@with_settings
def dashboard_command(
    settings: Settings,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to serve on (0: any free port).")
    ] = DEFAULT_PORT,
    address: Annotated[
        str, typer.Option("--address", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    all_namespaces: Annotated[
        bool, typer.Option("-A", "--all-namespaces", help="Show rollouts of every namespace.")
    ] = False,
) -> None:
    """Serve a live web dashboard of the rollouts: tree, steps, analysis, history, actions."""
    run_until_signal(
        lambda stop: serve_dashboard(
            settings, stop, address=address, port=port, all_namespaces=all_namespaces
        )
    )


def register(app: typer.Typer) -> None:
    app.command(name="dashboard")(dashboard_command)
