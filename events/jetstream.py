"""The event store on NATS JetStream (needs server 2.12+; the project pins 2.15.1).

A decision of several events is one atomic batch (`Nats-Batch-Id`, `Nats-Batch-Sequence`,
`Nats-Batch-Commit: 1` on the last message, the only one sent as a request); a single event is
a plain publish, atomic by itself. The first message carries the concurrency check over the
whole rollout: `Nats-Expected-Last-Subject-Sequence: <expected_version>` with
`Nats-Expected-Last-Subject-Sequence-Subject: rollouts.evt.<ns>.<name>.*`.

Server 2.15.1, by experiment (pinned by tests/integration/test_jetstream_store.py):
- Expectation headers may sit on any message of a batch. All are checked when the batch
  commits, under the stream lock, against the stream as it was before the batch (an earlier
  message of the same batch does not count). A rival that commits while our batch is staged
  makes our commit fail with 10071 "wrong last sequence: N" (N = the rollout's actual last
  sequence), and nothing of our batch is stored.
- `Nats-Msg-Id` works in a batch, but a batch repeating an id still in the duplicate window is
  refused whole with 10201, which wins over 10071; it is not acked as a duplicate as a single
  publish would be (and a single publish with a stale expectation gets 10071, not a duplicate
  ack). So both codes go through `settle_conflict`: if this decision's ids already follow
  `expected_version`, the append had happened and succeeds again, whatever the window.
- Other refusals: 10174 atomic publish disabled, 10176 batch incomplete (sequence gap), 10199
  over 1000 messages. At most 50 batches in flight per stream.
- On an R1 file stream each batch is staged in its own on-disk store (created and deleted per
  batch): a commit costs 4-10 ms on this disk and commits do not overlap, against 0.25 ms for
  a plain publish. Replicated (R3) and memory streams stage in memory.
- Direct get `last_by_subj` accepts the rollout wildcard; a batch direct get (`next_by_subj`,
  `batch`) ends with status 204 carrying `Nats-Num-Pending` (404 when nothing matches).

`load` (one rollout) uses batch direct get: one round trip, no consumer on the server.
`load_all` (replay) uses an ordered push consumer: fewer headers per message, faster in bulk.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError, NotFoundError

from events.base import Event
from events.codec import DEFAULT_CODEC, EventCodec
from events.envelope import DEFAULT_SOURCE
from events.store import (
    EventStoreError,
    Outgoing,
    StoredEvent,
    check_batch,
    decision_ids,
    encode_decision,
    next_rollout_sequence,
    settle_conflict,
)
from events.subjects import ALL_EVENTS, ALL_INPUTS, parse_event_subject, rollout_events_filter

EVENTS_STREAM = "ROLLOUTS"
INPUTS_STREAM = "ROLLOUT_INPUTS"
DUPLICATE_WINDOW = 120.0
INPUTS_MAX_AGE = 7 * 24 * 3600.0
EXPECTED_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
EXPECTED_SUBJECT = "Nats-Expected-Last-Subject-Sequence-Subject"
WRONG_LAST_SEQUENCE = 10071
DUPLICATE_IN_BATCH = 10201
STREAM_NAME_IN_USE = 10058
_RETRY_CHECKED = frozenset({WRONG_LAST_SEQUENCE, DUPLICATE_IN_BATCH})
_PAGE = 1000
_ACK_TOKENS = 9  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>


async def ensure_streams(
    js: JetStreamContext,
    *,
    events_stream: str = EVENTS_STREAM,
    inputs_stream: str = INPUTS_STREAM,
    inputs_max_age: float = INPUTS_MAX_AGE,
) -> None:
    """Create or update both streams; fail if the server ignores options we rely on.

    Events are kept forever and may be neither deleted nor purged: the stream is the audit log.
    Inputs use limits retention with an age limit, not a work queue: a week of inputs shows the
    input behind any event (`causationid`), and a work-queue stream would refuse a second
    consumer (a `tail`, a debugger) next to the controller's durable one.
    """
    events = StreamConfig(
        name=events_stream,
        subjects=[ALL_EVENTS],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
        allow_atomic=True,
        allow_direct=True,
        deny_delete=True,
        deny_purge=True,
    )
    inputs = StreamConfig(
        name=inputs_stream,
        subjects=[ALL_INPUTS],
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        max_age=inputs_max_age,
        duplicate_window=DUPLICATE_WINDOW,
        allow_direct=True,
        allow_msg_schedules=True,
    )
    for config in (events, inputs):
        await _create_or_update(js, config)


async def _create_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        info = await js.add_stream(config)
    except BadRequestError as exists:
        if exists.err_code != STREAM_NAME_IN_USE:
            raise
        info = await js.update_stream(config)
    for option in ("allow_atomic", "allow_msg_schedules"):
        if getattr(config, option) and not getattr(info.config, option):
            raise EventStoreError(
                f"the NATS server ignored {option} on stream {config.name}: it needs 2.12+"
            )


class JetStreamEventStore:
    def __init__(
        self,
        js: JetStreamContext,
        stream: str = EVENTS_STREAM,
        *,
        codec: EventCodec = DEFAULT_CODEC,
        source: str = DEFAULT_SOURCE,
        timeout: float = 5.0,
    ) -> None:
        self._js = js
        self._nc: Client = js._nc  # batch messages and direct gets need the core connection
        self._stream = stream
        self._codec = codec
        self._source = source
        self._timeout = timeout
        self._positions: dict[tuple[str, str], tuple[int, int]] = {}

    # appending ------------------------------------------------------------------------------

    async def append(
        self, namespace: str, name: str, events: Sequence[Event], *, expected_version: int
    ) -> int:
        check_batch(events, expected_version)
        aggregate = rollout_events_filter(namespace, name)
        if not events:
            return expected_version
        ids = decision_ids(namespace, name, events, expected_version=expected_version)
        first = await self._first_rollout_sequence(namespace, name, expected_version)
        if first is None:
            return await settle_conflict(self, namespace, name, ids, expected_version)
        outgoing = encode_decision(
            self._codec,
            namespace,
            name,
            events,
            ids=ids,
            first_rollout_sequence=first,
            source=self._source,
        )
        outgoing[0].headers[EXPECTED_SEQUENCE] = str(expected_version)
        outgoing[0].headers[EXPECTED_SUBJECT] = aggregate
        reply = await self._publish(outgoing)
        error = reply.get("error")
        if error is None:
            self._positions[(namespace, name)] = (int(reply["seq"]), first + len(events) - 1)
            return int(reply["seq"])
        if error.get("err_code") in _RETRY_CHECKED:
            return await settle_conflict(self, namespace, name, ids, expected_version)
        raise EventStoreError(
            f"JetStream refused the append to {namespace}/{name}: "
            f"{error.get('description')} (error {error.get('err_code')})"
        )

    async def _publish(self, outgoing: Sequence[Outgoing]) -> dict[str, Any]:
        """One message is atomic by itself; several go as one atomic batch."""
        if len(outgoing) > 1:
            batch_id = uuid.uuid4().hex
            for number, message in enumerate(outgoing, start=1):
                message.headers["Nats-Batch-Id"] = batch_id
                message.headers["Nats-Batch-Sequence"] = str(number)
            outgoing[-1].headers["Nats-Batch-Commit"] = "1"
            for message in outgoing[:-1]:
                await self._nc.publish(message.subject, message.data, headers=message.headers)
        last = outgoing[-1]
        try:
            response = await self._nc.request(
                last.subject, last.data, headers=last.headers, timeout=self._timeout
            )
        except NatsTimeout:
            raise EventStoreError(
                f"no answer to the append on {last.subject}: the outcome is unknown, and "
                "retrying the same append is safe"
            ) from None
        except NoRespondersError:
            raise EventStoreError(
                f"no stream captures {last.subject}: run ensure_streams"
            ) from None
        reply: dict[str, Any] = json.loads(response.data)
        return reply

    async def _first_rollout_sequence(
        self, namespace: str, name: str, expected_version: int
    ) -> int | None:
        """The rollout sequence of the first new event, or None if the rollout moved on."""
        if expected_version == 0:
            return 1  # if the rollout exists after all, the server refuses the batch
        known = self._positions.get((namespace, name))
        if known is not None and known[0] == expected_version:
            return known[1] + 1
        last = await self._last_message(namespace, name)
        if last is None or last[0] != expected_version:
            return None
        return next_rollout_sequence(last[1])

    async def _last_message(self, namespace: str, name: str) -> tuple[int, dict[str, str]] | None:
        try:
            raw = await self._js.get_last_msg(
                self._stream, rollout_events_filter(namespace, name), direct=True
            )
        except NotFoundError:
            return None
        return int(raw.seq or 0), dict(raw.headers or {})

    # reading --------------------------------------------------------------------------------

    async def load(self, namespace: str, name: str, *, after: int = 0) -> list[StoredEvent]:
        subject_filter = rollout_events_filter(namespace, name)
        loaded: list[StoredEvent] = []
        pending = 1
        while pending:
            start = (loaded[-1].stream_sequence if loaded else max(after, 0)) + 1
            messages, pending = await self._direct_batch(subject_filter, start)
            pending = pending if messages else 0  # a page without progress ends the read
            for msg in messages:
                loaded.append(self._stored(msg, int((msg.headers or {})["Nats-Sequence"])))
        if loaded:
            last = loaded[-1]
            self._positions[(namespace, name)] = (last.stream_sequence, last.rollout_sequence)
        return loaded

    async def _direct_batch(self, subject_filter: str, start: int) -> tuple[list[Msg], int]:
        """One page of matching messages from `start`, and how many more match after it."""
        received: list[Msg] = []
        status: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

        async def collect(msg: Msg) -> None:
            headers = msg.headers or {}
            if "Status" not in headers:
                received.append(msg)
            elif not status.done():
                status.set_result(headers)

        inbox = self._nc.new_inbox()
        request = {"seq": start, "next_by_subj": subject_filter, "batch": _PAGE}
        subscription = await self._nc.subscribe(inbox, cb=collect)
        try:
            await self._nc.publish(
                f"$JS.API.DIRECT.GET.{self._stream}", json.dumps(request).encode(), reply=inbox
            )
            end = await asyncio.wait_for(status, self._timeout)
        except TimeoutError:
            raise EventStoreError(f"stream {self._stream} did not answer a direct get") from None
        finally:
            await subscription.unsubscribe()
        if end["Status"] not in ("204", "404"):
            raise EventStoreError(f"direct get on {self._stream} failed: {end}")
        return received, int(end.get("Nats-Num-Pending", "0"))

    async def load_all(self, *, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        last = await self.last_sequence()
        if last <= after or limit == 0:
            return []
        loaded: list[StoredEvent] = []
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def collect(msg: Msg) -> None:
            if finished.done():
                return
            try:
                stream_sequence = _stream_sequence(msg.reply)
                loaded.append(self._stored(msg, stream_sequence))
            except Exception as failure:
                finished.set_exception(failure)
                return
            if stream_sequence >= last or len(loaded) == limit:
                finished.set_result(None)

        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=max(after, 0) + 1
        )
        subscription = await self._js.subscribe(
            ALL_EVENTS, stream=self._stream, ordered_consumer=True, cb=collect, config=config
        )
        try:
            await self._await_progress(finished, lambda: len(loaded))
        finally:
            await subscription.unsubscribe()
        return loaded

    async def _await_progress(self, finished: asyncio.Future[None], progress: Any) -> None:
        """Wait for a replay of any length, but give up when it stops making progress."""
        seen = -1
        while not finished.done():
            await asyncio.wait({finished}, timeout=self._timeout)
            if not finished.done() and progress() == seen:
                raise EventStoreError(f"replay of stream {self._stream} stalled at {seen} events")
            seen = progress()
        finished.result()

    def _stored(self, msg: Msg, stream_sequence: int) -> StoredEvent:
        envelope, event = self._codec.decode(msg.headers, msg.data)
        return StoredEvent(stream_sequence, envelope.rolloutsequence, envelope, event)

    async def rollouts(self) -> list[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        offset = 0
        while True:
            info = await self._stream_info({"subjects_filter": ALL_EVENTS, "offset": offset})
            subjects = info.get("state", {}).get("subjects") or {}
            for subject in subjects:
                parsed = parse_event_subject(subject)
                found.add((parsed.namespace, parsed.name))
            offset += len(subjects)
            if not subjects or offset >= int(info.get("total", 0)):
                return sorted(found)

    async def last_sequence(self) -> int:
        info = await self._stream_info({})
        return int(info["state"]["last_seq"])

    async def _stream_info(self, request: dict[str, Any]) -> dict[str, Any]:
        response = await self._nc.request(
            f"$JS.API.STREAM.INFO.{self._stream}",
            json.dumps(request).encode(),
            timeout=self._timeout,
        )
        info: dict[str, Any] = json.loads(response.data)
        if "error" in info:
            raise EventStoreError(
                f"stream {self._stream}: {info['error'].get('description')} "
                f"(error {info['error'].get('err_code')})"
            )
        return info


def _stream_sequence(reply: str) -> int:
    tokens = reply.split(".")
    # The newer form adds a domain and an account hash after "$JS.ACK" and a random suffix.
    return int(tokens[5] if len(tokens) == _ACK_TOKENS else tokens[7])
