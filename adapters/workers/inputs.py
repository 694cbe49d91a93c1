"""The controller's input handler: one message of `rollouts.in.<ns>.<name>`, decided.

A message that does not decode is terminated (redelivering it would not make it readable) and
answered as `invalid`; any other is decided by the controller and acknowledged. A client that
asked for the outcome (the reply-to header) gets it either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

from adapters.history.fences import FenceWatch
from adapters.workers.controller import Controller
from events.input_codec import H_REPLY_TO, InputOutcome, MalformedInput, decode_input

log = structlog.get_logger("rollouts.app")

InputHandler = Callable[[str, str, Msg], Awaitable[None]]


def input_handler(controller: Controller, nc: Client) -> InputHandler:
    fences = FenceWatch(nc)  # rollouts being imported: decided once their history is whole

    async def on_input(namespace: str, name: str, raw: Msg) -> None:
        reply_to = (raw.headers or {}).get(H_REPLY_TO)
        try:
            item = decode_input(raw.headers, raw.data)
        except MalformedInput as error:
            log.warning("input.malformed", subject=raw.subject, error=str(error))
            outcome = InputOutcome(
                input_id=(raw.headers or {}).get("ce-id", ""),
                status="invalid",
                message=str(error),
            )
            await raw.term()
        else:
            await fences.wait_clear((namespace, name), raw.in_progress)
            outcome = await controller.handle(namespace, name, item)
            await raw.ack()
        if reply_to:
            await nc.publish(reply_to, outcome.model_dump_json().encode())

    return on_input
