"""A whole system for fault tests: controller processes that can be SIGKILLed, the effect
workers in-process on the in-memory platform, and a client publishing inputs directly (the
controller may be dead when an input is sent; inputs are durable and wait for it)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import events.inputs as inp
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import Connection, connect
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from events.base import Event, Input
from events.phases import RolloutPhase
from rollouts.state import RolloutState
from tests.support.sim import rollout_manifest

STEPS: list[dict[str, Any]] = [
    {"setWeight": 25},
    {"pause": {"duration": 1}},
    {"setWeight": 50},
    {"pause": {"duration": 1}},
]


def manifest(name: str, image: str) -> dict[str, Any]:
    canary: dict[str, Any] = {"trafficRouting": {"nginx": {"stableIngress": name}}, "steps": STEPS}
    canary |= {"scaleDownDelaySeconds": 1}
    canary |= {"canaryService": f"{name}-canary", "stableService": f"{name}-stable"}
    return rollout_manifest(name, image=image, replicas=2, canary=canary)


class ControllerProcess:
    def __init__(self, url: str, log_path: Path | None = None) -> None:
        """`log_path`: where its JSON log lines go (appended across restarts), for diagnosis."""
        self.url = url
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        command = [sys.executable, "-m", "adapters.workers", "controller", "--nats-url", self.url]
        if self.log_path is None:
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=Path.cwd()
            )
        else:
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    command, stdout=subprocess.PIPE, stderr=log, cwd=Path.cwd()
                )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip() == b"ready":
                break
        else:
            raise AssertionError("controller exited before it was ready")
        self.starts += 1

    def kill(self) -> None:
        self._end(kill=True)

    def stop(self) -> None:
        self._end(kill=False)

    def _end(self, *, kill: bool) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


class System:
    def __init__(self, url: str, data_dir: Path) -> None:
        self.settings = Settings(data_dir=data_dir).model_copy(
            update={"nats": Settings(data_dir=data_dir).nats.model_copy(update={"url": url})}
        )
        self.platform = InMemoryPlatform()
        self.router = InMemoryRouter()
        self.effects: RolloutsApp | None = None
        self.conn: Connection | None = None
        self.client: RolloutsClient | None = None

    async def start(self) -> None:
        self.effects = create_app(
            self.settings,
            workers=("traffic", "scaler", "timer"),
            platform=self.platform,
            router=self.router,
            start_embedded=False,
        )
        await self.effects.start()
        self.conn = await connect(self.settings)
        self.client = RolloutsClient(self.conn)

    async def stop(self) -> None:
        if self.conn is not None:
            await self.conn.close()
        if self.effects is not None:
            await self.effects.stop()

    async def publish(self, name: str, item: Input) -> None:
        assert self.conn is not None
        await InputPublisher(self.conn.js)("default", name, item)

    async def apply(self, name: str, image: str) -> None:
        await self.publish(
            name, inp.ApplySpec(input_id=new_input_id(), manifest=manifest(name, image))
        )

    async def states(self) -> dict[str, RolloutState]:
        assert self.client is not None
        return {s.name: s for s in await self.client.states()}

    async def wait_all(
        self, names: Sequence[str], revision: int, timeout: float = 60.0
    ) -> dict[str, RolloutState]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = await self.states()
            if all(_healthy_at(states.get(n), revision) for n in names):
                return states
            await asyncio.sleep(0.2)
        states = await self.states()
        stuck = {n: s for n, s in states.items() if not _healthy_at(s, revision)}
        details = [await self._explain(name, state) for name, state in stuck.items()]
        raise AssertionError(
            f"not all rollouts Healthy at revision {revision}:\n" + "\n".join(details)
        )

    async def _explain(self, name: str, state: RolloutState) -> str:
        counts = {
            rs.revision: (rs.desired, rs.replicas, rs.available)
            for rs in state.replica_sets.values()
        }
        tail = "\n".join(
            f"    {type(e).__name__} {e.cause}" for e in (await self.events(name))[-12:]
        )
        head = f"  {name}: {state.phase} {state.message} rs(desired,replicas,available)={counts}"
        return f"{head}\n{tail}"

    async def events(self, name: str) -> list[Event]:
        assert self.client is not None
        return [s.event for s in await self.client.history("default", name)]


def _healthy_at(state: RolloutState | None, revision: int) -> bool:
    return (
        state is not None
        and state.phase is RolloutPhase.HEALTHY
        and state.revision == revision
        and state.fully_promoted
        and all(rs.desired == 0 for rs in state.others)
    )


def outcome(state: RolloutState) -> tuple[Any, ...]:
    """What must be identical between a disturbed and an undisturbed run."""
    return (
        state.phase,
        state.revision,
        state.current_step_index,
        state.stable_rs == state.current_pod_hash,
        sorted((rs.revision, rs.desired) for rs in state.replica_sets.values()),
        state.traffic.requested_canary,
        state.abort,
    )


def decisions_are_contiguous(events: Sequence[Event]) -> list[str]:
    """Each input's events form one block: an input decided twice would appear twice."""
    seen: set[str] = set()
    previous = None
    problems = []
    for event in events:
        if event.cause != previous:
            if event.cause in seen:
                problems.append(f"input {event.cause} decided again ({type(event).__name__})")
            seen.add(event.cause)
            previous = event.cause
    return problems
