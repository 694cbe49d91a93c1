"""`python -m adapters.fleet --hub nats://...`: run the fleet coordinator until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal

import nats
from prometheus_client import start_http_server

from adapters.fleet.coordinator import FleetCoordinator
from adapters.workers.controller import SystemClock


async def run(hub: str, http_port: int | None = None) -> None:
    """Run the coordinator (and /metrics on `http_port`) until SIGTERM or SIGINT."""
    nc = await nats.connect(hub, max_reconnect_attempts=-1, reconnect_time_wait=0.25)
    coordinator = FleetCoordinator(nc, SystemClock())
    await coordinator.start()
    if http_port is not None:
        start_http_server(http_port, registry=coordinator.metrics.registry)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("fleet coordinator ready", flush=True)
    try:
        await stop.wait()
    finally:
        await coordinator.stop()
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m adapters.fleet")
    parser.add_argument("--hub", required=True, help="NATS URL of the fleet hub")
    parser.add_argument("--http-port", type=int, default=None, help="serve /metrics here")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.hub, arguments.http_port))


if __name__ == "__main__":
    main()
