"""`python -m adapters.fleet --hub nats://...`: run the fleet coordinator until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal

import nats

from adapters.fleet.coordinator import FleetCoordinator
from adapters.workers.controller import SystemClock


async def run(hub: str) -> None:
    nc = await nats.connect(hub, max_reconnect_attempts=-1, reconnect_time_wait=0.25)
    coordinator = FleetCoordinator(nc, SystemClock())
    await coordinator.start()
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
    asyncio.run(run(parser.parse_args().hub))


if __name__ == "__main__":
    main()
