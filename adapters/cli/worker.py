"""`rollouts worker controller|traffic|scaler|timer ...`: run some workers on their own.

For splitting the system over processes that share one NATS server (given with --nats-url, or
the one `rollouts serve` runs for --data-dir). The controller and the timer need nothing else;
traffic and scaler drive the in-process local platform until the Kubernetes platform lands.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from adapters.cli import session
from adapters.cli.options import with_settings
from adapters.cli.processes import HTTP_PORT, LOG_FORMAT, LogFormat, run_until_signal, server_url
from adapters.local import LocalPlatform
from adapters.runtime.observability import configure_logging
from adapters.runtime.settings import Settings
from adapters.workers.app import create_app

PLATFORM_NOTE = (
    "note: traffic and scaler drive the in-process local platform for now "
    "(the Kubernetes platform arrives in a later version)"
)


class WorkerName(StrEnum):
    CONTROLLER = "controller"
    TRAFFIC = "traffic"
    SCALER = "scaler"
    TIMER = "timer"


async def run_workers(
    settings: Settings,
    names: list[WorkerName],
    *,
    ready_delay: float,
    console: Console,
    stop: asyncio.Event,
    http_port: int | None = None,
) -> None:
    workers = tuple(dict.fromkeys(name.value for name in names))
    platform = None
    if {"traffic", "scaler"} & set(workers):
        console.print(PLATFORM_NOTE, markup=False)
        platform = LocalPlatform(ready_delay=ready_delay)
        await platform.start()
    app = create_app(
        settings,
        workers=workers,
        platform=platform,
        router=platform,
        start_embedded=False,
        http_port=http_port,
    )
    try:
        await app.start()
        url = server_url(app.connection, settings)
        console.print(f"workers {', '.join(workers)} running on {url}", markup=False)
        await stop.wait()
    finally:
        await app.stop()
        if platform is not None:
            await platform.stop()
    console.print("stopped", markup=False)


@with_settings
def worker_command(
    settings: Settings,
    names: Annotated[list[WorkerName], typer.Argument(metavar="WORKER...", help="Workers to run.")],
    ready_delay: Annotated[
        float,
        typer.Option("--ready-delay", min=0, help="Seconds a local pod takes to become ready."),
    ] = 0.2,
    http_port: Annotated[int, HTTP_PORT] = 8090,
    log_format: Annotated[LogFormat, LOG_FORMAT] = LogFormat.CONSOLE,
) -> None:
    """Run the listed workers against a running server (--nats-url or `rollouts serve`)."""
    configure_logging(json_logs=log_format is LogFormat.JSON)
    console = session.stdout_console()
    port = None if http_port < 0 else http_port
    run_until_signal(
        lambda stop: run_workers(
            settings, names, ready_delay=ready_delay, console=console, stop=stop, http_port=port
        )
    )


def register(app: typer.Typer) -> None:
    app.command(name="worker")(worker_command)
