"""/metrics, /healthz and /readyz of a running app, with real HTTP and a real NATS server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

import events.inputs as inp
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import connect
from adapters.runtime.log_context import merge_bound
from adapters.runtime.settings import Settings
from adapters.workers.app import RolloutsApp, create_app
from tests.support.sim import rollout_manifest

pytestmark = pytest.mark.integration


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[RolloutsApp]:
    running = create_app(
        Settings(data_dir=tmp_path),
        platform=InMemoryPlatform(),
        router=InMemoryRouter(),
        start_embedded=True,
        http_port=0,
    )
    await running.start()
    yield running
    await running.stop()


async def test_health_readiness_and_metrics(app: RolloutsApp, tmp_path: Path) -> None:
    assert app.health is not None
    async with httpx.AsyncClient(base_url=app.health.url) as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200
        conn = await connect(Settings(data_dir=tmp_path))
        try:
            outcome = await RolloutsClient(conn).send(
                "default",
                "demo",
                inp.ApplySpec(input_id=new_input_id(), manifest=rollout_manifest()),
            )
        finally:
            await conn.close()
        assert outcome.status == "accepted"
        metrics = (await http.get("/metrics")).text
    assert 'rollout_phase{namespace="default",phase=' in metrics
    assert 'rollouts_events_appended_total{type="RevisionCreated"} 1.0' in metrics
    assert 'rollouts_inputs_total{outcome="accepted"}' in metrics
    assert "rollouts_decision_seconds_bucket" in metrics


async def test_not_ready_once_stopped(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), workers=("controller",), http_port=0)
    await app.start()
    assert app.ready
    await app.stop()
    assert not app.ready


async def test_log_lines_name_the_rollout_revision_and_cause(app: RolloutsApp) -> None:
    assert app.controller is not None
    item = inp.ApplySpec(input_id=new_input_id(), manifest=rollout_manifest())
    assert (await app.controller.handle("default", "demo", item)).status == "accepted"
    with capture_logs(processors=[merge_bound]) as logs:
        promote = inp.Promote(input_id="promote-healthy")
        assert (await app.controller.handle("default", "demo", promote)).status == "refused"
    (refused,) = [line for line in logs if line["event"] == "input.refused"]
    assert refused["causation_id"] == "promote-healthy"
    assert (refused["rollout"], refused["revision"]) == ("default/demo", 1)


async def test_a_worker_without_its_port_says_it_did_not_start(tmp_path: Path) -> None:
    """Asked for traffic with no router, the app used to skip the worker without a word."""
    app = create_app(
        Settings(data_dir=tmp_path),
        workers=("controller", "traffic", "scaler"),
        platform=InMemoryPlatform(),
        start_embedded=True,
    )
    with capture_logs() as logs:
        await app.start()
        await app.stop()
    skipped = [(e["worker"], e["log_level"]) for e in logs if e["event"] == "worker.not_started"]
    assert skipped == [("traffic", "warning")]
