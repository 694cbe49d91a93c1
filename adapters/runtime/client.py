"""What the CLI (and the demo) need from a running system: read and command rollouts.

Reads fold the stream directly, so `get`, `events` and `replay` work even with no controller
running. Commands are checked first against the current state with the same pure `decide` the
controller runs (a refusal appends nothing and publishes nothing), then published with a reply
subject; the controller's answer is authoritative.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.client import JetStreamContext

from adapters.runtime.connect import Connection
from adapters.runtime.folding import evolve_readable, fold_readable
from adapters.runtime.leases import live_members
from adapters.runtime.publish import InputPublisher
from adapters.runtime.subscriptions import unsubscribe
from adapters.runtime.templates import KvTemplateStore
from events.base import Command, Input
from events.codec import DEFAULT_CODEC
from events.input_codec import InputOutcome
from events.jetstream import JetStreamEventStore
from events.quarantine import Unreadable, decode_stored
from events.store import StoredEvent
from events.subjects import rollout_events_filter
from rollouts.state import RolloutState, initial_state


class ControllerUnavailable(RuntimeError):
    """No controller is consuming inputs, or it did not answer in time."""


def new_input_id() -> str:
    return str(uuid.uuid4())


def command_actor(who: str, nats_user: str) -> str:
    """Who sent a command: the person (the OS user, or ROLLOUTS_ACTOR) and the NATS user the
    server authenticated, as `alice@cli`; just the person on a server without users."""
    who = who or "unknown"
    return f"{who}@{nats_user}" if nats_user else who


class RolloutsClient:
    def __init__(self, connection: Connection, *, actor: str | None = None) -> None:
        self._conn = connection
        self.actor = actor
        """Stamped on every command this client sends (None: the commands' own)."""
        self.store = JetStreamEventStore(connection.js)
        self._publish = InputPublisher(connection.js)

    @property
    def js(self) -> JetStreamContext:
        return self._conn.js

    @property
    def templates(self) -> KvTemplateStore:
        """Where AnalysisTemplates live (the analysis worker reads them from here)."""
        return KvTemplateStore(self._conn.js)

    async def history(self, namespace: str, name: str) -> list[StoredEvent]:
        return await self.store.load(namespace, name)

    async def state(self, namespace: str, name: str) -> RolloutState | None:
        history = await self.history(namespace, name)
        if not history:
            return None
        return fold_readable(initial_state(namespace, name), (s.event for s in history))

    async def states(self) -> list[RolloutState]:
        states: dict[tuple[str, str], RolloutState] = {}
        for stored in await self.store.load_all():
            if isinstance(stored.event, Unreadable):  # skipped by the fold (events.quarantine)
                continue
            namespace, _, name = stored.envelope.subject.partition("/")
            state = states.get((namespace, name)) or initial_state(namespace, name)
            states[(namespace, name)] = evolve_readable(state, stored.event)
        return [states[key] for key in sorted(states)]

    def precheck(self, state: RolloutState, item: Input) -> None:
        """Raise the DomainError the controller would raise, before publishing anything."""
        from rollouts.decide import decide  # the deciding core: loaded by commands only

        decide(state, item, datetime.now(UTC))

    async def controller_running(self) -> bool:
        """A controller replica keeps a member key alive in the lease bucket."""
        return bool(await live_members(self._conn.js))

    async def send(
        self, namespace: str, name: str, item: Input, *, timeout: float = 15.0
    ) -> InputOutcome:
        if not await self.controller_running():
            raise ControllerUnavailable(
                "no controller is running; start one with `rollouts serve` "
                "(or `rollouts worker controller`)"
            )
        if self.actor is not None and isinstance(item, Command):
            item = item.model_copy(update={"actor": self.actor})
        nc = self._conn.nc
        inbox = nc.new_inbox()
        subscription = await nc.subscribe(inbox, max_msgs=1)
        try:
            await self._publish(namespace, name, item, reply_to=inbox)
            try:
                reply = await subscription.next_msg(timeout)
            except TimeoutError:
                raise ControllerUnavailable(
                    f"the controller did not answer within {timeout:.0f}s; "
                    "the command stays queued and will be decided when it catches up"
                ) from None
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        return InputOutcome.model_validate_json(reply.data)

    async def follow(
        self, namespace: str, name: str, *, after: int = 0
    ) -> AsyncIterator[StoredEvent]:
        """New events of one rollout as they are appended (after stream sequence `after`)."""
        queue: asyncio.Queue[StoredEvent] = asyncio.Queue()

        async def on_message(msg: Msg) -> None:
            sequence = msg.metadata.sequence.stream
            await queue.put(
                decode_stored(DEFAULT_CODEC, msg.subject, sequence, msg.headers, msg.data)
            )

        config = (
            ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after + 1)
            if after
            else ConsumerConfig(deliver_policy=DeliverPolicy.NEW)
        )
        subscription = await self._conn.js.subscribe(
            rollout_events_filter(namespace, name),
            ordered_consumer=True,
            cb=on_message,
            config=config,
        )
        try:
            while True:
                yield await queue.get()
        finally:
            await unsubscribe(subscription)
