"""`python -m tests.integration.runtime.crashing_worker timer --nats-url URL`: the real worker
process (`python -m adapters.workers`) with an injected fault, for the supervision test.

The timer's loop raises every time it runs, and the supervision policy gives up after one
restart, so the process must log the death with its traceback and exit non-zero.
"""

from __future__ import annotations

import functools
import sys

import adapters.workers.__main__ as entry
from adapters.runtime.supervisor import Policy
from adapters.workers.timer import TimerWorker


async def broken_loop(self: TimerWorker) -> None:
    raise RuntimeError("injected fault in the timer loop")


if __name__ == "__main__":
    TimerWorker._run = broken_loop  # type: ignore[method-assign]
    policy = Policy(restart=True, max_restarts=1, backoff=0.1)
    entry.create_app = functools.partial(entry.create_app, supervision=policy)  # type: ignore[attr-defined]
    sys.exit(entry.main(sys.argv[1:]))
