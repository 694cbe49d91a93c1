"""The controller's input handler: one message of `rollouts.in.<ns>.<name>`, decided.

A message the controller cannot take (it does not decode, or names a rollout beyond
Kubernetes' limits) is parked in the dead-letter stream with the reason and acknowledged
(`adapters.workers.dead_letters`): redelivering it would not make it readable, and leaving it
unacknowledged would hold a place of the consumer's `max_ack_pending` for ever. It is answered
as `invalid`. Any other input is decided by the controller and acknowledged. A client that
asked for the outcome (the reply-to header, an `_INBOX.` subject) gets it either way.

Unlike the effect workers' events (`adapters.workers.subscriptions`), inputs do not reach this
handler through a FastStream subscriber, and are acknowledged here rather than by an ack
policy. The controller keeps that control on purpose: a partition's consumer exists only while
this replica holds the partition's lease, and is recreated from its acknowledgement floor on a
takeover or a hole in the delivery sequence (`adapters.workers.partitions`), which a subscriber
declared once per process cannot be; and an input is acknowledged only once its decision is
stored, a redelivery of an input already decided is acknowledged without deciding it, and one
still being decided is left alone (the stream-sequence fence), none of which is "ack when the
handler returns". The consumer runs on the broker's connection all the same (one per process).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

from adapters.history.fences import FenceWatch
from adapters.workers.controller import Controller
from adapters.workers.dead_letters import DeadInputs, Kind
from events.base import Input
from events.input_codec import H_REPLY_TO, InputOutcome, MalformedInput, decode_input
from events.subjects import InvalidSubject, check_rollout

log = structlog.get_logger("rollouts.app")

InputHandler = Callable[[str, str, Msg], Awaitable[None]]
INBOX_PREFIX = "_INBOX"
"""nats-py's inbox prefix: where `RolloutsClient.send` waits for the controller's answer."""


def input_handler(
    controller: Controller, nc: Client, *, dead: DeadInputs | None = None
) -> InputHandler:
    dead = dead or DeadInputs(nc.jetstream())

    fences = FenceWatch(nc)  # rollouts being imported: decided once their history is whole

    async def on_input(namespace: str, name: str, raw: Msg) -> None:
        headers = raw.headers or {}
        reply_to = headers.get(H_REPLY_TO)
        taken = _take(namespace, name, raw)
        if isinstance(taken, Input):
            await fences.wait_clear((namespace, name), raw.in_progress)
            outcome = await controller.handle(namespace, name, taken)
            await raw.ack()
        else:
            kind, reason = taken
            await dead.park(raw, kind, reason)
            input_id = headers.get("ce-id", "")[:256]
            outcome = InputOutcome(input_id=input_id, status="invalid", message=reason)
        if reply_to and _is_inbox(reply_to):
            await nc.publish(reply_to, outcome.model_dump_json().encode())
        elif reply_to:
            log.warning("input.reply_refused", subject=raw.subject, reply_to=reply_to[:200])

    return on_input


def _is_inbox(subject: str) -> bool:
    """Answers go to a client's inbox only: anyone may publish an input, and a reply-to naming
    `rollouts.evt.…` or `$JS.API.…` would make the controller write there on their behalf."""
    tokens = subject.split(".")
    return (
        tokens[0] == INBOX_PREFIX
        and len(tokens) > 1
        and all(token and token not in ("*", ">") and token.isprintable() for token in tokens)
        and not any(c.isspace() for c in subject)
    )


def _take(namespace: str, name: str, raw: Msg) -> Input | tuple[Kind, str]:
    """The input, or why the controller cannot take it."""
    try:
        check_rollout(namespace, name)
    except InvalidSubject as bad_name:
        return "invalid_name", str(bad_name)
    try:
        return decode_input(raw.headers, raw.data)
    except MalformedInput as error:
        return "malformed", str(error)
    except Exception as error:  # a decoder's failure on hostile bytes is the input's fault
        return "malformed", f"undecodable input: {error!r}"
