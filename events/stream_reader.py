"""Reading the event stream in order, in bulk: one pull consumer for a whole replay.

A replay reads every event once, so it is the client, not the server, that sets its pace
(nats-py parses each message, headers included, in Python). How this reader keeps that cost
to one parse per event, and its memory bounded:

- One consumer from the first page to the last. A consumer per page (the old `load_all` loop)
  made the server push the rest of the stream each time, and the client parsed those messages
  before the unsubscribe caught up: 2.3 messages read per event on a 51k-event stream.
- Nothing past the end: the read asks for exactly the events between `after` and a stream
  sequence fixed when it starts (or `limit` of them), `no_wait`, so it ends where the stream
  ends.
- Back-pressure: the consumer is pulled, a page at a time, and only `AHEAD` pages are ever
  requested beyond what the caller has taken. A push consumer cannot do this with nats-py:
  with a callback, nats-py answers the server's flow control as soon as a message is received,
  not when the callback is done with it, so a push consumer outruns a slow caller without
  bound (and nats-py's ordered consumer loses what a full pending queue drops).
- A core subscription on an inbox, not nats-py's JetStream subscription: no per-message
  ordered-consumer bookkeeping. The stream sequence comes from the reply subject.

The consumer is ephemeral, in memory, without acks, and deleted when the read ends (or by the
server after `INACTIVE` seconds if the client is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext

from events.store import EventStoreError
from events.subjects import EVENT_SUBJECTS

AHEAD = 2
"""Pages requested from the server beyond those the caller has taken."""
INACTIVE = 60.0
"""Seconds after which the server deletes a reader's consumer that nobody pulls from."""
_ACK_TOKENS = 9  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>

Page = list[tuple[int, Msg]]


def stream_sequence(reply: str) -> int:
    """The stream sequence of a message delivered by a consumer, from its reply subject."""
    tokens = reply.split(".")
    # The newer form adds a domain and an account hash after "$JS.ACK" and a random suffix.
    return int(tokens[5] if len(tokens) == _ACK_TOKENS else tokens[7])


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector off for a bulk replay, then restore its state.

    A replay builds a large, long-lived heap (every rollout's state) in a few seconds, and the
    collector keeps walking it as it grows: a quarter to a third of a replay's time (the
    benchmark's `replay.ours_collector_paused_events_per_s`). A replay makes almost no cyclic
    garbage, so nothing is lost by collecting later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Pull:
    """One read: the consumer, the inbox its pages arrive on, and what has arrived."""

    def __init__(self, js: JetStreamContext, stream: str, end: int, wanted: int, page: int):
        self.js, self.stream, self.end, self.wanted, self.page = js, stream, end, wanted, page
        self.pages: asyncio.Queue[Page | BaseException | None] = asyncio.Queue()
        self.current: Page = []
        self.received = self.requested = 0
        self.consumer = ""
        self.inbox = js._nc.new_inbox()
        self.subscription: Subscription | None = None

    async def open(self, after: int) -> None:
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
            opt_start_seq=after + 1,
            ack_policy=AckPolicy.NONE,
            filter_subject=EVENT_SUBJECTS,
            inactive_threshold=INACTIVE,
            mem_storage=True,
            num_replicas=1,
        )
        self.consumer = str((await self.js.add_consumer(self.stream, config)).name)
        self.subscription = await self.js._nc.subscribe(self.inbox, cb=self.receive)
        for _ in range(AHEAD):
            await self.request()

    async def request(self) -> None:
        """Ask for the next page, if any is left to ask for."""
        size = min(self.page, self.wanted - self.requested)
        if size <= 0:
            return
        self.requested += size
        await self.js._nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{self.consumer}",
            json.dumps({"batch": size, "no_wait": True}).encode(),
            reply=self.inbox,
        )

    async def receive(self, msg: Msg) -> None:
        if not msg.data and msg.headers and "Status" in msg.headers:
            self._status(msg.headers)
            return
        sequence = stream_sequence(msg.reply)
        if sequence > self.end or self.received >= self.wanted:
            return  # only a stream with gaps gets here: more was asked for than exists
        self.current.append((sequence, msg))
        self.received += 1
        last = sequence == self.end or self.received == self.wanted
        if last or len(self.current) == self.page:
            self.pages.put_nowait(self.current)
            self.current = []
        if last:
            self.pages.put_nowait(None)

    def _status(self, headers: dict[str, str]) -> None:
        if headers["Status"] in ("404", "408"):  # nothing more to read: the end
            if self.current:
                self.pages.put_nowait(self.current)
                self.current = []
            self.pages.put_nowait(None)
        elif headers["Status"] != "100":
            status = headers["Status"]
            failure = EventStoreError(
                f"reading stream {self.stream} failed: status {status}"
                + " (no responder: a server or the stream leader is changing; ask again)"
                * (status == "503")
            )
            self.pages.put_nowait(failure)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.subscription is not None:
                await self.subscription.unsubscribe()
        with contextlib.suppress(Exception):
            if self.consumer:
                await self.js.delete_consumer(self.stream, self.consumer)


async def pulled_pages(
    js: JetStreamContext,
    stream: str,
    *,
    after: int,
    end: int,
    page: int,
    limit: int | None = None,
    timeout: float,
) -> AsyncGenerator[Page, None]:
    """(stream sequence, message) of the events after `after` up to `end`, `page` at a time.

    Gives up with `EventStoreError` when a page does not arrive within `timeout` seconds.
    """
    after = max(after, 0)
    wanted = end - after if limit is None else min(limit, end - after)
    if wanted <= 0:
        return
    pull = _Pull(js, stream, end, wanted, page)
    try:
        await pull.open(after)
        while True:
            try:
                async with asyncio.timeout(timeout):
                    taken = await pull.pages.get()
            except TimeoutError:
                raise EventStoreError(
                    f"reading stream {stream} stalled after {pull.received} events"
                ) from None
            if taken is None:
                return
            if isinstance(taken, BaseException):
                raise taken
            await pull.request()
            yield taken
    finally:
        await pull.close()
