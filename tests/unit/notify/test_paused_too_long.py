"""The maximum pause policy's trigger through the notifier: `on-rollout-paused-too-long` is in
the built-in catalog and fires once for the overrun, whatever the action, with the event's
message saying how long and what was done."""

from __future__ import annotations

from datetime import timedelta

import events.inputs as inp
from adapters.notify.config import config_from_configmap
from adapters.notify.delivery import DeliveryPolicy
from adapters.notify.stores import MemoryDeadLetters, MemorySentKeys
from adapters.workers.notifier import NotifierWorker
from events.memory import InMemoryEventStore
from events.pause_limit import PauseAction, PauseLimit
from tests.support.sim import Sim, rollout_manifest
from tests.unit.notify.fakes import FakeService, service_set
from tests.unit.notify.histories import FixedClock, store_history, subscribe

SUBSCRIPTIONS = {
    "on-rollout-paused-too-long.slack": "#oncall",
    "on-rollout-aborted.slack": "#oncall",
}


def _overrun(action: PauseAction) -> Sim:
    sim = Sim(name="checkout")
    canary = {"steps": [{"setWeight": 50}, {"pause": {}}]}
    for image in ("shop/checkout:1", "shop/checkout:2"):
        manifest = rollout_manifest("checkout", image=image, replicas=2, canary=canary)
        sim.deploy(subscribe(manifest, SUBSCRIPTIONS))
    sim.now += timedelta(minutes=15)
    limit = PauseLimit(seconds=900, action=action)
    sim.send(inp.Tick(input_id=sim.next_id(), pause_limit=limit))
    sim.platform()
    return sim


async def _notify(sim: Sim) -> list[tuple[str, str]]:
    store = InMemoryEventStore()
    stored = await store_history(store, "default", "checkout", sim.events)
    slack, dead = FakeService("slack"), MemoryDeadLetters()
    worker = NotifierWorker(
        store,
        config_from_configmap({}),
        service_set(slack),
        FixedClock(sim.now),
        dead,
        sent=MemorySentKeys(),
        policy=DeliveryPolicy(base_delay=0.0, jitter=0.0),
    )
    for item in stored + stored[-3:]:  # the last decision redelivered
        await worker.handle(item)
    await worker.stop()
    assert dead.letters == []
    return [(o.trigger, o.notification.message) for o in slack.sent]


async def test_notify_sends_the_paused_too_long_notification_once() -> None:
    assert await _notify(_overrun("notify")) == [
        (
            "on-rollout-paused-too-long",
            "Rollout checkout has been paused too long: paused 15m, longer than the limit of "
            "15m (controller default): notifying.",
        )
    ]


async def test_abort_notifies_the_overrun_then_the_abort() -> None:
    assert await _notify(_overrun("abort")) == [
        (
            "on-rollout-paused-too-long",
            "Rollout checkout has been paused too long: paused 15m, longer than the limit of "
            "15m (controller default): aborting.",
        ),
        ("on-rollout-aborted", "Rollout checkout has been aborted."),
    ]
