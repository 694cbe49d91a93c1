"""FastStream subscriptions shared by the effect workers (the controller's inputs are
partitioned: `adapters.workers.partitions`).

Each worker has its own durable push consumer, filtered on the server by the event types it
serves, with manual acknowledgement: a message is acked only after its
effect is done, so a crash redelivers it. Messages are handed to a KeyedExecutor so one
rollout's messages are handled in order while different rollouts proceed concurrently.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage
from nats.aio.msg import Msg

from adapters.history.fences import IMPORTED
from adapters.runtime import heartbeat
from adapters.runtime.keyed import KeyedExecutor
from events.codec import DEFAULT_CODEC
from events.quarantine import Unreadable, decode_stored
from events.store import StoredEvent
from events.subjects import InvalidSubject, event_type_filter, parse_event_subject

log = structlog.get_logger("rollouts.workers")

EventHandler = Callable[[StoredEvent], Awaitable[None]]
RevisionOf = Callable[[str, str], int | None]
"""The revision a rollout is at (None: unknown), for log lines."""
ACK_WAIT_SECONDS = heartbeat.ACK_WAIT_SECONDS
"""Short, because handlers heartbeat (`adapters.runtime.heartbeat`): a killed holder's messages
come back within seconds."""

MessageHandler = Callable[[Any, NatsMessage], Awaitable[None]]


async def _undecoded(message: Any) -> bytes:
    """The body as bytes: our handlers decode it themselves. FastStream's own decoder follows
    the message's `content-type` header, and a body that does not match (anyone may publish
    `content-type: application/json` with `not json`) failed before any handler ran: the
    message was never acknowledged, redelivered for ever, and held a `max_ack_pending` place."""
    body: bytes = message.body
    return body


def _durable_push(broker: NatsBroker, **kwargs: Any) -> Callable[[MessageHandler], MessageHandler]:
    """A durable push consumer in a deliver group. FastStream warns that durable push consumers
    do not scale; in a deliver group they do, and push delivery is what keeps latency low (a
    pull batch waits for its timeout when it is not full), so the warning is silenced here."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The JetStream Push consumer", category=RuntimeWarning
        )
        subscriber = broker.subscriber(
            "", ack_policy=AckPolicy.MANUAL, decoder=_undecoded, **kwargs
        )

    def register(handler: MessageHandler) -> MessageHandler:
        subscriber(handler)
        return handler

    return register


def _consumer(
    filters: Sequence[str], max_ack_pending: int, ack_wait: float = ACK_WAIT_SECONDS
) -> ConsumerConfig:
    return ConsumerConfig(
        filter_subjects=list(filters),
        max_ack_pending=max_ack_pending,
        ack_wait=ack_wait,
    )


def subscribe_events(
    broker: NatsBroker,
    executor: KeyedExecutor,
    *,
    durable: str,
    event_types: Sequence[str] | None,
    handler: EventHandler,
    max_ack_pending: int = 20_000,
    ack_wait: float = ACK_WAIT_SECONDS,
    revision_of: RevisionOf | None = None,
) -> None:
    """Call `handler` for each event of `event_types` (None: every event), in order per
    rollout, acking after. `ack_wait` must exceed the longest time a handler may take.
    `revision_of` names the rollout's current revision on the handler's log lines."""
    if event_types is None:
        filters = ["rollouts.evt.>"]
    else:
        filters = [event_type_filter(t) for t in event_types]

    @_durable_push(
        broker,
        stream=JStream("ROLLOUTS", declare=False),
        durable=durable,
        queue=durable,
        config=_consumer(filters, max_ack_pending, ack_wait),
    )
    async def on_event(body: Any, msg: NatsMessage) -> None:
        raw: Msg = msg.raw_message
        try:
            subject = parse_event_subject(raw.subject)
        except InvalidSubject as error:  # no rollout's: acknowledged, never handled
            log.warning("event.unroutable", subject=raw.subject, error=str(error))
            await raw.term()
            return
        key = (subject.namespace, subject.name)
        revision = revision_of(*key) if revision_of is not None else None
        executor.submit(key, lambda: _run_event(raw, handler, revision, ack_wait))


async def _run_event(
    raw: Msg, handler: EventHandler, revision: int | None = None, ack_wait: float = ACK_WAIT_SECONDS
) -> None:
    if (raw.headers or {}).get(IMPORTED):  # written by `rollouts import`: history, no intent
        await raw.ack()
        return
    stored = decode_stored(
        DEFAULT_CODEC, raw.subject, raw.metadata.sequence.stream, raw.headers, raw.data
    )
    if isinstance(stored.event, Unreadable):  # quarantined: no worker acts on it
        log.warning("event.unreadable", subject=raw.subject, reason=stored.event.reason)
        await raw.term()
        return
    envelope = stored.envelope
    try:
        with structlog.contextvars.bound_contextvars(
            rollout=envelope.subject,
            event_id=envelope.id,
            event_type=envelope.type,
            causation_id=envelope.causationid,
            revision=revision,
        ):
            async with heartbeat.held(raw, ack_wait):  # a long handler is not redelivered meanwhile
                await handler(stored)
    except Exception as error:
        log.error("event.handler_failed", subject=raw.subject, error=repr(error), exc_info=error)
        await raw.nak(delay=1.0)
        return
    await raw.ack()
