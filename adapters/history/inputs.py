"""The inputs behind a rollout's events, read back from the ROLLOUT_INPUTS stream.

The stream keeps inputs for a week (limits retention, not a work queue), with the input id as
`Nats-Msg-Id`. One rollout's inputs are read with batched direct gets on its subject (no
consumer is created), and only the inputs some event names as its cause are decoded. A failed
read is not an error for the audit: it falls back to what the events tell.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection
from datetime import datetime

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from adapters.history.causes import RecordedInput
from events.input_codec import MalformedInput, decode_input
from events.jetstream import INPUTS_STREAM
from events.subjects import stored_input_filter

PAGE = 1000


class InputsUnavailable(RuntimeError):
    """The inputs stream could not be read."""


async def _page(
    nc: Client, stream: str, subject: str, start: int, timeout: float
) -> tuple[list[Msg], int]:
    """One page of messages from `start`, and how many more match after it."""
    received: list[Msg] = []
    done: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

    async def collect(msg: Msg) -> None:
        headers = msg.headers or {}
        if "Status" not in headers:
            received.append(msg)
        elif not done.done():
            done.set_result(headers)

    inbox = nc.new_inbox()
    request = {"seq": start, "next_by_subj": subject, "batch": PAGE}
    subscription = await nc.subscribe(inbox, cb=collect)
    try:
        await nc.publish(f"$JS.API.DIRECT.GET.{stream}", json.dumps(request).encode(), reply=inbox)
        end = await asyncio.wait_for(done, timeout)
    except TimeoutError:
        raise InputsUnavailable(f"stream {stream} did not answer a direct get") from None
    finally:
        await subscription.unsubscribe()
    if end["Status"] not in ("204", "404"):
        raise InputsUnavailable(f"direct get on {stream} failed: {end}")
    return received, int(end.get("Nats-Num-Pending", "0"))


def _recorded(msg: Msg) -> RecordedInput | None:
    try:
        item = decode_input(msg.headers, msg.data)
    except MalformedInput:
        return None
    published = (msg.headers or {}).get("ce-time")
    try:
        moment = datetime.fromisoformat(published) if published else None
    except ValueError:
        moment = None
    return RecordedInput(item, moment)


async def recorded_inputs(
    js: JetStreamContext,
    namespace: str,
    name: str,
    wanted: Collection[str],
    *,
    stream: str = INPUTS_STREAM,
    timeout: float = 5.0,
) -> dict[str, RecordedInput]:
    """The recorded inputs of one rollout whose ids are in `wanted`, by input id."""
    nc: Client = js._nc
    subject = stored_input_filter(namespace, name)  # stored as rollouts.in.<p>.<ns>.<name>
    found: dict[str, RecordedInput] = {}
    start = 1
    while True:
        messages, pending = await _page(nc, stream, subject, start, timeout)
        for msg in messages:
            input_id = (msg.headers or {}).get("Nats-Msg-Id", "")
            if input_id in wanted and input_id not in found:
                recorded = _recorded(msg)
                if recorded is not None:
                    found[input_id] = recorded
        if not messages or not pending:
            return found
        start = int((messages[-1].headers or {})["Nats-Sequence"]) + 1
