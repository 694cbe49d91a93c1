"""The effect workers' FastStream subscribers on FastStream's in-memory test broker: which
worker each event reaches, as what, and how its delivery is settled (the ack policy).

TestNatsBroker has no JetStream semantics (tooling notes), so this is routing and decoding
only; ordering, redelivery and the one connection are tested on a real server
(tests/integration/runtime/test_faststream_connection.py and the worker tests)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
import pytest
from faststream import BaseMiddleware
from faststream.message import AckStatus, StreamMessage
from faststream.nats import TestNatsBroker
from faststream.nats.subscriber.usecases.stream_push_subscriber import PushStreamSubscriber
from faststream.nats.testing import PatchedMessage, build_message

import events.models as ev
from adapters.history.fences import IMPORTED
from adapters.runtime.broker import ProcessBroker
from adapters.runtime.keyed import KeyedExecutor
from adapters.workers.subscriptions import RETRY_DELAY, subscribe_events
from adapters.workers.wiring import EFFECT_EVENTS
from events.base import Event
from events.codec import DEFAULT_CODEC
from events.envelope import Envelope
from events.store import StoredEvent
from events.subjects import event_subject
from tests.support.sim import T0

CAUSE: dict[str, Any] = {"cause": "in-1", "at": T0}
SAMPLES: dict[str, Event] = {
    "traffic": ev.TrafficWeightRequested(
        canary_weight=20, stable_weight=80, canary_hash="7f9c", stable_hash="5d8f", **CAUSE
    ),
    "scaler": ev.ReplicaSetScaleRequested(
        pod_template_hash="5d8f", revision=1, from_replicas=0, to_replicas=2, **CAUSE
    ),
    "analysis": ev.MeasurementDue(run_name="run", metric="rate", index=0, **CAUSE),
    "notifier": ev.RolloutAborted(revision=1, message="stop", **CAUSE),
}


class Workers:
    """Every effect worker subscribed as a process subscribes them, each recording what its
    handler received; a broker middleware keeps each delivery, to read how it was settled."""

    def __init__(self, failing: frozenset[str] = frozenset()) -> None:
        self.received: dict[str, list[StoredEvent]] = {durable: [] for durable in EFFECT_EVENTS}
        self.deliveries: list[StreamMessage[Any]] = []
        workers = self

        class Keep(BaseMiddleware):
            async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
                workers.deliveries.append(msg)
                return await call_next(msg)

        self.broker = ProcessBroker(middlewares=[Keep])
        for durable, event_types in EFFECT_EVENTS.items():
            subscribe_events(
                self.broker,
                None,
                durable=durable,
                event_types=event_types,
                handler=self.handler(durable, durable in failing),
            )

    def handler(self, durable: str, fails: bool) -> Any:
        async def handle(event: StoredEvent) -> None:
            self.received[durable].append(event)
            if fails:
                raise RuntimeError(f"{durable} router down")

        return handle

    def reached(self) -> set[str]:
        return {durable for durable, events in self.received.items() if events}

    def settled(self) -> list[AckStatus | None]:
        return [delivery.committed for delivery in self.deliveries]


def encoded(event: Event, *, namespace: str = "shop", name: str = "web.v2") -> Any:
    envelope = Envelope.for_event(
        event, namespace=namespace, name=name, rollout_sequence=3, id="evt-1"
    )
    headers, data = DEFAULT_CODEC.encode(envelope, event)
    return envelope, headers, data


@pytest.fixture
async def workers() -> AsyncIterator[Workers]:
    running = Workers()
    async with TestNatsBroker(running.broker):
        yield running


async def publish(workers: Workers, subject: str, data: bytes, headers: dict[str, str]) -> None:
    await workers.broker.publish(data, subject, headers=headers, stream="ROLLOUTS")


@pytest.mark.parametrize("worker", sorted(SAMPLES))
async def test_each_event_reaches_its_workers_typed_and_acknowledged(
    workers: Workers, worker: str
) -> None:
    event = SAMPLES[worker]
    envelope, headers, data = encoded(event)
    await publish(workers, event_subject("shop", "web.v2", event.type_name()), data, headers)
    assert workers.reached() == {worker, "notifier"}  # the notifier reads every event
    for other in set(EFFECT_EVENTS) - {worker, "notifier"}:
        assert event.type_name() not in (EFFECT_EVENTS[other] or ())
    for received in (workers.received[worker][0], workers.received["notifier"][0]):
        assert isinstance(received, StoredEvent)
        assert received.event == event and received.envelope == envelope
        assert received.rollout_sequence == 3
    assert workers.settled() == [AckStatus.ACKED] * len(workers.reached())


async def test_a_body_that_does_not_decode_is_terminated_before_any_handler(
    workers: Workers,
) -> None:
    _, headers, _ = encoded(SAMPLES["traffic"])
    headers["content-type"] = "application/json"  # says JSON; is not
    await publish(
        workers, event_subject("shop", "web.v2", "TrafficWeightRequested"), b"{no", headers
    )
    assert workers.reached() == set()
    assert workers.settled() == [AckStatus.REJECTED, AckStatus.REJECTED]


async def test_an_unroutable_subject_is_terminated(workers: Workers) -> None:
    _, headers, data = encoded(SAMPLES["notifier"])
    await publish(workers, "rollouts.evt.lonely", data, headers)
    assert workers.reached() == set()
    assert workers.settled() == [AckStatus.REJECTED]


async def test_imported_history_is_acknowledged_and_not_acted_on(workers: Workers) -> None:
    _, headers, data = encoded(SAMPLES["scaler"])
    headers[IMPORTED] = "import-1"
    await publish(
        workers, event_subject("shop", "web.v2", "ReplicaSetScaleRequested"), data, headers
    )
    assert workers.reached() == set()
    assert workers.settled() == [AckStatus.ACKED, AckStatus.ACKED]


async def test_a_failing_handler_is_nacked_with_a_delay_and_the_others_acked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    delays: list[float | None] = []

    async def nak(self: PatchedMessage, delay: float | None = None) -> None:
        delays.append(delay)

    monkeypatch.setattr(PatchedMessage, "nak", nak)
    workers = Workers(failing=frozenset({"traffic"}))
    async with TestNatsBroker(workers.broker):
        event = SAMPLES["traffic"]
        _, headers, data = encoded(event)
        await publish(workers, event_subject("shop", "web.v2", event.type_name()), data, headers)
    assert workers.reached() == {"traffic", "notifier"}
    assert sorted(map(str, workers.settled())) == sorted(
        map(str, [AckStatus.NACKED, AckStatus.ACKED])
    )
    assert delays == [RETRY_DELAY]


async def test_one_rollouts_events_wait_for_each_other_and_others_do_not() -> None:
    """The keyed dispatch in place of FastStream's consume: a blocked handler of rollout A
    holds A's next event back, never B's."""
    gate, order = asyncio.Event(), []

    async def handle(event: StoredEvent) -> None:
        order.append((event.envelope.name, event.rollout_sequence))
        if event.envelope.name == "a" and event.rollout_sequence == 1:
            await gate.wait()

    broker, executor = ProcessBroker(), KeyedExecutor()
    subscriber = subscribe_events(
        broker, executor, durable="notifier", event_types=None, handler=handle
    )
    async with TestNatsBroker(broker):
        for name, sequence in (("a", 1), ("a", 2), ("b", 1)):
            envelope = Envelope.for_event(
                SAMPLES["notifier"], namespace="ns", name=name, rollout_sequence=sequence, id="e"
            )
            headers, data = DEFAULT_CODEC.encode(envelope, SAMPLES["notifier"])
            message = await fake_delivery(
                event_subject("ns", name, "RolloutAborted"), data, headers
            )
            await subscriber.consume(message)  # what the JetStream subscription calls
        await asyncio.sleep(0.05)
        assert order == [("a", 1), ("b", 1)]
        gate.set()
        await executor.wait_idle()
    assert order == [("a", 1), ("b", 1), ("a", 2)]
    await executor.close()


async def fake_delivery(subject: str, data: bytes, headers: dict[str, str]) -> PatchedMessage:
    return await build_message(data, subject, headers=headers)


def test_faststream_still_hands_push_deliveries_to_consume() -> None:
    """The keyed dispatch replaces `consume`, which FastStream 0.7 binds as the JetStream
    subscription's callback when a push subscriber starts: an upgrade that changes this must
    fail here, not silently bypass the per-rollout order."""
    source = inspect.getsource(PushStreamSubscriber._create_subscription)
    assert "cb=self.consume" in source


async def test_a_delivery_never_leaves_the_event_loop_thread(
    workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastDepends runs a sync resolver (an injected `NatsMessage`, `Context.use`) in a worker
    thread: a thread hop per delivery, which made every abort wait on the thread pool."""
    hops: list[object] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    event = SAMPLES["traffic"]
    _, headers, data = encoded(event)
    await publish(workers, event_subject("shop", "web.v2", event.type_name()), data, headers)
    assert workers.reached() == {"traffic", "notifier"}
    assert hops == []
