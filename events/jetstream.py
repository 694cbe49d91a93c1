"""The event store on NATS JetStream (needs server 2.12+; the project pins 2.15.1).

A decision of several events is one atomic batch (`Nats-Batch-Id`, `Nats-Batch-Sequence`,
`Nats-Batch-Commit: 1` on the last message, the only one sent as a request); a single event is
a plain publish, atomic by itself. The first message carries the concurrency check over the
whole rollout: `Nats-Expected-Last-Subject-Sequence: <expected_version>` with
`Nats-Expected-Last-Subject-Sequence-Subject: rollouts.evt.<ns>.<name>.*`. Decisions of
different rollouts that wait while a commit is in flight share the next batch, each with its
own check (`events.group_commit`).

Server 2.15.1, by experiment (pinned by tests/integration/test_jetstream_store.py and
test_jetstream_batches.py):
- Expectation headers may sit on any message of a batch. All are checked when the batch
  commits, under the stream lock, against the stream as it was before the batch (an earlier
  message of the same batch does not count), one check per rollout: a batch holding several
  rollouts fails whole if any one of them moved. A rival that commits while our batch is
  staged makes our commit fail with 10071 "wrong last sequence: N", and nothing of our batch
  is stored. Two messages of one batch expecting the same sequence of one rollout both pass,
  which is why a group never holds two decisions of one rollout.
- `Nats-Msg-Id` works in a batch, but a batch repeating an id still in the duplicate window is
  refused whole with 10201; it is not acked as a duplicate as a single publish would be (and a
  single publish with a stale expectation gets 10071, not a duplicate ack). So both codes go
  through `settle_conflict`: if this decision's ids already follow `expected_version`, the
  append had happened and succeeds again, whatever the window.
- Other refusals: 10174 atomic publish disabled, 10176 batch incomplete (sequence gap), 10199
  over 1000 messages. At most 50 batches in flight per stream. A batch is stored contiguously,
  and its batch headers are stored with its messages.
- On an R1 file stream each batch is staged in its own on-disk store (created and deleted per
  batch): a commit costs 4-10 ms on this disk and commits do not overlap, against 0.25 ms for
  a plain publish. Replicated (R3) and memory streams stage in memory.
- Direct get `last_by_subj` accepts the rollout wildcard; a batch direct get (`next_by_subj`,
  `batch`) ends with status 204 carrying `Nats-Num-Pending` (404 when nothing matches).

`load` (one rollout) uses batch direct get: one round trip, no consumer on the server.
`iter_all`/`load_all` (replay) pull the stream through one consumer (`events.stream_reader`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from events.base import Event
from events.codec import DEFAULT_CODEC, EventCodec
from events.envelope import DEFAULT_SOURCE
from events.group_commit import DECISION_FAULTS, GroupCommitter, Refused
from events.quarantine import decode_stored, is_unreadable
from events.store import (
    REPLAY_PAGE,
    EventStoreError,
    StoredEvent,
    check_batch,
    decision_ids,
    encode_decision,
    settle_conflict,
)
from events.stream_reader import collector_paused, pulled_pages
from events.streams import EVENTS_STREAM, INPUTS_STREAM, ensure_streams
from events.subjects import (
    EVENT_SUBJECTS,
    InvalidSubject,
    parse_event_subject,
    rollout_events_filter,
)

__all__ = ["EVENTS_STREAM", "INPUTS_STREAM", "JetStreamEventStore", "ensure_streams"]

EXPECTED_SEQUENCE = "Nats-Expected-Last-Subject-Sequence"
EXPECTED_SUBJECT = "Nats-Expected-Last-Subject-Sequence-Subject"
_PAGE = 1000


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
        self._committer = GroupCommitter(self._send)

    @property
    def batches_sent(self) -> int:
        """Atomic batches and single publishes sent by `append` (diagnostics)."""
        return self._committer.groups

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
        outcome = await self._committer.commit((namespace, name), outgoing)
        if not isinstance(outcome, Refused):
            self._positions[(namespace, name)] = (outcome, first + len(events) - 1)
            return outcome
        if outcome.code in DECISION_FAULTS:
            return await settle_conflict(self, namespace, name, ids, expected_version)
        raise EventStoreError(
            f"JetStream refused the append to {namespace}/{name}: "
            f"{outcome.description} (error {outcome.code})"
        )

    async def _send(
        self, subject: str, data: bytes, headers: dict[str, str], last: bool
    ) -> dict[str, Any] | None:
        if not last:
            await self._nc.publish(subject, data, headers=headers)
            return None
        try:
            response = await self._nc.request(subject, data, headers=headers, timeout=self._timeout)
        except NatsTimeout:
            raise EventStoreError(
                f"no answer to the append on {subject}: the outcome is unknown, and "
                "retrying the same append is safe"
            ) from None
        except NoRespondersError:
            raise EventStoreError(f"no stream captures {subject}: run ensure_streams") from None
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
        if last is None or last.stream_sequence != expected_version:
            return None
        if not is_unreadable(last):
            return last.rollout_sequence + 1
        history = await self.load(namespace, name)  # its header is not to be trusted
        readable = [s.rollout_sequence for s in history if not is_unreadable(s)]
        return max(readable, default=0) + 1

    async def _last_message(self, namespace: str, name: str) -> StoredEvent | None:
        try:
            raw = await self._js.get_last_msg(
                self._stream, rollout_events_filter(namespace, name), direct=True
            )
        except NotFoundError:
            return None
        subject, sequence = str(raw.subject), int(raw.seq or 0)
        return decode_stored(self._codec, subject, sequence, raw.headers, raw.data or b"")

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
        if loaded and not is_unreadable(loaded[-1]):
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

    def iter_all(
        self, *, after: int = 0, page: int = REPLAY_PAGE
    ) -> AsyncIterator[list[StoredEvent]]:
        """Every event after `after` in stream order, `page` at a time, through one consumer.

        Ends at the stream's last sequence as it was when iteration began. Python's cyclic
        garbage collector is off while the iteration is open, the caller's folding included
        (see `events.stream_reader.collector_paused`), and back on once it ends or is closed.
        """
        if page < 1:
            raise ValueError(f"page must be at least 1, got {page}")
        return self._replay(after=after, page=page, limit=None)

    async def load_all(self, *, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        if limit == 0:
            return []
        loaded: list[StoredEvent] = []
        async for chunk in self._replay(after=after, page=REPLAY_PAGE, limit=limit):
            loaded.extend(chunk)
        return loaded

    async def _replay(
        self, *, after: int, page: int, limit: int | None
    ) -> AsyncIterator[list[StoredEvent]]:
        end = await self.last_sequence()
        if end <= after:
            return
        with collector_paused():
            pages = pulled_pages(
                self._js,
                self._stream,
                after=after,
                end=end,
                page=page,
                limit=limit,
                timeout=self._timeout,
            )
            async with contextlib.aclosing(pages):
                async for chunk in pages:
                    yield [self._stored(msg, sequence) for sequence, msg in chunk]

    def _stored(self, msg: Msg, stream_sequence: int) -> StoredEvent:
        """A message as a stored event, or quarantined (`events.quarantine`) if unreadable. A
        direct get names the message's subject in a header, a consumer in the message."""
        subject = (msg.headers or {}).get("Nats-Subject") or msg.subject
        return decode_stored(self._codec, subject, stream_sequence, msg.headers, msg.data)

    async def rollouts(self) -> list[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        offset = 0
        while True:
            info = await self._stream_info({"subjects_filter": EVENT_SUBJECTS, "offset": offset})
            subjects = info.get("state", {}).get("subjects") or {}
            for subject in subjects:
                with contextlib.suppress(InvalidSubject):  # not a rollout's: nothing to list
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
