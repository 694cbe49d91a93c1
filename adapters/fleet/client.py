"""Talking to the fleet coordinator from outside: send a command, read a fleet's history."""

from __future__ import annotations

import contextlib

from nats.aio.client import Client

from adapters.fleet.topology import (
    FLEET_CODEC,
    FLEET_EVENTS,
    FLEET_INPUTS,
    FLEET_NAMESPACE,
    fleet_input_subject,
)
from events.base import Input
from events.input_codec import H_REPLY_TO, InputOutcome, encode_input
from events.jetstream import JetStreamEventStore
from events.store import StoredEvent
from rollouts.fleet.state import FleetState, fold_fleet, initial_fleet_state


class CoordinatorUnavailable(Exception):
    """No coordinator answered; the command stays queued in FLEET_INPUTS."""


class FleetClient:
    def __init__(self, nc: Client) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self.store = JetStreamEventStore(self._js, stream=FLEET_EVENTS, codec=FLEET_CODEC)

    async def send(self, fleet: str, item: Input, *, timeout: float = 15.0) -> InputOutcome:
        """Publish `item` for `fleet` and wait for the coordinator's outcome."""
        inbox = self._nc.new_inbox()
        subscription = await self._nc.subscribe(inbox, max_msgs=1)
        try:
            _, headers, data = encode_input(FLEET_NAMESPACE, fleet, item)
            headers[H_REPLY_TO] = inbox
            ack = await self._js.publish(
                fleet_input_subject(fleet), data, headers=headers, stream=FLEET_INPUTS
            )
            if ack.duplicate:  # the same input id was sent before: decided once, not again
                message = "this input id was already sent; it is decided only once"
                return InputOutcome(input_id=item.input_id, status="unchanged", message=message)
            try:
                reply = await subscription.next_msg(timeout)
            except TimeoutError:
                raise CoordinatorUnavailable(
                    f"the fleet coordinator did not answer within {timeout:.0f}s; the command "
                    "stays queued and is decided when a coordinator runs"
                ) from None
        finally:
            with contextlib.suppress(Exception):
                await subscription.unsubscribe()
        return InputOutcome.model_validate_json(reply.data)

    async def history(self, fleet: str) -> list[StoredEvent]:
        return await self.store.load(FLEET_NAMESPACE, fleet)

    async def state(self, fleet: str) -> FleetState | None:
        stored = await self.history(fleet)
        if not stored:
            return None
        return fold_fleet(initial_fleet_state(fleet), (s.event for s in stored))

    async def fleets(self) -> list[str]:
        return [name for ns, name in await self.store.rollouts() if ns == FLEET_NAMESPACE]
