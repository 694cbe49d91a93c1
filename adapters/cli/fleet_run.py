"""The long-running fleet processes and the demo: `rollouts fleet coordinator|relay|demo`."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import nats
import typer

from adapters.cli import session


def coordinator_command(
    hub: Annotated[
        str, typer.Option("--hub", envvar="ROLLOUTS_FLEET_HUB", help="NATS URL of the hub.")
    ] = "nats://127.0.0.1:4222",
    http_port: Annotated[
        int | None, typer.Option("--http-port", help="Serve /metrics (Prometheus) here.")
    ] = None,
) -> None:
    """Run the fleet coordinator on the hub (one is enough; a second one is safe)."""
    from adapters.fleet.__main__ import run

    asyncio.run(run(hub, http_port))


async def _relay(url: str, cluster: str) -> None:
    from adapters.fleet.relay import InboxRelay

    nc = await nats.connect(url, max_reconnect_attempts=-1)
    relay = InboxRelay(nc, cluster)
    await relay.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await relay.stop()
        await nc.close()


def relay_command(
    cluster: Annotated[str, typer.Option("--cluster", help="This cluster's name (its domain).")],
    nats_url: Annotated[
        str, typer.Option("--nats-url", envvar="ROLLOUTS_NATS_URL", help="This cluster's NATS.")
    ] = "nats://127.0.0.1:4222",
) -> None:
    """Run in each cluster next to its controller: moves fleet commands into its inputs."""
    asyncio.run(_relay(nats_url, cluster))


def demo_command() -> None:
    """A hub and four regional NATS servers on loopback, a good and a bad fleet revision."""
    from adapters.fleet.demo import run_demo

    raise typer.Exit(run_demo(session.stdout_console()))


def register(fleet_app: typer.Typer) -> None:
    fleet_app.command("coordinator")(coordinator_command)
    fleet_app.command("relay")(relay_command)
    fleet_app.command("demo")(demo_command)
