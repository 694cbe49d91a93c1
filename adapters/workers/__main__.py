"""`python -m adapters.workers controller [traffic scaler timer] --nats-url URL`

Runs the named workers until SIGINT/SIGTERM. Used by `rollouts worker` and by the fault tests,
which kill this process with SIGKILL at random moments and start it again.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence

from adapters.runtime.observability import configure_logging
from adapters.runtime.settings import settings_from_env
from adapters.workers.app import ALL_WORKERS, AppFailed, create_app


async def serve_workers(
    workers: Sequence[str], *, nats_url: str | None, data_dir: str | None = None
) -> None:
    configure_logging(json_logs=True)
    settings = settings_from_env(nats_url=nats_url, data_dir=data_dir)
    app = create_app(settings, workers=workers, start_embedded=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    print("ready", flush=True)
    try:
        await app.run_until(stop)
    finally:
        await app.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.workers")
    parser.add_argument("workers", nargs="+", choices=ALL_WORKERS)
    parser.add_argument("--nats-url", default=None)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve_workers(args.workers, nats_url=args.nats_url, data_dir=args.data_dir))
    except AppFailed as failure:
        print(f"error: stopped: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
