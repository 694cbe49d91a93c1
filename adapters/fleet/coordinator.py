"""The fleet coordinator: one process on the hub deciding every fleet rollout.

It is event-sourced like a rollout controller: a fleet's state is the fold of its history in
FLEET_EVENTS, each input is decided by the pure `decide_fleet`, the events are appended with
optimistic concurrency (a second coordinator loses the race and re-decides on fresh state), and
only then are intents carried out (commands to clusters). Inputs come from three places, all
handled one at a time in arrival order by one loop:
- commands (`rollouts fleet apply/promote/abort`) from FLEET_INPUTS, acknowledged once decided;
- observations: a cluster's rollout changed in FLEET_REGIONS (`ClusterObserved`);
- ticks, which end bake times.

A restart folds the histories again, replays FLEET_REGIONS, and resends the commands the
history asked for that no cluster has shown yet (same input ids: no second effect). So a
crash between appending a decision and sending its commands neither loses nor repeats it.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout

from adapters.fleet.commands import CommandSender
from adapters.fleet.links import ClusterLinks
from adapters.fleet.metrics import FleetMetrics
from adapters.fleet.regions import ClusterKey, RegionStates
from adapters.fleet.topology import (
    FLEET_CODEC,
    FLEET_EVENTS,
    FLEET_INPUTS,
    FLEET_NAMESPACE,
    ensure_hub_streams,
)
from adapters.runtime.tasks import cancel_and_wait
from events import fleet as ev
from events.base import Input
from events.fleet import FLEET_INPUT_TYPES
from events.input_codec import H_REPLY_TO, InputOutcome, MalformedInput, decode_input
from events.jetstream import JetStreamEventStore
from events.subjects import decode_name
from rollouts.errors import DomainError
from rollouts.fleet.decide import decide_fleet
from rollouts.fleet.observe import observation_fields
from rollouts.fleet.state import FleetState, fold_fleet, initial_fleet_state
from rollouts.ports import Clock
from rollouts.state import RolloutState

log = structlog.get_logger("rollouts.fleet.coordinator")

DURABLE = "fleet-coordinator"


@dataclass
class _Work:
    fleet: str
    item: Input
    msg: Msg | None = None


class FleetCoordinator:
    def __init__(
        self, nc: Client, clock: Clock, *, tick: float = 0.25, link_interval: float = 1.0
    ) -> None:
        self._nc = nc
        self._js = nc.jetstream()
        self._clock = clock
        self._tick = tick
        self.store = JetStreamEventStore(self._js, stream=FLEET_EVENTS, codec=FLEET_CODEC)
        self.sender = CommandSender(self._js)
        self.links = ClusterLinks(nc, interval=link_interval)
        self.regions = RegionStates(self._js, self._on_region_change)
        self.fleets: dict[str, FleetState] = {}
        self._versions: dict[str, int] = {}
        self._seen: dict[tuple[str, str], dict[str, object]] = {}
        self._queue: asyncio.Queue[_Work] = asyncio.Queue()
        self._newest: dict[tuple[str, str], str] = {}
        """(fleet, cluster) -> id of the newest observation queued: older ones are skipped."""
        self._tasks: list[asyncio.Task[None]] = []
        self.decisions = 0
        self.metrics = FleetMetrics()

    async def start(self) -> None:
        await ensure_hub_streams(self._js)
        for namespace, name in await self.store.rollouts():
            if namespace == FLEET_NAMESPACE:
                await self._load(name)
        await self.regions.start()
        await self.regions.caught_up.wait()
        for state in self.fleets.values():
            await self._watch_clusters(state)
            await self.sender.resend_outstanding(state)
        subscription = await self._js.pull_subscribe(
            "fleet.in.>", durable=DURABLE, stream=FLEET_INPUTS
        )
        loops = (self._decide_loop(), self._fetch_loop(subscription), self._tick_loop())
        self._tasks = [asyncio.ensure_future(loop) for loop in loops]
        self.links.start()
        log.info("fleet.coordinator_started", fleets=sorted(self.fleets))

    async def stop(self) -> None:
        await self.links.stop()
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        await self.regions.stop()

    async def _load(self, name: str) -> FleetState:
        stored = await self.store.load(FLEET_NAMESPACE, name)
        state = fold_fleet(initial_fleet_state(name), (s.event for s in stored))
        self.fleets[name] = state
        self.metrics.update(state)
        self._versions[name] = stored[-1].stream_sequence if stored else 0
        return state

    async def _watch_clusters(self, state: FleetState) -> None:
        """Source the fleet's clusters on the hub, link them, and observe what they hold."""
        if state.fleet is None:
            return
        clusters = [c.name for c in state.fleet.clusters()]
        await self.links.add(clusters)
        ns, name = state.fleet.spec.rollout.namespace, state.fleet.spec.rollout.name
        for cluster in clusters:
            rollout = self.regions.state(cluster, ns, name)
            if rollout is not None:
                self._observe(state.name, cluster, rollout, self.regions.sequence)

    # inputs ---------------------------------------------------------------------------------

    def _on_region_change(self, key: ClusterKey, rollout: RolloutState, sequence: int) -> None:
        if not self.regions.caught_up.is_set():
            return  # replaying: the states fold, the current ones are observed once caught up
        cluster, ns, name = key
        for state in self.fleets.values():
            fleet = state.fleet
            if fleet is None or (fleet.spec.rollout.namespace, fleet.spec.rollout.name) != (
                ns,
                name,
            ):
                continue
            if fleet.cluster(cluster) is not None:
                self._observe(state.name, cluster, rollout, sequence)

    def _observe(self, fleet: str, cluster: str, rollout: RolloutState, sequence: int) -> None:
        fields = observation_fields(rollout)
        if self._seen.get((fleet, cluster)) == fields:
            return
        self._seen[(fleet, cluster)] = fields
        item = ev.ClusterObserved(
            input_id=f"observed:{cluster}:{sequence}", cluster=cluster, **fields
        )
        self._newest[(fleet, cluster)] = item.input_id
        self._queue.put_nowait(_Work(fleet, item))

    async def _fetch_loop(self, subscription: object) -> None:
        while True:
            try:
                messages = await subscription.fetch(16, timeout=1.0)  # type: ignore[attr-defined]
            except (NatsTimeout, TimeoutError):
                continue
            for msg in messages:
                fleet = decode_name(msg.subject.split(".")[2])
                try:
                    item = decode_input(msg.headers, msg.data, FLEET_INPUT_TYPES)
                except MalformedInput as error:
                    await self._reply(
                        msg, InputOutcome(input_id="", status="invalid", message=str(error))
                    )
                    await msg.ack()
                    continue
                self._queue.put_nowait(_Work(fleet, item, msg))

    async def _tick_loop(self) -> None:
        """Ticks for fleets waiting out a bake time (the only decision time alone makes)."""
        while True:
            await asyncio.sleep(self._tick)
            for name, state in self.fleets.items():
                if state.phase in ("Pending", "Progressing") and state.wave_completed_at:
                    now = self._clock.now()
                    item = ev.FleetTick(input_id=f"tick:{name}:{now.isoformat()}")
                    self._queue.put_nowait(_Work(name, item))

    # deciding -------------------------------------------------------------------------------

    async def _decide_loop(self) -> None:
        while True:
            work = await self._queue.get()
            if self._superseded(work):
                continue
            try:
                outcome = await self._decide(work.fleet, work.item)
            except Exception as error:
                log.exception("fleet.decision_failed", fleet=work.fleet, error=repr(error))
                outcome = None
            if work.msg is not None:
                if outcome is not None:
                    await self._reply(work.msg, outcome)
                    await work.msg.ack()
                else:
                    await work.msg.nak(delay=1.0)

    def _superseded(self, work: _Work) -> bool:
        """An observation with a newer one of the same cluster queued behind it: deciding on
        the newer one alone is the same, minus a stale intermediate state (and an append)."""
        item = work.item
        if not isinstance(item, ev.ClusterObserved):
            return False
        return self._newest.get((work.fleet, item.cluster)) != item.input_id

    async def _decide(self, name: str, item: Input) -> InputOutcome:
        for _attempt in range(3):
            state = self.fleets.get(name) or initial_fleet_state(name)
            try:
                events = decide_fleet(state, item, self._clock.now())
            except DomainError as refusal:
                return InputOutcome(input_id=item.input_id, status="refused", message=str(refusal))
            if not events:
                return InputOutcome(input_id=item.input_id, status="unchanged")
            try:
                version = await self.store.append(
                    FLEET_NAMESPACE, name, events, expected_version=self._versions.get(name, 0)
                )
            except Exception as conflict:  # another writer moved the fleet: reload, decide again
                log.warning("fleet.append_retry", fleet=name, error=repr(conflict))
                await self._load(name)
                continue
            self.decisions += 1
            state = fold_fleet(state, events)
            self.fleets[name], self._versions[name] = state, version
            self.metrics.update(state)
            await self.sender.carry_out(state, events)
            if any(isinstance(e, ev.FleetSpecApplied) for e in events):
                await self._watch_clusters(state)
            return InputOutcome(
                input_id=item.input_id, status="accepted", events=len(events), version=version
            )
        raise RuntimeError(f"fleet {name}: the append kept conflicting")

    async def _reply(self, msg: Msg, outcome: InputOutcome) -> None:
        reply_to = (msg.headers or {}).get(H_REPLY_TO)
        if reply_to:
            with contextlib.suppress(Exception):
                await self._nc.publish(reply_to, outcome.model_dump_json().encode())
