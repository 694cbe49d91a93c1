"""Print aborted rollouts as they happen: `python examples/subscriber.py [NATS_URL]`.
A durable consumer keeps its place across restarts; delivery is at least once (dedup on id).
"""

import asyncio
import sys

import nats
from nats.js.api import DeliverPolicy

from events.codec import DEFAULT_CODEC
from events.models import RolloutAborted
from events.subjects import event_type_filter


async def main(url: str) -> None:
    js = (await nats.connect(url)).jetstream()
    subject = event_type_filter("RolloutAborted")  # rollouts.evt.*.*.RolloutAborted
    sub = await js.subscribe(subject, durable="print-aborts", deliver_policy=DeliverPolicy.NEW)
    print(f"listening on {subject}", flush=True)
    async for msg in sub.messages:
        envelope, event = DEFAULT_CODEC.decode(msg.headers, msg.data)
        if isinstance(event, RolloutAborted):
            print(f"{envelope.subject} revision {event.revision}: {event.message}", flush=True)
        await msg.ack()


asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "nats://127.0.0.1:4222"))
