"""Fuzz: thousands of mutated messages on the streams of a running system (issue 14).

It found that FastStream decoded a message's body by its `content-type` header before any of
our handlers ran, so `content-type: application/json` with a body that is not JSON was never
acknowledged and held a `max_ack_pending` place for ever (`subscriptions._undecoded`).

Valid events and inputs of one rollout (`target`) are mutated (headers dropped, replaced or
added, payloads cut, flipped, nested, swapped for other JSON, subjects bent) and published, as
events and as inputs, next to a healthy rollout nobody touches (`steady`). Afterwards: no
crash (the app is ready, nothing was logged with a traceback), `steady` still takes a new
revision to Healthy, every input was settled, and the CLI still reads everything.

Seeded (`tests.support.seeds`): the seed is printed; ROLLOUTS_TEST_SEED=<seed> (or
ROLLOUTS_FUZZ_SEED) replays a run. The time spent
publishing is bounded by ROLLOUTS_FUZZ_SECONDS (default 20).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from typing import Any

import pytest
from nats.errors import Error as NatsError

import events.inputs as inp
from events.base import Input
from events.input_codec import H_REPLY_TO, encode_input
from tests.integration.runtime.bus import Bus, bus_fixture, metric  # noqa: F401
from tests.integration.runtime.harness import manifest
from tests.integration.runtime.test_dead_inputs import settled_consumer
from tests.support.nats import nats_server  # noqa: F401
from tests.support.seeds import seeded_random

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MESSAGES = 3000
SECONDS = float(os.environ.get("ROLLOUTS_FUZZ_SECONDS", "20"))
Message = tuple[str, dict[str, str] | None, bytes]
REPLY_TARGETS = (
    "_INBOX.fuzz",
    "rollouts.evt.default.steady.RolloutAborted",
    "rollouts.in.default.steady",
    "$JS.API.STREAM.DELETE.ROLLOUTS",
    "$JS.API.STREAM.PURGE.ROLLOUT_INPUTS",
    "_INBOX.*",
    "",
)
CRASHES = {"projection.event_failed", "executor.job_failed", "task.failed", "app.failed"}
"""What a crash looks like: a fold that raised, a job error that escaped its handler, a loop
that died. A handler refusing a forged but decodable message (a negative weight, say) is no
crash: that writer is for permissions to refuse, and the handler logs and retries."""
ODD_VALUES = ("", "0", "-1", "99999999999999999999", "1.0", "null", "ünïcødé", "%ZZ", "x" * 3000)


def valid_inputs() -> list[Message]:
    items: list[Input] = [
        inp.ApplySpec(input_id="a", manifest=manifest("target", "app:3")),
        inp.Promote(input_id="p"),
        inp.Abort(input_id="b"),
        inp.Retry(input_id="r"),
        inp.SetImage(input_id="s", container="*", image="app:4"),
        inp.Undo(input_id="u"),
        inp.ReplicaSetObserved(
            input_id="o",
            pod_template_hash="abc",
            replicas=1,
            ready_replicas=1,
            available_replicas=1,
        ),
        inp.TrafficWeightObserved(input_id="t", canary_weight=50),
        inp.AnalysisRunObserved(input_id="n", run_name="run", phase="Running"),  # type: ignore[arg-type]
    ]
    return [
        (subject, headers, data)
        for subject, headers, data in (encode_input("default", "target", i) for i in items)
    ]


def mutate_headers(rng: random.Random, headers: dict[str, str] | None) -> dict[str, str] | None:
    if headers is None or rng.random() < 0.1:
        return None if rng.random() < 0.5 else {}
    headers = dict(headers)
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        keys = sorted(headers) or ["ce-type"]
        if roll < 0.3:
            headers.pop(rng.choice(keys), None)
        elif roll < 0.6:
            headers[rng.choice(keys)] = rng.choice(ODD_VALUES)
        elif roll < 0.75:
            headers["ce-type"] = rng.choice(("NoSuchEvent", "Unreadable", "ApplySpec", "Tick", "x"))
        elif roll < 0.9:
            headers[H_REPLY_TO] = rng.choice(REPLY_TARGETS)
        else:
            headers[f"x-{rng.randrange(100)}"] = rng.choice(ODD_VALUES)
    return headers


def mutate_payload(rng: random.Random, data: bytes) -> bytes:
    roll = rng.random()
    if roll < 0.2 and data:
        return data[: rng.randrange(len(data))]
    if roll < 0.4 and data:
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        return bytes(flipped)
    if roll < 0.5:
        depth = rng.choice((10, 500, 5000))
        return b"[" * depth + b"]" * depth
    if roll < 0.7:
        try:
            document = json.loads(data)
        except ValueError:
            return data
        return json.dumps(_mutate_json(rng, document)).encode()
    return rng.choice((b"", b"{}", b"null", b"not json at all", b'{"input_id": 1}', data))


def _mutate_json(rng: random.Random, document: Any) -> Any:
    if isinstance(document, dict) and document:
        key = rng.choice(sorted(document))
        document[key] = rng.choice((None, -1, 2**70, "", "x" * 5000, [], {}, True, 1e308))
        if rng.random() < 0.3:
            document[f"extra{rng.randrange(9)}"] = 1
    return document


def mutate_subject(rng: random.Random, subject: str) -> str:
    roll = rng.random()
    tokens = subject.split(".")
    if roll < 0.8:
        return subject
    if roll < 0.85:
        return ".".join(tokens[:-1])
    if roll < 0.9:
        return f"{subject}.extra"
    if roll < 0.95:
        return ".".join([*tokens[:-1], rng.choice(("NoSuchEvent", "a" * 300, "Tick"))])
    return ".".join([*tokens[:-2], "b" * 300, tokens[-1]])


async def fuzz(bus: Bus, rng: random.Random) -> Counter[str]:
    assert bus.raw is not None
    js = bus.raw.jetstream()
    events = [
        (f"rollouts.evt.default.target.{s.envelope.type}", m_headers, m_data)
        for s, (m_headers, m_data) in await _event_messages(bus)
    ]
    corpus = events + valid_inputs()
    outcomes: Counter[str] = Counter()
    deadline = time.monotonic() + SECONDS
    for _ in range(MESSAGES):
        if time.monotonic() > deadline:
            break
        subject, headers, data = rng.choice(corpus)
        subject = mutate_subject(rng, subject)
        if "steady" in subject:
            continue
        headers = mutate_headers(rng, headers) if rng.random() < 0.7 else headers
        data = mutate_payload(rng, data) if rng.random() < 0.7 else data
        try:
            await js.publish(subject, data, headers=headers, timeout=2)
            outcomes["stored"] += 1
        except NatsError as refused:
            outcomes[type(refused).__name__] += 1
    return outcomes


async def _event_messages(bus: Bus) -> list[tuple[Any, tuple[dict[str, str], bytes]]]:
    """The target's stored events, each with the message that carries it."""
    from events.codec import DEFAULT_CODEC

    history = await bus.client.history("default", "target")
    return [(s, DEFAULT_CODEC.encode(s.envelope, s.event)) for s in history]


async def test_mutated_messages_crash_nothing_and_touch_no_other_rollout(bus: Bus) -> None:
    seeded = seeded_random("bus fuzz", "ROLLOUTS_FUZZ_SEED")
    rng = seeded.rng
    assert await bus.apply_spec("default", "steady", "app:1") == "accepted"
    assert await bus.apply_spec("default", "target", "app:1") == "accepted"
    await bus.healthy("default", "steady", 1)
    await bus.healthy("default", "target", 1)
    steady_before = len(await bus.client.history("default", "steady"))

    outcomes = await fuzz(bus, rng)
    print(f"fuzz outcomes: {dict(outcomes)}")
    assert outcomes["stored"] > 500, seeded.tag

    unsettled = await settled_consumer(bus, timeout=60)
    assert unsettled == 0, (seeded.tag, Counter(e["event"] for e in bus.logs))
    assert bus.app is not None and bus.app.ready, seeded.tag
    crashes = [e for e in bus.logs if e["event"] in CRASHES]
    assert crashes == [], (seeded.tag, crashes[:3])
    print(f"handler errors (forged but decodable messages): {_errors(bus)}")
    assert await bus.apply_spec("default", "steady", "app:2") == "accepted"
    await bus.healthy("default", "steady", 2)
    steady = await bus.client.history("default", "steady")
    assert all(type(s.event).__name__ != "Unreadable" for s in steady)
    assert len(steady) > steady_before

    listed = await bus.cli("list", "rollouts", "-A")
    assert listed.exit_code == 0, listed.output
    names = [line.split()[1] for line in listed.stdout.splitlines()[1:]]
    assert "steady" in names and "target" in names
    for command in (("events", "target"), ("audit", "target"), ("get", "rollout", "target")):
        result = await bus.cli(*command)
        assert result.exit_code == 0, (command, result.output)
    exposition = await bus.metrics()
    assert metric(exposition, "rollouts_inputs_dead_lettered_total") > 0
    assert metric(exposition, "rollouts_events_unreadable_total") > 0


def _errors(bus: Bus) -> dict[str, int]:
    return dict(Counter(e["event"] for e in bus.logs if e.get("log_level") == "error"))
