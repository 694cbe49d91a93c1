"""The notifier worker over a stored history: every notification once, across redeliveries
and restarts, and nothing for events older than `max_event_age`."""

from __future__ import annotations

from datetime import timedelta

from adapters.notify.config import config_from_configmap
from adapters.notify.delivery import DeliveryPolicy
from adapters.notify.stores import MemoryDeadLetters, MemorySentKeys
from adapters.workers.notifier import ALL_EVENT_TYPES, NotifierWorker
from events.base import EVENT_TYPES
from events.memory import InMemoryEventStore
from tests.unit.notify.fakes import FakeService, service_set
from tests.unit.notify.histories import FixedClock, canary_release, store_history

SUBSCRIPTIONS = {
    "on-rollout-updated.slack": "deploys",
    "on-rollout-step-completed.slack": "deploys",
    "on-rollout-completed.slack": "deploys;releases",
    "on-rollout-paused.hook": "",
}
CONFIG = config_from_configmap({})


def worker(
    store: InMemoryEventStore,
    services: list[FakeService],
    sent: MemorySentKeys,
    dead: MemoryDeadLetters,
    max_event_age: timedelta | None = None,
) -> NotifierWorker:
    return NotifierWorker(
        store,
        CONFIG,
        service_set(*services),
        FixedClock(),
        dead,
        sent=sent,
        policy=DeliveryPolicy(base_delay=0.0, jitter=0.0),
        max_event_age=max_event_age,
    )


def test_all_event_types_are_consumed() -> None:
    assert set(ALL_EVENT_TYPES) == set(EVENT_TYPES)


async def test_each_notification_once_across_redelivery_and_restart() -> None:
    sim = canary_release("checkout", SUBSCRIPTIONS)
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    slack, hook = FakeService("slack"), FakeService("hook", "webhook")
    sent, dead = MemorySentKeys(), MemoryDeadLetters()
    first = worker(store, [slack, hook], sent, dead)
    middle = len(stored) * 2 // 3
    for item in stored[:middle]:
        await first.handle(item)
    await first.stop()
    restarted = worker(store, [slack, hook], sent, dead)
    for item in stored[middle - 5 :] + stored[:3]:  # redelivered, then the rest
        await restarted.handle(item)
    messages = [o.notification.message for o in slack.sent]
    assert messages.count("Rollout checkout has been updated.") == 2
    assert messages.count("Rollout checkout has been completed.") == 4
    assert [m for m in messages if "step number" in m] == [
        f"Rollout checkout step number {n}/4 has been completed." for n in (1, 2, 3, 4)
    ]
    assert [o.trigger for o in hook.sent] == ["on-rollout-paused", "on-rollout-paused"]
    keys = [o.key for o in slack.sent + hook.sent]
    assert len(keys) == len(set(keys)) == len(sent.keys)
    assert dead.letters == []


async def test_old_events_are_folded_but_not_announced() -> None:
    sim = canary_release("checkout", SUBSCRIPTIONS)
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    slack, hook = FakeService("slack"), FakeService("hook", "webhook")
    quiet = worker(
        store, [slack, hook], MemorySentKeys(), MemoryDeadLetters(), timedelta(minutes=5)
    )
    for item in stored:
        await quiet.handle(item)
    assert slack.sent == hook.sent == []
