"""Inputs nobody can take (issues 15 and 17): parked with the reason, never holding the consumer.

Every message the controller's consumer receives is acknowledged or parked in bounded time: an
undecodable one, one for a name beyond Kubernetes' limits, one on a subject naming no rollout
(left on a stream from before its subjects were narrowed), one whose decision keeps failing.
More of them than `max_ack_pending` do not stop a good command being decided.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from nats.aio.client import Client
from nats.js.api import StreamConfig
from nats.js.errors import NoStreamResponseError

import events.inputs as inp
from adapters.runtime.client import new_input_id
from adapters.runtime.publish import InputNotStored, InputPublisher
from adapters.workers import partitions
from adapters.workers.controller import Controller
from adapters.workers.dead_letters import DeadInput, read_dead_inputs
from events.base import Input
from events.input_codec import encode_input
from events.streams import INPUT_PARTITIONS, INPUTS_STREAM
from tests.integration.runtime.bus import Bus, bus_fixture, metric  # noqa: F401
from tests.integration.runtime.harness import manifest
from tests.support.nats import ContainerNatsServer, NatsServer, nats_client, nats_server  # noqa: F401

pytestmark = pytest.mark.integration

LONG = "a" * 300
WIDE_NS = "n" * 64


async def parked(bus: Bus, count: int, timeout: float = 30.0) -> list[DeadInput]:
    assert bus.conn is not None
    deadline = time.monotonic() + timeout
    while True:
        letters = await read_dead_inputs(bus.conn.js)
        if len(letters) >= count or time.monotonic() > deadline:
            return letters
        await asyncio.sleep(0.1)


async def settled_consumer(bus: Bus, timeout: float = 10.0) -> int:
    """The controller consumer's unacknowledged messages, once it has none (or the timeout)."""
    assert bus.conn is not None
    deadline = time.monotonic() + timeout
    while True:
        unsettled = await partitions.backlog(bus.conn.js, INPUTS_STREAM, INPUT_PARTITIONS)
        if unsettled == 0 or time.monotonic() > deadline:
            return unsettled
        await asyncio.sleep(0.1)


def bad_inputs(index: int) -> tuple[str, bytes, dict[str, str] | None]:
    """Six classes of input the controller cannot take, in turn: (subject, data, headers). The
    last once failed in FastStream's decoder, before any handler, and was never acknowledged."""
    apply = inp.ApplySpec(input_id=f"bad-{index}", manifest=manifest(LONG, "app:1"))
    image = inp.SetImage(input_id=f"bad-{index}", container="c" * 64, image="app:2")
    image_headers = encode_input("default", "demo", inp.Pause(input_id=f"bad-{index}"))[1]
    image_headers = {**image_headers, "ce-type": "SetImage"}
    cases: list[tuple[str, bytes, dict[str, str] | None]] = [
        ("rollouts.in.default.demo", b"not json at all", None),
        ("rollouts.in.default.demo", b"{}", {"ce-type": "Deploy", "ce-id": f"bad-{index}"}),
        (f"rollouts.in.default.{LONG}", apply.model_dump_json().encode(), {"ce-type": "ApplySpec"}),
        ("rollouts.in.default.demo", image.model_dump_json().encode(), image_headers),
        (f"rollouts.in.{WIDE_NS}.demo", b'{"input_id": "x"}', {"ce-type": "Pause"}),
        ("rollouts.in.default.demo", b"not json", {"content-type": "application/json"}),
    ]
    return cases[index % len(cases)]


@pytest.fixture
def small_consumer(monkeypatch: pytest.MonkeyPatch) -> int:
    """A test-sized `max_ack_pending`, and a failing decision parked after two deliveries."""
    monkeypatch.setattr(partitions, "MAX_ACK_PENDING", 10)
    monkeypatch.setattr(partitions, "RETRY_DELAYS", (0.5,))
    original = Controller.handle

    async def handle(self: Controller, namespace: str, name: str, item: Input) -> object:
        if name == "poison":
            raise RuntimeError("the decision failed")
        return await original(self, namespace, name, item)

    monkeypatch.setattr(Controller, "handle", handle)
    return 10


async def test_more_bad_inputs_than_max_ack_pending_do_not_stall_the_controller(
    small_consumer: int, bus: Bus
) -> None:
    assert await bus.apply_spec("default", "demo", "app:1") == "accepted"
    before = await bus.client.store.last_sequence()
    bad = 6 * small_consumer
    for index in range(bad):
        await bus.publish(*bad_inputs(index))
    for index in range(3):
        subject, headers, data = encode_input("default", "poison", inp.Pause(input_id=f"p{index}"))
        await bus.publish(subject, data, headers)

    outcome = await bus.client.send("default", "demo", inp.Pause(input_id=new_input_id()))
    assert outcome.status == "accepted"
    letters = await parked(bus, bad + 3)
    kinds = Counter(letter.kind for letter in letters)
    assert kinds == {"malformed": 40, "invalid_name": 20, "failed": 3}
    reasons = {letter.reason.split(":")[0] for letter in letters}
    assert "invalid SetImage input" in reasons and "RuntimeError" in reasons
    assert any("is 300 characters long; Kubernetes allows at most 253" in x.reason for x in letters)
    assert any("is 64 characters long; Kubernetes allows at most 63" in x.reason for x in letters)
    assert await settled_consumer(bus) == 0
    appended = await bus.client.store.load_all(after=before)
    assert {s.envelope.name for s in appended} == {"demo"}
    assert sorted(await bus.client.store.rollouts()) == [("default", "demo")]
    exposition = await bus.metrics()
    assert metric(exposition, "rollouts_inputs_dead_lettered_total") == bad + 3
    assert metric(exposition, 'rollouts_handler_errors_total{component="controller"}') >= 3
    failures = [e for e in bus.logs if e["event"] == "input.handler_failed"]
    assert failures and all(e.get("exc_info") for e in failures)


async def test_inputs_left_on_a_stream_from_before_are_parked_and_the_subjects_narrowed(
    nats_server: NatsServer | ContainerNatsServer,  # noqa: F811
    nats_client: Client,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A stream made with `rollouts.in.>` stored `rollouts.in.default` and `rollouts.in.a.b.c.d`;
    on start its subjects are narrowed in place and those two are parked, not redelivered."""
    js = nats_client.jetstream()
    await js.add_stream(StreamConfig(name=INPUTS_STREAM, subjects=["rollouts.in.>"]))
    await js.publish("rollouts.in.default", b'{"input_id": "x"}', headers={"ce-type": "Pause"})
    await js.publish("rollouts.in.a.b.c.d", b"{}")
    system = Bus(nats_server.url, tmp_path)
    await system.start()
    try:
        assert (await js.stream_info(INPUTS_STREAM)).config.subjects == ["rollouts.in.*.*"]
        letters = await parked(system, 2)
        assert sorted((x.kind, x.subject) for x in letters) == [
            ("unroutable", "rollouts.in.a.b.c.d"),
            ("unroutable", "rollouts.in.default"),
        ]
        assert all("is not an input subject" in x.reason for x in letters)
        assert await settled_consumer(system) == 0
        with pytest.raises(NoStreamResponseError):
            await js.publish("rollouts.in.default", b"{}")
        exposition = await system.metrics()
        assert metric(exposition, 'rollouts_inputs_dead_lettered_total{kind="unroutable"}') == 2
    finally:
        await system.stop()


async def test_a_publisher_no_stream_takes_gets_a_clear_error(
    nats_client: Client,  # noqa: F811
) -> None:
    publish = InputPublisher(nats_client.jetstream(), give_up_after=0.2)
    with pytest.raises(InputNotStored) as refused:
        await publish("default", "demo", inp.Pause(input_id="p"))
    assert str(refused.value) == (
        "no stream stores inputs published on rollouts.in.default.demo: the input stream admits "
        "only rollouts.in.<namespace>.<name>; is `rollouts serve` (or a controller) set up?"
    )


async def test_names_beyond_kubernetes_limits_are_refused_by_the_cli(bus: Bus) -> None:
    await bus.deploy("default", "demo")
    await bus.healthy("default", "demo", 1)
    before = await bus.settled()
    shown = await bus.cli("get", "rollout", LONG)
    assert (shown.exit_code, shown.stdout) == (2, "")  # a usage error, as the exit codes say
    assert shown.stderr == (
        "error: NAME: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…' is 300 characters long; "
        "Kubernetes allows at most 253\n"
    )
    paused = await bus.cli("pause", "demo", "-n", WIDE_NS)
    assert paused.exit_code == 2
    assert paused.stderr.endswith("is 64 characters long; Kubernetes allows at most 63\n")
    path = tmp_manifest(bus, "a" * 254)
    applied = await bus.cli("apply", "-f", path)
    assert applied.exit_code == 1, applied.stderr
    assert "is 254 characters long; Kubernetes allows at most 253" in applied.stderr
    assert "Traceback" not in applied.output
    assert await bus.client.store.last_sequence() == before


def tmp_manifest(bus: Bus, name: str) -> str:
    path = bus.data_dir / "long.yaml"
    path.write_text(yaml.safe_dump(manifest(name, "app:1")), encoding="utf-8")
    return str(path)
