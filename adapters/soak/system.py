"""One soak system: a nats-server, the controller alone in its process, the other workers in a
second process, and the driver's own connection that applies manifests and reads states.

Why this split: the local platform's pods, proxies and weights live in the process that runs
it, so the scaler (which creates the pods), the platform observer (which reports them) and the
traffic worker (whose router is the same platform object) must share one process. The timer
and the analysis worker keep no platform state and run there too. The controller holds no
platform state at all, so it runs alone, as the outside harness ran it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from pathlib import Path

import events.inputs as inp
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import Connection, connect
from adapters.runtime.projection import StateProjection
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import settings_from_env
from adapters.soak.processes import Managed, NatsProcess, WorkerProcess
from adapters.soak.scenario import NAMESPACE, image, manifest, settled
from events.jetstream import JetStreamEventStore
from events.quarantine import Unreadable
from events.store import StoredEvent
from events.streams import DEAD_INPUTS_STREAM
from rollouts.evolve import fold
from rollouts.state import RolloutState, initial_state

EFFECT_WORKERS = ["traffic", "scaler", "timer", "analysis"]


class SoakSystem:
    def __init__(self, root: Path) -> None:
        for sub in ("nats", "data", "logs"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        logs = root / "logs"
        self.nats = NatsProcess(root / "nats", logs)
        data = root / "data"
        self.controller = WorkerProcess("controller", ["controller"], self.nats.url, data, logs)
        self.workers = WorkerProcess("workers", EFFECT_WORKERS, self.nats.url, data, logs)
        self.connection: Connection | None = None
        self.projection: StateProjection | None = None

    @property
    def processes(self) -> dict[str, Managed]:
        return {"controller": self.controller, "workers": self.workers, "nats": self.nats}

    async def start(self) -> None:
        for process in (self.nats, self.controller, self.workers):
            await asyncio.to_thread(process.start)
        settings = settings_from_env(nats_url=self.nats.url, data_dir=str(self.workers.data_dir))
        self.connection = await connect(settings)
        self.projection = StateProjection(JetStreamEventStore(self.connection.js))
        await self.projection.rebuild()
        await self.projection.follow(self.connection.nc)

    async def stop(self) -> None:
        if self.projection is not None:
            await self.projection.close()
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.close()
        for process in (self.workers, self.controller, self.nats):
            await asyncio.to_thread(process.stop)

    async def apply_round(self, names: Sequence[str], round_number: int) -> None:
        assert self.connection is not None
        publish = InputPublisher(self.connection.js, give_up_after=600.0)
        for name in names:
            item = inp.ApplySpec(
                input_id=new_input_id(), manifest=manifest(name, image(round_number))
            )
            await publish(NAMESPACE, name, item)

    async def wait_round(self, names: Sequence[str], revision: int, timeout: float) -> list[str]:
        """Until every rollout has settled at `revision`; the ones that did not, at timeout."""
        assert self.projection is not None
        deadline = time.monotonic() + timeout
        while True:
            behind = [n for n in names if not settled(self.state(n), revision)]
            if not behind or time.monotonic() > deadline:
                return behind
            await asyncio.sleep(0.5)

    def state(self, name: str) -> RolloutState | None:
        assert self.projection is not None
        return self.projection.state(NAMESPACE, name)

    async def histories(self, names: Sequence[str]) -> dict[str, list[StoredEvent]]:
        """Read afresh from the stream (not the projection), for the final comparison."""
        assert self.connection is not None
        client = RolloutsClient(self.connection)
        return {name: await client.history(NAMESPACE, name) for name in names}


def fold_history(name: str, history: Sequence[StoredEvent]) -> RolloutState:
    readable = [s.event for s in history if not isinstance(s.event, Unreadable)]
    return fold(initial_state(NAMESPACE, name), readable)


async def dead_letters(connection: Connection) -> int:
    """Inputs parked as undeliverable: each is an intent that took no effect."""
    try:
        info = await connection.js.stream_info(DEAD_INPUTS_STREAM)
    except Exception:  # no dead-letter stream: nothing was parked
        return 0
    return int(info.state.messages)
