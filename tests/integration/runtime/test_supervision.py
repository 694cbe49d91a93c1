"""Supervised background loops, with injected faults, on a real NATS server: a loop that dies is
restarted with a logged reason and does its work again; one that keeps dying makes /readyz fail
and the process exit non-zero."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

import events.inputs as inp
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import connect
from adapters.runtime.settings import Settings
from adapters.runtime.supervisor import Policy
from adapters.workers.app import AppFailed, RolloutsApp, create_app
from adapters.workers.observer import PlatformObserver
from adapters.workers.timer import TimerWorker
from events.phases import RolloutPhase
from tests.integration.runtime.harness import manifest
from tests.support.nats import NatsServer

pytestmark = pytest.mark.integration

QUICK = Policy(restart=True, max_restarts=1, backoff=0.2)


def fail_first(method: Callable[..., Any], times: int) -> Callable[..., Any]:
    """`method`, raising on its first `times` calls (an injected fault in a loop)."""
    calls = 0

    async def faulty(self: object) -> None:
        nonlocal calls
        calls += 1
        if calls <= times:
            raise RuntimeError(f"injected fault {calls}")
        await method(self)

    return faulty


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[RolloutsApp]:
    running = create_app(
        Settings(data_dir=tmp_path),
        platform=InMemoryPlatform(),
        router=InMemoryRouter(),
        http_port=0,
        supervision=QUICK,
    )
    yield running
    await running.stop()


async def wait_healthy(client: RolloutsClient, revision: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = await client.state("default", "app")
        if state and state.phase is RolloutPhase.HEALTHY and state.revision == revision:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"rollout not Healthy at revision {revision}: {state}")


async def test_a_dead_timer_is_restarted_and_ends_pauses_again(
    app: RolloutsApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TimerWorker, "_run", fail_first(TimerWorker._run, 1))
    with capture_logs() as logs:
        await app.start()
        conn = await connect(Settings(data_dir=tmp_path))
        try:
            client = RolloutsClient(conn)
            for revision, image in ((1, "demo:v1"), (2, "demo:v2")):
                item = inp.ApplySpec(input_id=new_input_id(), manifest=manifest("app", image))
                assert (await client.send("default", "app", item)).status == "accepted"
                await wait_healthy(client, revision)  # revision 2 waits out two 1 s pauses
        finally:
            await conn.close()
    (failed,) = [line for line in logs if line["event"] == "task.failed"]
    assert (failed["task"], failed["action"]) == ("timer-worker", "restarted")
    assert str(failed["exc_info"]) == "injected fault 1"
    assert [line["task"] for line in logs if line["event"] == "task.restarted"] == ["timer-worker"]
    assert app.health is not None and app.ready
    async with httpx.AsyncClient(base_url=app.health.url) as http:
        assert (await http.get("/readyz")).status_code == 200
        metrics = (await http.get("/metrics")).text
    assert 'rollouts_task_failures_total{action="restarted",task="timer-worker"} 1.0' in metrics
    assert 'rollouts_task_up{task="timer-worker"} 1.0' in metrics


async def test_a_loop_that_keeps_dying_fails_readiness_and_the_app(
    app: RolloutsApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PlatformObserver, "_run", fail_first(PlatformObserver._run, 100))
    await app.start()
    with pytest.raises(AppFailed, match="background task platform-observer died: RuntimeError"):
        async with asyncio.timeout(10):
            await app.run_until(asyncio.Event())
    assert app.health is not None and not app.ready
    async with httpx.AsyncClient(base_url=app.health.url) as http:
        assert (await http.get("/readyz")).status_code == 503
        assert (await http.get("/healthz")).status_code == 200
        metrics = (await http.get("/metrics")).text
    assert (
        'rollouts_task_failures_total{action="restarted",task="platform-observer"} 1.0' in metrics
    )
    assert 'rollouts_task_failures_total{action="fatal",task="platform-observer"} 1.0' in metrics


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    (tmp_path / "nats").mkdir()
    with NatsServer(data_dir=tmp_path / "nats") as running:
        yield running


def test_the_worker_process_exits_non_zero_with_the_traceback_logged(
    server: NatsServer, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "tests.integration.runtime.crashing_worker", "timer"]
    command += ["--nats-url", server.url, "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(command, capture_output=True, timeout=60, cwd=Path.cwd(), check=False)
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert done.stdout.decode().splitlines() == ["ready"]
    assert stderr.splitlines()[-1] == (
        "error: stopped: background task timer-worker died: "
        "RuntimeError('injected fault in the timer loop')"
    )
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    deaths = [line for line in lines if line["event"] == "task.failed"]
    assert [line["action"] for line in deaths] == ["restarted", "fatal"]
    assert all("Traceback (most recent call last)" in line["exception"] for line in deaths)
    assert all("injected fault in the timer loop" in line["exception"] for line in deaths)
