"""Retries, Retry-After, dead letters, the memory of sent keys, masking and clean stops."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.utils import format_datetime

import pytest
import structlog

from adapters.notify.config import Masker
from adapters.notify.delivery import (
    Deliverer,
    DeliveryPolicy,
    Job,
    NotifierStopping,
    retry_after_seconds,
)
from adapters.notify.render import Notification
from adapters.notify.services import DeliveryError, Outgoing
from adapters.notify.stores import MemoryDeadLetters, MemorySentKeys
from adapters.notify.subscriptions import Destination
from tests.unit.notify.fakes import FakeService
from tests.unit.notify.histories import FixedClock

SECRET = "xoxb-super-secret-token"
POLICY = DeliveryPolicy(max_attempts=4, base_delay=0.5, max_delay=30.0, jitter=0.0)


class Harness:
    def __init__(self, policy: DeliveryPolicy = POLICY) -> None:
        self.sent = MemorySentKeys()
        self.dead = MemoryDeadLetters()
        self.sleeps: list[float] = []
        self.clock = FixedClock()
        self.deliverer = Deliverer(
            self.sent, self.dead, self.clock, policy, Masker([SECRET]), sleep=self._sleep
        )

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def job(service: FakeService | None, key: str = "k1", problem: str = "") -> Job:
    outgoing = Outgoing(
        key=key,
        trigger="on-rollout-aborted",
        namespace="shop",
        name="checkout",
        revision=3,
        event_id="event-1",
        destination=Destination("slack", "#alerts"),
        notification=Notification("Rollout checkout has been aborted."),
    )
    return Job(outgoing, service, "slack", "RolloutAborted", problem)


def failure(status: int, retry_after: str | None = None) -> DeliveryError:
    return DeliveryError(
        f"slack: HTTP {status}",
        retryable=status >= 500 or status == 429,
        retry_after=retry_after,
        status=status,
    )


async def test_two_server_errors_then_success_delivers_once() -> None:
    harness = Harness()
    service = FakeService("slack", failures=[failure(500), failure(503)])
    assert await harness.deliverer.deliver(job(service)) == "delivered"
    assert (service.attempts, len(service.sent)) == (3, 1)
    assert harness.sleeps == [0.5, 1.0]
    assert harness.sent.keys == {"k1": "delivered"}
    assert harness.dead.letters == []


async def test_a_delivered_key_is_never_sent_again() -> None:
    harness = Harness()
    service = FakeService("slack")
    assert await harness.deliverer.deliver(job(service)) == "delivered"
    assert await harness.deliverer.deliver(job(service)) == "skipped"
    assert service.attempts == 1


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0.25", 0.25), ("120", 30.0), ("soon", 0.5)],
)
async def test_retry_after_seconds_is_honoured_up_to_max_delay(
    header: str, expected: float
) -> None:
    harness = Harness()
    service = FakeService("slack", failures=[failure(429, header)])
    assert await harness.deliverer.deliver(job(service)) == "delivered"
    assert harness.sleeps == [expected]


def test_retry_after_http_date() -> None:
    clock = FixedClock()
    later = format_datetime(clock.now() + timedelta(seconds=12), usegmt=True)
    assert retry_after_seconds(later, clock.now()) == 12.0
    earlier = format_datetime(clock.now() - timedelta(seconds=12), usegmt=True)
    assert retry_after_seconds(earlier, clock.now()) == 0.0
    assert retry_after_seconds(None, clock.now()) is None


async def test_gives_up_after_max_attempts_and_parks_a_masked_dead_letter() -> None:
    harness = Harness()
    leaky = DeliveryError(f"slack: HTTP 502: proxy says token={SECRET}", retryable=True)
    service = FakeService("slack", failures=[leaky] * 10)
    with structlog.testing.capture_logs() as logs:
        assert await harness.deliverer.deliver(job(service)) == "dead-lettered"
    assert service.attempts == POLICY.max_attempts
    assert harness.sleeps == [0.5, 1.0, 2.0]
    (letter,) = harness.dead.letters
    assert letter.attempts == 4
    assert letter.error == "slack: HTTP 502: proxy says token=*****"
    assert (letter.key, letter.service, letter.recipient) == ("k1", "slack", "#alerts")
    assert (letter.trigger, letter.event_type) == ("on-rollout-aborted", "RolloutAborted")
    assert harness.sent.keys == {"k1": "dead-lettered"}
    assert [entry["event"] for entry in logs].count("notification.attempt_failed") == 4
    assert SECRET not in repr(logs)
    assert await harness.deliverer.deliver(job(service)) == "skipped"
    assert len(harness.dead.letters) == 1


async def test_permanent_failures_and_problems_are_parked_at_once() -> None:
    harness = Harness()
    service = FakeService("slack", failures=[failure(400)])
    assert await harness.deliverer.deliver(job(service)) == "dead-lettered"
    assert service.attempts == 1
    problem = job(None, key="k2", problem="service 'email' is not configured")
    assert await harness.deliverer.deliver(problem) == "dead-lettered"
    assert [(d.key, d.attempts) for d in harness.dead.letters] == [("k1", 1), ("k2", 0)]
    assert harness.sleeps == []


async def test_cancelled_mid_attempt_still_remembers_what_it_sent() -> None:
    """Cancelling the handler while a request is in flight lets that attempt finish and record
    its key; `drain` waits for it. The event is then redelivered and the key skipped."""
    harness = Harness()
    service = FakeService("slack", gate=asyncio.Event())
    handler = asyncio.create_task(harness.deliverer.deliver(job(service)))
    await service.entered.wait()
    handler.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handler
    assert harness.deliverer.in_flight == 1
    assert service.gate is not None
    service.gate.set()
    await harness.deliverer.drain()
    assert len(service.sent) == 1
    assert harness.sent.keys == {"k1": "delivered"}
    with pytest.raises(NotifierStopping):
        await harness.deliverer.deliver(job(FakeService("slack"), key="k2"))
    assert await harness.deliverer.deliver(job(service)) == "skipped"
