"""The maximum pause policy through a real nats-server: the controller, the timer and the
effect workers in-process, rollouts paused at an indefinite step.

With a clock the test moves, the app is stopped while the rollouts are paused, the clock jumps
past the limit, and a new app (a restart) finds the deadlines in the history and acts on them:
abort, promote, notify (the event only), and nothing for a Rollout that turned the limit off.
A second test lets a real second go by with the app running."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import events.inputs as inp
import events.models as ev
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import connect
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from events.pause_limit import PauseLimit
from events.phases import RolloutPhase
from rollouts.ports import Clock
from rollouts.state import RolloutState
from tests.support.nats import NatsServer
from tests.support.sim import rollout_manifest

pytestmark = pytest.mark.integration

WORKERS = ("controller", "traffic", "scaler", "timer")
ROLLOUTS: dict[str, dict[str, str]] = {
    "aborted": {"rollouts.dev/max-pause": "10m", "rollouts.dev/max-pause-action": "abort"},
    "promoted": {"rollouts.dev/max-pause-action": "promote"},
    "notified": {},
    "unlimited": {"rollouts.dev/max-pause": "off"},
}


class MovableClock:
    def __init__(self) -> None:
        self.moment = datetime.now(UTC)

    def now(self) -> datetime:
        return self.moment


def _manifest(name: str, image: str, annotations: dict[str, str]) -> dict[str, Any]:
    canary = {"steps": [{"setWeight": 50}, {"pause": {}}]}
    manifest = rollout_manifest(name, image=image, replicas=2, canary=canary)
    manifest["metadata"]["annotations"] = dict(annotations)
    return manifest


def _settings(url: str, data_dir: Path, limit: PauseLimit) -> Settings:
    base = Settings(data_dir=data_dir, max_pause=limit)
    return base.model_copy(update={"nats": base.nats.model_copy(update={"url": url})})


def _app(settings: Settings, platform: InMemoryPlatform, clock: Clock) -> RolloutsApp:
    return create_app(
        settings,
        workers=WORKERS,
        platform=platform,
        router=InMemoryRouter(),
        clock=clock,
        start_embedded=False,
    )


async def _wait(
    client: RolloutsClient,
    done: Callable[[dict[str, RolloutState]], bool],
    what: str,
    timeout: float = 60.0,
) -> dict[str, RolloutState]:
    deadline = time.monotonic() + timeout
    while True:
        states = {s.name: s for s in await client.states()}
        if done(states):
            return states
        if time.monotonic() > deadline:
            phases = {n: (s.phase, s.revision, s.abort) for n, s in states.items()}
            raise AssertionError(f"timed out waiting for {what}: {phases}")
        await asyncio.sleep(0.1)


async def _deploy(client: RolloutsClient, rollouts: dict[str, dict[str, str]]) -> None:
    for image in ("shop/app:1", "shop/app:2"):
        for name, notes in rollouts.items():
            apply = inp.ApplySpec(input_id=new_input_id(), manifest=_manifest(name, image, notes))
            assert (await client.send("default", name, apply)).status == "accepted"
        if image.endswith(":1"):
            await _wait(
                client,
                lambda s: all(n in s and s[n].phase is RolloutPhase.HEALTHY for n in rollouts),
                "the first revision",
            )


def _all_paused(states: dict[str, RolloutState]) -> bool:
    return all(
        name in states
        and states[name].revision == 2
        and states[name].phase is RolloutPhase.PAUSED
        and states[name].paused_since is not None
        for name in ROLLOUTS
    )


def _settled(states: dict[str, RolloutState]) -> bool:
    return (
        states["aborted"].phase is RolloutPhase.DEGRADED
        and states["promoted"].phase is RolloutPhase.HEALTHY
        and states["notified"].pause_overrun is not None
    )


async def test_a_restarted_controller_acts_on_pauses_that_outlived_their_limit(
    server: NatsServer, tmp_path: Path
) -> None:
    clock, platform = MovableClock(), InMemoryPlatform()
    settings = _settings(server.url, tmp_path / "data", PauseLimit(seconds=600, action="notify"))
    first = _app(settings, platform, clock)
    await first.start()
    connection = await connect(settings)
    client = RolloutsClient(connection)
    try:
        await _deploy(client, ROLLOUTS)
        paused = await _wait(client, _all_paused, "every rollout paused at its pause step")
        await first.stop()
        assert not any(s.pause_overrun for s in paused.values())
        clock.moment += timedelta(minutes=10, seconds=1)
        restarted = _app(settings, platform, clock)
        await restarted.start()
        try:
            states = await _wait(client, _settled, "the limits acted on after the restart")
            await asyncio.sleep(0.5)  # let a wrongly offered wake-up show itself
            states = {s.name: s for s in await client.states()}
        finally:
            await restarted.stop()
        overruns = {
            name: [
                e.event
                for e in (await client.history("default", name))
                if isinstance(e.event, ev.PauseLimitExceeded)
            ]
            for name in ROLLOUTS
        }
    finally:
        await connection.close()
    assert {name: [o.action for o in found] for name, found in overruns.items()} == {
        "aborted": ["abort"],
        "promoted": ["promote"],
        "notified": ["notify"],
        "unlimited": [],
    }
    assert overruns["aborted"][0].message.endswith("(rollouts.dev/max-pause): aborting")
    aborted_canary = states["aborted"].new_rs
    assert states["aborted"].abort and aborted_canary is not None and aborted_canary.desired == 0
    assert states["promoted"].fully_promoted
    assert states["notified"].phase is RolloutPhase.PAUSED
    assert states["unlimited"].phase is RolloutPhase.PAUSED
    assert states["unlimited"].pause_overrun is None


async def test_a_running_controller_aborts_a_pause_at_its_limit(
    server: NatsServer, tmp_path: Path
) -> None:
    """The real clock: the timer wakes up at the deadline while the app runs."""
    settings = _settings(server.url, tmp_path / "data", PauseLimit(seconds=1, action="abort"))
    app = create_app(
        settings,
        workers=WORKERS,
        platform=InMemoryPlatform(),
        router=InMemoryRouter(),
        start_embedded=False,
    )
    await app.start()
    connection = await connect(settings)
    client = RolloutsClient(connection)
    try:
        await _deploy(client, {"live": {}})
        await _wait(client, lambda s: s["live"].abort, "the abort at the limit")
        history = [stored.event for stored in await client.history("default", "live")]
    finally:
        await connection.close()
        await app.stop()
    (overrun,) = [e for e in history if isinstance(e, ev.PauseLimitExceeded)]
    assert overrun.at - overrun.paused_since >= timedelta(seconds=1)
    assert (overrun.action, overrun.source) == ("abort", "controller")
    aborted = [e for e in history if isinstance(e, ev.RolloutAborted)]
    assert [e.cause for e in aborted] == [overrun.cause]
    assert overrun.cause.startswith("tick:default/live:")
