"""examples/subscriber.py, run as a user would, prints aborts as they are appended."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.aio.client import Client

import events.models as ev
from events.jetstream import JetStreamEventStore, ensure_streams
from events.phases import RolloutPhase
from tests.support.nats import ContainerNatsServer, NatsServer

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[3]
EXAMPLE = ROOT / "examples" / "subscriber.py"
AT = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


async def line(stream: asyncio.StreamReader) -> str:
    return (await asyncio.wait_for(stream.readline(), 15)).decode()


async def test_prints_each_abort_once_and_nothing_else(
    nats_server: NatsServer | ContainerNatsServer, nats_client: Client
) -> None:
    assert len(EXAMPLE.read_text().splitlines()) < 30
    js = nats_client.jetstream()
    await ensure_streams(js)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        nats_server.url,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        assert await line(process.stdout) == "listening on rollouts.evt.*.*.RolloutAborted\n"
        store = JetStreamEventStore(js)
        degraded = ev.RolloutPhaseChanged(
            cause="in-9",
            at=AT,
            from_phase=RolloutPhase.PAUSED,
            to_phase=RolloutPhase.DEGRADED,
            trigger="abort",
            reason="RolloutAborted",
            message="aborted",
        )
        aborted = ev.RolloutAborted(cause="in-9", at=AT, revision=3, message="error rate 9%")
        await store.append("payments", "checkout.v2", [aborted, degraded], expected_version=0)
        assert await line(process.stdout) == "payments/checkout.v2 revision 3: error rate 9%\n"
        again = ev.RolloutAborted(cause="in-10", at=AT, revision=4, message="p99 2s")
        await store.append("edge", "web", [again], expected_version=0)
        assert await line(process.stdout) == "edge/web revision 4: p99 2s\n"
        assert process.returncode is None  # still listening
    finally:
        if process.returncode is None:
            process.terminate()
        await process.communicate()
