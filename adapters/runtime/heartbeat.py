"""Short acknowledgement waits, kept open by heartbeats while a message is being handled.

A JetStream consumer cannot tell a slow subscriber from a dead one: a message delivered to a
process that is then SIGKILLed stays "pending" until its `ack_wait` runs out, and only then is
it delivered to anyone else. With a 30 s wait, a controller killed with twenty inputs in hand
froze those rollouts for 30 s, and a successor killed in turn before it finished them froze
them for another 30 s: under repeated kills they looked stuck for good.

So consumers use a short `ack_wait` (`ACK_WAIT_SECONDS`) and a handler that takes longer tells
the server it is alive (`+WPI`, `Msg.in_progress`) every third of it. A dead holder's messages
come back within seconds; a live one's never do. A heartbeat that is missed (a stalled event
loop) only causes a redelivery, which every handler already treats as a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from nats.aio.msg import Msg

from adapters.runtime.tasks import cancel_and_wait

ACK_WAIT_SECONDS = 5.0
"""How long a message may go unacknowledged, and unheartbeaten, before it is redelivered."""


async def _beat(msg: Msg, period: float) -> None:
    while True:
        await asyncio.sleep(period)
        with contextlib.suppress(Exception):  # the server may be restarting; try next period
            await msg.in_progress()


@contextlib.asynccontextmanager
async def held(msg: Msg, ack_wait: float = ACK_WAIT_SECONDS) -> AsyncIterator[None]:
    """While the block runs, keep `msg` from being redelivered (heartbeat every ack_wait/3)."""
    task = asyncio.create_task(_beat(msg, ack_wait / 3), name="in-progress")
    try:
        yield
    finally:
        await cancel_and_wait(task)
