"""Every cluster's rollouts, folded from the hub's copy of their histories (FLEET_REGIONS).

The hub sources each cluster's ROLLOUTS stream with its subjects rewritten to
`fleet.evt.<cluster>.<ns>.<name>.<Type>`. This reader folds those events with the same
`evolve` the cluster's own controller uses, so the coordinator sees exactly the state the
cluster's `rollouts get` would show, as of the last event the hub received.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from nats.js.client import JetStreamContext

from adapters.fleet.topology import FLEET_REGIONS
from adapters.runtime.subscriptions import unsubscribe
from events.codec import DEFAULT_CODEC
from events.subjects import decode_name
from rollouts.evolve import evolve
from rollouts.state import RolloutState, initial_state

log = structlog.get_logger("rollouts.fleet.regions")

ClusterKey = tuple[str, str, str]
"""(cluster, namespace, name)"""
Listener = Callable[[ClusterKey, RolloutState, int], None]

_TOKENS = 6


def parse_region_subject(subject: str) -> tuple[str, str, str] | None:
    tokens = subject.split(".")
    if len(tokens) != _TOKENS or tokens[:2] != ["fleet", "evt"]:
        return None
    return decode_name(tokens[2]), decode_name(tokens[3]), decode_name(tokens[4])


class RegionStates:
    def __init__(self, js: JetStreamContext, listener: Listener) -> None:
        self._js = js
        self._listener = listener
        self.states: dict[ClusterKey, RolloutState] = {}
        self.sequence = 0
        self.caught_up = asyncio.Event()
        self._target = 0
        self._subscription: object | None = None

    async def start(self) -> None:
        """Subscribe from the start of the stream; `caught_up` is set once the history that
        existed at start has been folded."""
        info = await self._js.stream_info(FLEET_REGIONS)
        target = info.state.last_seq
        if target == 0:
            self.caught_up.set()
        self._target = target
        self._subscription = await self._js.subscribe(
            "fleet.evt.>",
            stream=FLEET_REGIONS,
            cb=self._on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )

    async def stop(self) -> None:
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            await unsubscribe(subscription)

    def state(self, cluster: str, namespace: str, name: str) -> RolloutState | None:
        return self.states.get((cluster, namespace, name))

    async def _on_message(self, msg: Msg) -> None:
        sequence = msg.metadata.sequence.stream
        self.sequence = sequence
        key = parse_region_subject(msg.subject)
        if key is not None:
            self._fold(key, msg, sequence)
        if sequence >= self._target:
            self.caught_up.set()

    def _fold(self, key: ClusterKey, msg: Msg, sequence: int) -> None:
        try:
            _, event = DEFAULT_CODEC.decode(msg.headers, msg.data)
            state = self.states.get(key) or initial_state(key[1], key[2])
            state = evolve(state, event)
        except Exception as error:  # a region's unreadable event must not stop the fleet
            log.warning("fleet.region_event_unreadable", subject=msg.subject, error=repr(error))
            return
        self.states[key] = state
        self._listener(key, state, sequence)
