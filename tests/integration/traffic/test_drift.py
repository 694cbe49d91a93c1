"""The traffic worker against the Istio router: the seed's drift scenario (someone puts the
payments-api VirtualService back to 100/0 mid-rollout) is found, corrected and reported."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

import events.inputs as inp
import events.models as ev
from adapters.runtime.projection import StateProjection
from adapters.traffic import KubernetesTrafficRouter
from adapters.workers.traffic import TrafficWorker
from events.base import Input
from events.memory import InMemoryEventStore
from events.store import StoredEvent
from tests.integration.traffic.objects import PAYMENTS, Obj, seed, seed_payments
from tests.support.kube import FakeKube
from tests.support.sim import Sim

pytestmark = pytest.mark.integration
NS, VS = "production", "payments-api-vsvc"


@dataclass
class Harness:
    store: InMemoryEventStore
    projection: StateProjection
    router: KubernetesTrafficRouter
    published: list[Input] = field(default_factory=list)

    async def publish(self, namespace: str, name: str, item: Input) -> None:
        assert (namespace, name) == (NS, "payments-api")
        self.published.append(item)

    def worker(self, drift_interval: float | None = None) -> TrafficWorker:
        return TrafficWorker(
            self.projection, self.router, self.publish, drift_interval=drift_interval
        )

    async def intents(self) -> list[StoredEvent]:
        stored = await self.store.load(NS, "payments-api")
        return [s for s in stored if isinstance(s.event, ev.TrafficWeightRequested)]

    def drifts(self) -> list[inp.TrafficDriftObserved]:
        return [i for i in self.published if isinstance(i, inp.TrafficDriftObserved)]


def rollout_at_weight_5() -> Sim:
    """The seed's payments-api rollout, updated and waiting in its first analysis at 5%."""
    (manifest,) = seed("payments-api-rollout.yaml")
    sim = Sim(name="payments-api", namespace=NS)
    sim.deploy(manifest)
    updated = copy.deepcopy(manifest)
    updated["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example.com/payments-api:1.1.0"
    )
    sim.deploy(updated)
    assert sim.weight == 5
    return sim


@pytest.fixture
async def harness(fake_kube: FakeKube, router: KubernetesTrafficRouter) -> AsyncIterator[Harness]:
    seed_payments(fake_kube)
    sim = rollout_at_weight_5()
    store = InMemoryEventStore()
    await store.append(NS, "payments-api", sim.events, expected_version=0)
    projection = StateProjection(store)
    await projection.rebuild()
    yield Harness(store, projection, router)
    await projection.close()


def hand_edit(kube: FakeKube, stable: int, canary: int) -> None:
    vs = kube.get("virtualservices", NS, VS)
    assert vs is not None
    http: list[Obj] = vs["spec"]["http"]
    http[0]["route"][0]["weight"], http[0]["route"][1]["weight"] = stable, canary
    kube.patch("virtualservices", NS, VS, {"spec": {"http": http}})


def primary(kube: FakeKube) -> list[int]:
    vs = kube.get("virtualservices", NS, VS)
    assert vs is not None
    return [d["weight"] for d in vs["spec"]["http"][0]["route"]]


async def test_the_worker_applies_the_weights_and_reports_them(
    harness: Harness, fake_kube: FakeKube
) -> None:
    worker = harness.worker()
    for stored in await harness.intents():
        await worker.handle(stored)
    assert primary(fake_kube) == [95, 5]
    reports = [i for i in harness.published if isinstance(i, inp.TrafficWeightObserved)]
    assert reports[-1].canary_weight == 5 and reports[-1].verified is True
    remembered = worker.desired(PAYMENTS)
    assert remembered is not None and remembered.canary_weight == 5
    state = harness.projection.state(NS, "payments-api")
    assert state is not None and remembered.canary_hash == state.current_pod_hash
    assert await worker.check_all() == []


async def test_a_hand_edited_virtual_service_is_corrected_and_reported(
    harness: Harness, fake_kube: FakeKube
) -> None:
    worker = harness.worker()
    for stored in await harness.intents():
        await worker.handle(stored)
    hand_edit(fake_kube, 100, 0)
    observed = await worker.check_drift(PAYMENTS)
    assert observed is not None
    assert (observed.expected_canary_weight, observed.found_canary_weight) == (5, 0)
    assert "canary weight 0 instead of canary 5 / stable 95" in observed.detail
    assert harness.published[-1] == observed
    assert primary(fake_kube) == [95, 5]
    assert await worker.check_drift(PAYMENTS) is None


async def test_the_periodic_check_finds_drift_without_being_asked(
    harness: Harness, fake_kube: FakeKube
) -> None:
    worker = harness.worker(drift_interval=0.05)
    for stored in await harness.intents():
        await worker.handle(stored)
    worker.start()
    try:
        hand_edit(fake_kube, 50, 50)
        async with asyncio.timeout(5):
            while not harness.drifts():
                await asyncio.sleep(0.02)
    finally:
        await worker.stop()
    assert harness.drifts()[0].found_canary_weight == 50
    assert primary(fake_kube) == [95, 5]


async def test_a_restarted_worker_remembers_the_confirmed_weights(
    harness: Harness, fake_kube: FakeKube
) -> None:
    for stored in await harness.intents():
        await harness.worker().handle(stored)
    restarted = harness.worker()
    restarted.start()
    hand_edit(fake_kube, 100, 0)
    (observed,) = await restarted.check_all()
    assert observed.expected_canary_weight == 5
    assert primary(fake_kube) == [95, 5]
    await restarted.stop()


async def test_an_intent_the_controller_replaced_is_not_applied(
    harness: Harness, fake_kube: FakeKube
) -> None:
    worker = harness.worker()
    before = primary(fake_kube)
    first = (await harness.intents())[0]
    assert isinstance(first.event, ev.TrafficWeightRequested) and first.event.canary_weight != 5
    await worker.handle(first)
    assert worker.desired(PAYMENTS) is None
    assert primary(fake_kube) == before
    assert harness.published == []


async def test_a_remembered_weight_the_controller_replaced_is_not_put_back(
    harness: Harness, fake_kube: FakeKube
) -> None:
    worker = harness.worker()
    latest = (await harness.intents())[-1]
    await worker.handle(latest)
    assert isinstance(latest.event, ev.TrafficWeightRequested)
    newer = latest.event.model_copy(update={"canary_weight": 20})
    key = (NS, "payments-api")
    _, version = harness.projection.entry(key)
    harness.projection.record(key, [newer], version + 1)
    hand_edit(fake_kube, 10, 90)
    assert await worker.check_drift(PAYMENTS) is None
    assert primary(fake_kube) == [10, 90]
    assert harness.drifts() == []


async def test_a_failing_check_is_logged_and_the_others_still_run(
    harness: Harness, fake_kube: FakeKube
) -> None:
    worker = harness.worker()
    for stored in await harness.intents():
        await worker.handle(stored)
    fake_kube.delete("virtualservices", NS, VS)
    assert await worker.check_all() == []
