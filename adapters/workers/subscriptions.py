"""FastStream subscriptions of the effect workers (the controller's inputs are partitioned and
leased: `adapters.workers.partitions`).

Each worker has its own durable push consumer on the ROLLOUTS stream, filtered on the server by
the event types it serves, and declared as a FastStream subscriber, so the AsyncAPI document
(`adapters.workers.asyncapi`) is generated from these very subscribers. FastStream carries each
delivery from the wire to the handler:

- `decode_event` is the subscriber's decoder: the handler receives a typed `StoredEvent`,
  decoded by the event contract's own code (`events.quarantine.decode_stored`), never bytes.
  What no worker may act on is settled there, before any handler runs: a subject naming no
  rollout and an event that does not decode (quarantined as `Unreadable`) are terminated, an
  event written by `rollouts import` (history, no intent) is acknowledged.
- Acknowledgement is FastStream's ack policy, `NACK_ON_ERROR`: acknowledged once the handler
  returned, so a crash redelivers it (at least once); a handler that raised is nak'ed with a
  one-second delay (`NackMessage`), so a failing router is not retried in a tight loop.

One rollout's events are handled in order while different rollouts proceed concurrently: the
consumer's deliveries arrive in stream order, and each is handed, whole, to a KeyedExecutor
keyed by its rollout, which then runs FastStream's processing of it (decoder, handler, ack
policy). FastStream's own concurrency (`max_workers`) would run deliveries of one rollout side
by side, and a handler that only queued the work would be acknowledged before the work ran.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

import structlog
from faststream import AckPolicy, ContextRepo
from faststream.exceptions import AckMessage, NackMessage, RejectMessage
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage
from faststream.nats.subscriber.usecases import LogicSubscriber
from nats.aio.msg import Msg

from adapters.history.fences import IMPORTED
from adapters.runtime import heartbeat, log_context
from adapters.runtime.keyed import KeyedExecutor
from events.codec import DEFAULT_CODEC
from events.quarantine import Unreadable, decode_stored
from events.store import StoredEvent
from events.streams import EVENTS_STREAM
from events.subjects import InvalidSubject, event_type_filter, parse_event_subject

log = structlog.get_logger("rollouts.workers")

EventHandler = Callable[[StoredEvent], Awaitable[None]]
RevisionOf = Callable[[str, str], int | None]
"""The revision a rollout is at (None: unknown), for log lines."""
ACK_WAIT_SECONDS = heartbeat.ACK_WAIT_SECONDS
"""Short, because handlers heartbeat (`adapters.runtime.heartbeat`): a killed holder's messages
come back within seconds."""
RETRY_DELAY = 1.0
"""Seconds before a delivery whose handler failed comes again."""
ALL_EVENTS = "rollouts.evt.>"


def event_filters(event_types: Sequence[str] | None) -> list[str]:
    """The subjects a consumer of `event_types` (None: every event) reads."""
    if event_types is None:
        return [ALL_EVENTS]
    return [event_type_filter(t) for t in event_types]


async def decode_event(message: NatsMessage) -> StoredEvent:
    """FastStream decoder: the delivery as the event it stores, or settled here (see above).
    Never raises anything but FastStream's settling exceptions: a body that does not decode,
    whatever its `content-type` says, is quarantined rather than redelivered for ever."""
    raw: Msg = message.raw_message
    try:
        parse_event_subject(raw.subject)
    except InvalidSubject as error:  # no rollout's: terminated, never handled
        log.warning("event.unroutable", subject=raw.subject, error=str(error))
        raise RejectMessage from error
    if (raw.headers or {}).get(IMPORTED):  # written by `rollouts import`: history, no intent
        raise AckMessage
    stored = decode_stored(DEFAULT_CODEC, raw.subject, _sequence(raw), raw.headers, raw.data)
    if isinstance(stored.event, Unreadable):  # quarantined: no worker acts on it
        log.warning("event.unreadable", subject=raw.subject, reason=stored.event.reason)
        raise RejectMessage
    return stored


def _sequence(raw: Msg) -> int:
    """The stream sequence (0 where there is none: FastStream's test broker)."""
    with contextlib.suppress(Exception):
        return int(raw.metadata.sequence.stream)
    return 0


def rollout_key(subject: str) -> Hashable:
    """The executor key of a delivery: its rollout (an unroutable subject is its own key; the
    decoder terminates it)."""
    try:
        parsed = parse_event_subject(subject)
    except InvalidSubject:
        return ("", subject)
    return (parsed.namespace, parsed.name)


def subscribe_events(
    broker: NatsBroker,
    executor: KeyedExecutor | None,
    *,
    durable: str,
    event_types: Sequence[str] | None,
    handler: EventHandler,
    max_ack_pending: int = 20_000,
    ack_wait: float = ACK_WAIT_SECONDS,
    revision_of: RevisionOf | None = None,
) -> LogicSubscriber[Any]:
    """Call `handler` for each event of `event_types` (None: every event), in order per
    rollout, acknowledging after. `ack_wait` must exceed the longest time a handler may take
    between heartbeats. `revision_of` names the rollout's current revision on the handler's
    log lines. Without an `executor` the subscriber is only declared (the AsyncAPI document)."""
    config = ConsumerConfig(
        filter_subjects=event_filters(event_types),
        max_ack_pending=max_ack_pending,
        ack_wait=ack_wait,
    )
    with warnings.catch_warnings():  # durable push consumers scale fine in a deliver group,
        warnings.filterwarnings(  # and push keeps latency low (a pull batch waits when short)
            "ignore", message="The JetStream Push consumer", category=RuntimeWarning
        )
        subscriber = broker.subscriber(
            "",
            stream=JStream(EVENTS_STREAM, declare=False),
            durable=durable,
            queue=durable,
            config=config,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            decoder=decode_event,
            title=durable,
            description=f"The {durable} worker's durable consumer (deliver group {durable}).",
        )
    subscriber(_handle(handler, ack_wait, revision_of, broker.context))
    if executor is not None:
        _in_rollout_order(subscriber, executor)
    return subscriber


def _handle(
    handler: EventHandler, ack_wait: float, revision_of: RevisionOf | None, context: ContextRepo
) -> Callable[[StoredEvent], Awaitable[None]]:
    """The subscriber's handler. It takes the decoded event alone and finds its delivery in the
    broker's context, where FastStream puts it for the handler's call: the broker does not
    inject parameters (`ProcessBroker`), since FastDepends resolves an injected `NatsMessage`
    in a worker thread, a thread hop on every delivery."""

    async def on_event(event: StoredEvent) -> None:
        message: NatsMessage = context.get_local("message")
        envelope = event.envelope
        at = revision_of(envelope.namespace, envelope.name) if revision_of is not None else None
        try:
            with log_context.bound(
                rollout=envelope.subject,
                event_id=envelope.id,
                event_type=envelope.type,
                causation_id=envelope.causationid,
                revision=at,
            ):
                async with heartbeat.held(message.raw_message, ack_wait):  # not redelivered
                    await handler(event)  # while a long handler runs
        except Exception as error:
            subject = message.raw_message.subject
            log.error("event.handler_failed", subject=subject, error=repr(error), exc_info=error)
            raise NackMessage(delay=RETRY_DELAY) from error

    return on_event


def _in_rollout_order(subscriber: LogicSubscriber[Any], executor: KeyedExecutor) -> None:
    """Have each delivery processed by FastStream in `executor`, keyed by its rollout.

    FastStream's push subscriber hands every delivery, in arrival order, to its `consume`
    (the JetStream subscription's callback, bound when the broker starts). Put in its place,
    `dispatch` queues the delivery behind its rollout's earlier ones and returns at once, so
    the subscription keeps taking deliveries; FastStream's `consume` then runs in the queue:
    decoder, handler and ack policy, unchanged. tests/unit/runtime/test_faststream_routing.py
    pins the callback this relies on."""
    consume = subscriber.consume

    async def dispatch(msg: Msg) -> None:
        async def job() -> None:
            await consume(msg)

        executor.submit(rollout_key(msg.subject), job)

    subscriber.consume = dispatch  # type: ignore[method-assign]
