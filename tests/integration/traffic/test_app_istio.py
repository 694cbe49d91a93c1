"""End to end: the controller over NATS drives the seed's payments-api VirtualService through
the Kubernetes router, and a drift check on the live projection puts a hand edit right."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from kubernetes_asyncio.client import ApiClient

import events.inputs as inp
import events.models as ev
from adapters.local import InMemoryPlatform
from adapters.runtime.client import new_input_id
from adapters.runtime.publish import InputPublisher
from adapters.runtime.settings import settings_from_env
from adapters.traffic import KubernetesTrafficRouter
from adapters.workers.app import RolloutsApp, create_app
from adapters.workers.traffic import TrafficWorker
from events.base import Input
from events.jetstream import JetStreamEventStore
from rollouts.state import RolloutState
from tests.integration.traffic.objects import PAYMENTS, Obj, seed, seed_payments
from tests.support.kube import FakeKube
from tests.support.nats import NatsServer, disk_server  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NS, VS = "production", "payments-api-vsvc"


@pytest.fixture
async def app(
    server: NatsServer, tmp_path: Path, kube_client: ApiClient, fake_kube: FakeKube
) -> AsyncIterator[RolloutsApp]:
    seed_payments(fake_kube)
    settings = settings_from_env({}, nats_url=server.url, data_dir=tmp_path / "data")
    running = create_app(  # no analysis worker: the rollout waits in its first analysis at 5%
        settings,
        workers=("controller", "traffic", "scaler", "timer"),
        platform=InMemoryPlatform(),
        router=KubernetesTrafficRouter(kube_client),
        start_embedded=False,
    )
    await running.start()
    yield running
    await running.stop()


async def apply(app: RolloutsApp, manifest: Obj) -> None:
    assert app.connection is not None
    item = inp.ApplySpec(input_id=new_input_id(), manifest=copy.deepcopy(manifest))
    await InputPublisher(app.connection.js)(NS, "payments-api", item)


async def state_where(app: RolloutsApp, check: object, timeout: float = 20.0) -> RolloutState:
    assert app.projection is not None and callable(check)
    async with asyncio.timeout(timeout):
        while True:
            state = app.projection.state(NS, "payments-api")
            if state is not None and check(state):
                return state
            await asyncio.sleep(0.05)


def primary(kube: FakeKube) -> list[int]:
    vs = kube.get("virtualservices", NS, VS)
    assert vs is not None
    return [d["weight"] for d in vs["spec"]["http"][0]["route"]]


async def test_the_rollout_moves_the_virtual_service_and_drift_is_put_right(
    app: RolloutsApp, fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    (manifest,) = seed("payments-api-rollout.yaml")
    await apply(app, manifest)
    await state_where(app, lambda s: s.fully_promoted and s.revision == 1)
    updated = copy.deepcopy(manifest)
    updated["spec"]["template"]["spec"]["containers"][0]["image"] += "-next"
    await apply(app, updated)
    state = await state_where(
        app, lambda s: s.traffic.applied_canary == 5 and s.traffic.verified is True
    )
    assert primary(fake_kube) == [95, 5]
    rule = fake_kube.get("destinationrules", NS, "payments-api-destrule")
    assert rule is not None
    labels = [s["labels"]["rollouts-pod-template-hash"] for s in rule["spec"]["subsets"]]
    assert labels == [state.stable_rs, state.current_pod_hash]

    published: list[Input] = []
    assert app.projection is not None and app.connection is not None
    publisher = InputPublisher(app.connection.js)

    async def publish(namespace: str, name: str, item: Input) -> None:
        published.append(item)
        await publisher(namespace, name, item)

    drift = TrafficWorker(app.projection, KubernetesTrafficRouter(kube_client), publish)
    drift.start()
    vs = fake_kube.get("virtualservices", NS, VS)
    assert vs is not None
    vs["spec"]["http"][0]["route"][0]["weight"], vs["spec"]["http"][0]["route"][1]["weight"] = (
        100,
        0,
    )
    fake_kube.patch("virtualservices", NS, VS, {"spec": vs["spec"]})
    (observed,) = await drift.check_all()
    await drift.stop()
    assert published == [observed]
    assert (observed.expected_canary_weight, observed.found_canary_weight) == (5, 0)
    assert primary(fake_kube) == [95, 5]
    assert drift.desired(PAYMENTS) is not None
    corrected = await recorded_correction(app)
    assert (corrected.expected_canary_weight, corrected.found_canary_weight) == (5, 0)
    assert corrected.cause == observed.input_id and corrected.detail == observed.detail


async def recorded_correction(app: RolloutsApp) -> ev.TrafficDriftCorrected:
    """The controller's record of the correction, once it has decided on the report."""
    assert app.connection is not None
    store = JetStreamEventStore(app.connection.js)
    async with asyncio.timeout(10):
        while True:
            for stored in await store.load(NS, "payments-api"):
                if isinstance(stored.event, ev.TrafficDriftCorrected):
                    return stored.event
            await asyncio.sleep(0.05)
