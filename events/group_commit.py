"""Group commit: the decisions of many rollouts that wait together go as one atomic batch.

nats-server 2.15.1 commits the atomic batches of a stream one at a time, and on a single-replica
file stream each commit stages its batch in a store of its own on disk: 6-10 ms per batch, plus
little per message. One batch per decision capped a busy controller at about 1,200 events a
second (the benchmark's `raw_atomic_per_decision_file_events_per_s`). So the decisions that
arrive while commits are in flight wait for one to end, then all go together in the next
batch: no timer, a lone decision is sent at once, and under load the batches grow by
themselves up to the server's limit of 1000 messages. Two groups may be in flight, so the
client sends one while the server commits the other.

Each decision keeps its own concurrency check: the first message of a decision carries that
rollout's `Nats-Expected-Last-Subject-Sequence(-Subject)`, and the server checks every one of
them at commit against the stream as it was before the batch, refusing the whole batch if one
fails (tests/integration/test_jetstream_batches.py pins this). Two decisions of one rollout never
share a batch: the second would be checked against the state before the first (and two
decisions taken at the same version would both pass), so it waits for the next batch.

When a group is refused for a reason that belongs to one decision (10071 wrong last sequence,
10201 duplicate message id) nothing of it was stored: the group is split in halves and each half
committed again, down to the single decision at fault, which gets the server's refusal; the
others commit. Any other failure (no answer, no stream) is the outcome of every decision of the
group.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from events.store import MAX_EVENTS_PER_APPEND, Outgoing

BATCH_ID = "Nats-Batch-Id"
BATCH_SEQUENCE = "Nats-Batch-Sequence"
BATCH_COMMIT = "Nats-Batch-Commit"
WRONG_LAST_SEQUENCE = 10071
DUPLICATE_IN_BATCH = 10201
DECISION_FAULTS = frozenset({WRONG_LAST_SEQUENCE, DUPLICATE_IN_BATCH})
"""Refusals caused by one decision of a group: split the group to find it."""

IN_FLIGHT = 2
"""Groups committing at once: while the server commits one, the client sends the next (the
server commits one batch of a stream at a time; more than two made no difference here)."""

Rollout = tuple[str, str]
Send = Callable[[str, bytes, dict[str, str], bool], Awaitable[dict[str, Any] | None]]
"""Publish one message; with `last` true, as a request, returning the server's JSON reply."""


@dataclass(frozen=True, slots=True)
class Refused:
    """The server's refusal of the batch holding a decision."""

    code: int
    description: str


Outcome = int | Refused
"""The stream sequence of a decision's last event, or why it was not stored."""


@dataclass(slots=True)
class Pending:
    rollout: Rollout
    messages: Sequence[Outgoing]
    outcome: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def refusal_of(reply: dict[str, Any]) -> Refused | None:
    error = reply.get("error")
    if error is None:
        return None
    return Refused(int(error.get("err_code") or 0), str(error.get("description")))


class GroupCommitter:
    """Queues decisions and commits them in groups, at most `in_flight` groups at a time."""

    def __init__(
        self, send: Send, *, max_messages: int = MAX_EVENTS_PER_APPEND, in_flight: int = IN_FLIGHT
    ) -> None:
        self._send = send
        self._max_messages = max_messages
        self._in_flight = in_flight
        self._queue: deque[Pending] = deque()
        self._workers: set[asyncio.Task[None]] = set()
        self.groups = 0
        """Batches (or single publishes) sent, for diagnostics."""

    async def commit(self, rollout: Rollout, messages: Sequence[Outgoing]) -> Outcome:
        if len(messages) > self._max_messages:
            raise ValueError(f"a decision may hold at most {self._max_messages} messages")
        pending = Pending(rollout, messages)
        self._queue.append(pending)
        if len(self._workers) < self._in_flight:
            worker = asyncio.get_running_loop().create_task(
                self._drain(), name="event-store-group-commit"
            )
            self._workers.add(worker)
        return await pending.outcome

    async def _drain(self) -> None:
        try:
            while self._queue:
                group = self._take_group()
                try:
                    await self._commit_group(group)
                except BaseException as failure:  # never leave a caller waiting forever
                    _fail(group, failure)
                    if not isinstance(failure, Exception):
                        raise
        finally:  # at once, not in a done callback: a decision queued next must find no worker
            current = asyncio.current_task()
            assert current is not None
            self._workers.discard(current)

    def _take_group(self) -> list[Pending]:
        """The oldest waiting decisions that fit one batch, at most one per rollout."""
        group: list[Pending] = []
        rollouts: set[Rollout] = set()
        size = 0
        deferred: deque[Pending] = deque()
        while self._queue:
            pending = self._queue.popleft()
            if pending.outcome.done():  # its caller gave up waiting
                continue
            fits = size + len(pending.messages) <= self._max_messages
            if not fits or pending.rollout in rollouts:
                deferred.append(pending)
                if not fits:
                    break
                continue
            group.append(pending)
            rollouts.add(pending.rollout)
            size += len(pending.messages)
        deferred.extend(self._queue)
        self._queue = deferred
        return group

    async def _commit_group(self, group: Sequence[Pending]) -> None:
        live = [pending for pending in group if not pending.outcome.done()]
        if not live:
            return
        try:
            reply = await self._send_unless_abandoned(live)
        except Exception as failure:  # no answer, no stream, connection closed: all share it
            _fail(live, failure)
            return
        if reply is None:
            return
        refused = refusal_of(reply)
        if refused is None:
            _settle(live, int(reply["seq"]))
        elif refused.code in DECISION_FAULTS and len(live) > 1:
            half = len(live) // 2
            await self._commit_group(live[:half])
            await self._commit_group(live[half:])
        else:
            for pending in live:
                if not pending.outcome.done():
                    pending.outcome.set_result(refused)

    async def _send_unless_abandoned(self, group: Sequence[Pending]) -> dict[str, Any] | None:
        """The reply to the group's batch, or None if every caller stopped waiting first.

        A caller's own request would have been cancelled with it; so is a group's, once no one
        waits for it, so that nothing outlives its callers (an app stopping, say). A batch given
        up before its commit message is dropped by the server; after, its outcome is unknown to
        the callers it would have been unknown to anyway.
        """
        sending = asyncio.ensure_future(self._send_batch([m for p in group for m in p.messages]))

        def abandon(_: object) -> None:
            if not sending.done() and all(pending.outcome.done() for pending in group):
                sending.cancel()

        for pending in group:
            pending.outcome.add_done_callback(abandon)
        try:
            return await sending
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if sending.cancelled() and current is not None and not current.cancelling():
                return None
            raise

    async def _send_batch(self, messages: Sequence[Outgoing]) -> dict[str, Any]:
        """One message is atomic by itself; several go as one atomic batch."""
        self.groups += 1
        last = len(messages)
        if last == 1:
            only = messages[0]
            return await self._reply(only.subject, only.data, only.headers)
        batch_id = uuid.uuid4().hex
        for number, message in enumerate(messages, start=1):
            headers = {**message.headers, BATCH_ID: batch_id, BATCH_SEQUENCE: str(number)}
            if number == last:
                headers[BATCH_COMMIT] = "1"
                return await self._reply(message.subject, message.data, headers)
            await self._send(message.subject, message.data, headers, False)
        raise AssertionError("unreachable: a batch has a last message")

    async def _reply(self, subject: str, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
        reply = await self._send(subject, data, headers, True)
        assert reply is not None
        return reply


def _fail(group: Sequence[Pending], failure: BaseException) -> None:
    for pending in group:
        if pending.outcome.done():
            continue
        if isinstance(failure, Exception):
            pending.outcome.set_exception(failure)
        else:
            pending.outcome.cancel()


def _settle(group: Sequence[Pending], last_sequence: int) -> None:
    """A batch is stored contiguously: each decision's last sequence follows from the last."""
    after = sum(len(p.messages) for p in group)
    for pending in group:
        after -= len(pending.messages)
        if not pending.outcome.done():
            pending.outcome.set_result(last_sequence - after)
