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


async def _progress(msg: Msg) -> None:
    with contextlib.suppress(Exception):  # the server may be restarting; try next period
        await msg.in_progress()


@contextlib.asynccontextmanager
async def held(msg: Msg, ack_wait: float = ACK_WAIT_SECONDS) -> AsyncIterator[None]:
    """While the block runs, keep `msg` from being redelivered (heartbeat every ack_wait/3).
    A timer handle, not a task, until the first beat is due: most handlers finish long before,
    and then it costs nothing."""
    loop = asyncio.get_running_loop()
    period = ack_wait / 3
    beats: set[asyncio.Task[None]] = set()

    def beat() -> None:
        task = loop.create_task(_progress(msg), name="in-progress")
        beats.add(task)
        task.add_done_callback(beats.discard)
        timer[0] = loop.call_later(period, beat)

    timer = [loop.call_later(period, beat)]
    try:
        yield
    finally:
        timer[0].cancel()
        if beats:
            await cancel_and_wait(list(beats))
