"""A running app (controller and effect workers) with the notifier beside it: a rollout
applied through the client notifies Slack as Argo would, live."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import events.inputs as inp
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.auth import credentials
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import connect
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from tests.integration.notify.harness import configuration, subscriptions
from tests.integration.notify.receivers import Receivers
from tests.integration.notify.test_durability import Notifier
from tests.support.sim import rollout_manifest
from tests.unit.notify.histories import subscribe

pytestmark = pytest.mark.integration


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[RolloutsApp]:
    running = create_app(
        Settings(data_dir=tmp_path),
        platform=InMemoryPlatform(),
        router=InMemoryRouter(),
        start_embedded=True,
    )
    await running.start()
    yield running
    await running.stop()


async def test_live_rollout_notifies_slack(
    app: RolloutsApp, tmp_path: Path, api: Receivers, client: httpx.AsyncClient
) -> None:
    assert app.connection is not None
    url = app.connection.nc.connected_url
    assert url is not None
    login = credentials(tmp_path, "notifier")  # the embedded server's notifier identity
    notifier = Notifier(
        f"nats://{url.hostname}:{url.port}", configuration(api.url), client, user=login
    )
    await notifier.start()
    connection = await connect(Settings(data_dir=tmp_path))
    try:
        rollouts = RolloutsClient(connection)
        canary = {"steps": [{"setWeight": 50}, {"pause": {}}]}
        triggers = ("on-rollout-completed", "on-rollout-step-completed", "on-rollout-paused")
        for image in ("shop/checkout:1", "shop/checkout:2"):
            manifest = rollout_manifest("checkout", image=image, replicas=2, canary=canary)
            subscribe(manifest, subscriptions(*triggers, services=("slack",)))
            apply = inp.ApplySpec(input_id=new_input_id(), manifest=manifest)
            assert (await rollouts.send("default", "checkout", apply)).status == "accepted"
        await api.wait_for(3)
        promote = inp.Promote(input_id=new_input_id())
        assert (await rollouts.send("default", "checkout", promote)).status == "accepted"
        await api.wait_for(5)
    finally:
        await notifier.stop()
        await connection.close()
    texts = [hit.json()["text"] for hit in api.of("slack")]
    assert texts == [
        "Rollout checkout has been completed.",
        "Rollout checkout step number 1/2 has been completed.",
        "Rollout checkout has been paused.",
        "Rollout checkout step number 2/2 has been completed.",
        "Rollout checkout has been completed.",
    ]
    assert api.problems == []
