"""Bad messages already on the streams (issue 14): every reader survives them.

Each case publishes one hostile message with a plain client next to two healthy rollouts, then
reads through the CLI: `events`, `audit` and `get` name the message "unreadable event at
sequence N (reason)", `list rollouts` still lists everything, `pause` still works, and the
controller keeps deciding for the rollout.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from adapters.workers import partitions
from adapters.workers.dead_letters import read_dead_inputs
from events.codec import DEFAULT_CODEC
from events.envelope import Envelope
from events.models import ManualPauseChanged
from events.streams import INPUT_PARTITIONS, INPUTS_STREAM
from tests.integration.runtime.bus import Bus, bus_fixture, metric  # noqa: F401
from tests.support.nats import nats_server  # noqa: F401

pytestmark = pytest.mark.integration

NS = "finance"
EVT = f"rollouts.evt.{NS}.ledger-api"


async def two_rollouts(bus: Bus) -> None:
    await bus.deploy(NS, "ledger-api")
    await bus.deploy(NS, "payments")
    await bus.healthy(NS, "ledger-api", 1)
    await bus.healthy(NS, "payments", 1)


def future_event() -> tuple[dict[str, str], bytes]:
    """Well-formed in every way but its type, which this version does not know."""
    event = ManualPauseChanged(cause="c", at=datetime.now(UTC), paused=True)
    envelope = Envelope.for_event(
        event, namespace=NS, name="ledger-api", rollout_sequence=99, id="f1"
    )
    headers, data = DEFAULT_CODEC.encode(envelope, event)
    return {**headers, "ce-type": "NoSuchEvent"}, data


CASES = {
    "empty-no-headers": (f"{EVT}.RolloutAborted", None, b"{}", "message has no ce-specversion"),
    "unknown-type": (f"{EVT}.NoSuchEvent", *future_event(), "unknown event type 'NoSuchEvent'"),
}


async def sequence_of_last(bus: Bus) -> int:
    return await bus.client.store.last_sequence()


@pytest.mark.parametrize("case", sorted(CASES))
async def test_an_unreadable_event_is_shown_skipped_and_harms_nothing(bus: Bus, case: str) -> None:
    subject, headers, data, reason = CASES[case]
    await two_rollouts(bus)
    bad = await bus.publish(subject, data, headers)  # not the last: the controller may add
    expected = f"unreadable event at sequence {bad} ({reason}"

    events = await bus.cli("events", "ledger-api", "-n", NS)
    assert events.exit_code == 0, events.output
    row = events.stdout.splitlines()[-1]
    assert " Unreadable " in row and expected in row
    audit = await bus.cli("audit", "ledger-api", "-n", NS)
    assert audit.exit_code == 0, audit.output
    assert expected in audit.stdout
    shown = await bus.cli("get", "rollout", "ledger-api", "-n", NS)
    assert shown.exit_code == 0, shown.output
    assert f"Warning:        {expected}" in shown.stdout and "Healthy" in shown.stdout

    listed = await bus.cli("list", "rollouts", "-n", NS)
    assert listed.exit_code == 0, listed.output
    rows = [line.split()[:5] for line in listed.stdout.splitlines()[1:]]
    assert rows == [
        [NS, "ledger-api", "Canary", "✔", "Healthy"],
        [NS, "payments", "Canary", "✔", "Healthy"],
    ]

    paused = await bus.cli("pause", "ledger-api", "-n", NS)
    assert paused.exit_code == 0, paused.output
    assert paused.stdout == "rollout 'ledger-api' paused\n"
    resumed = await bus.cli("resume", "ledger-api", "-n", NS)
    assert resumed.exit_code == 0, resumed.output
    assert await bus.apply_spec(NS, "ledger-api", "app:2") == "accepted"
    await bus.healthy(NS, "ledger-api", 2)

    assert metric(await bus.metrics(), "rollouts_events_unreadable_total") == 1
    skipped = [e for e in bus.logs if e["event"] == "projection.event_unreadable"]
    assert [(e["sequence"], e["reason"].startswith(reason)) for e in skipped] == [(bad, True)]
    assert not [e for e in bus.logs if e.get("exc_info")]


async def test_an_undecodable_input_is_parked_with_its_reason(bus: Bus) -> None:
    await two_rollouts(bus)
    await bus.publish(f"rollouts.in.{NS}.ledger-api", b"not json at all", None)
    assert bus.conn is not None
    letters = []
    for _ in range(100):
        letters = await read_dead_inputs(bus.conn.js)
        if letters:
            break
        await asyncio.sleep(0.1)
    (letter,) = letters
    assert (letter.kind, letter.subject, letter.data) == (
        "malformed",
        f"rollouts.in.{NS}.ledger-api",
        b"not json at all",
    )
    assert letter.reason.startswith("unknown input type ''")
    exposition = await bus.metrics()
    assert metric(exposition, 'rollouts_inputs_dead_lettered_total{kind="malformed"}') == 1

    listed = await bus.cli("list", "rollouts", "-n", NS)
    assert [line.split()[1] for line in listed.stdout.splitlines()[1:]] == [
        "ledger-api",
        "payments",
    ]
    paused = await bus.cli("pause", "ledger-api", "-n", NS)
    assert paused.stdout == "rollout 'ledger-api' paused\n", paused.output
    assert await partitions.backlog(bus.conn.js, INPUTS_STREAM, INPUT_PARTITIONS) == 0
