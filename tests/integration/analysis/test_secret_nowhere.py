"""A `secretKeyRef` value reaches the metric provider and nothing else: not the stream, not a
log line, not a notification, not /metrics, and not a byte of the JetStream store on disk.

The web metric echoes the secret back (it is sent as a header and the endpoint returns it), so
every path that could carry it is exercised: the measurement, the run, the notifications about
the run and the rollout, the counters.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from structlog.testing import capture_logs

import events.inputs as inp
from adapters.analysis.secrets import SECRETS_DIR
from adapters.analysis.templates import KvTemplateStore
from adapters.local import InMemoryPlatform, InMemoryRouter
from adapters.notify.config import NotificationConfig, config_from_configmap
from adapters.runtime.client import RolloutsClient, new_input_id
from adapters.runtime.connect import connect
from adapters.runtime.settings import Settings
from adapters.workers.app import ALL_WORKERS, RolloutsApp, create_app
from events.codec import DEFAULT_CODEC
from events.phases import AnalysisPhase, RolloutPhase
from rollouts.spec import AnalysisTemplate, parse_object
from rollouts.state import RolloutState
from tests.integration.analysis.harness import NAME, run_ended
from tests.support.prometheus import serve
from tests.support.sim import rollout_manifest
from tests.unit.notify.histories import subscribe

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-nowhere-9f4a1c"
TRIGGERS = ("on-rollout-step-completed", "on-rollout-completed", "on-analysis-run-successful")
BODY = (
    '{"reason": "{{.event.reason}}", "message": "{{.event.message}}", '
    '"actor": "{{.event.actor}}", "run": "{{.analysisRun}}", "rollout": "{{.rollout}}"}'
)


class Echo:
    """The metric endpoint (echoes the token header) and the notification receiver."""

    def __init__(self) -> None:
        self.notifications: list[str] = []

    async def metric(self, request: web.Request) -> web.Response:
        return web.json_response({"rate": 0.01, "token": request.headers.get("X-Token", "")})

    async def hook(self, request: web.Request) -> web.Response:
        self.notifications.append(f"{request.path} {dict(request.headers)} {await request.text()}")
        return web.Response()


@pytest.fixture
async def echo() -> AsyncIterator[tuple[Echo, str]]:
    receiver = Echo()
    app = web.Application()
    app.router.add_get("/ok", receiver.metric)
    app.router.add_post("/hook", receiver.hook)
    async with serve(app) as url:
        yield receiver, url


def notifications(hook_url: str) -> NotificationConfig:
    return config_from_configmap(
        {
            "service.webhook.hook": f"url: {hook_url}",
            "template.everything": f"webhook:\n  hook:\n    method: POST\n    body: '{BODY}'\n",
            **{f"trigger.{t}": "- send: [everything]" for t in TRIGGERS},
        },
        {},
    )


@pytest.fixture
async def system(tmp_path: Path, echo: tuple[Echo, str]) -> AsyncIterator[RolloutsApp]:
    """Every worker (the notifier included) and the metrics server, on the embedded server."""
    platform = InMemoryPlatform()
    await platform.start()
    app = create_app(
        Settings(data_dir=tmp_path),
        workers=ALL_WORKERS,
        notifications=notifications(f"{echo[1]}/hook"),
        platform=platform,
        router=InMemoryRouter(),
        http_port=0,
    )
    try:
        await app.start()
        yield app
    finally:
        await app.stop()
        await platform.stop()


def template(url: str) -> dict[str, Any]:
    token = {"name": "token", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}
    web_block = {
        "url": f"{url}/ok",
        "jsonPath": "{$.token}",
        "headers": [{"key": "X-Token", "value": "{{args.token}}"}],
    }
    metric = {"name": "rate", "provider": {"web": web_block}, "count": 2, "interval": "1s"}
    metric["successCondition"] = "result == '*****'"
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "rate"},
        "spec": {"args": [token], "metrics": [metric]},
    }


async def deploy(client: RolloutsClient, image: str) -> None:
    steps = [{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "rate"}]}}]
    manifest = rollout_manifest(NAME, image=image, replicas=2, canary={"steps": steps})
    subscribe(manifest, {f"{t}.hook": "" for t in TRIGGERS})
    item = inp.ApplySpec(input_id=new_input_id(), manifest=manifest)
    assert (await client.send("default", NAME, item)).status == "accepted"


async def until(client: RolloutsClient, check: Callable[[RolloutState], bool]) -> RolloutState:
    async with asyncio.timeout(60):
        while True:
            state = await client.state("default", NAME)
            if state is not None and check(state):
                return state
            await asyncio.sleep(0.1)


async def test_a_secret_reaches_the_provider_and_nothing_else(
    system: RolloutsApp,
    tmp_path: Path,
    echo: tuple[Echo, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver, url = echo
    caplog.set_level(logging.DEBUG)
    secret_file = tmp_path / SECRETS_DIR / "default" / "api.json"
    secret_file.parent.mkdir(parents=True)
    secret_file.write_text(json.dumps({"token": SECRET}))
    connection = await connect(Settings(data_dir=tmp_path))
    client = RolloutsClient(connection)
    with capture_logs() as logs:
        try:
            parsed, _ = parse_object(template(url))
            assert isinstance(parsed, AnalysisTemplate)
            await KvTemplateStore(connection.js).put(parsed)
            await deploy(client, "checkout:v1")
            await until(client, lambda s: s.phase is RolloutPhase.HEALTHY)
            await deploy(client, "checkout:v2")
            state = await until(client, run_ended)
            (run,) = state.analysis_runs.values()
            assert run.phase is AnalysisPhase.SUCCESSFUL  # the provider got the secret
            await until(client, lambda s: s.phase is RolloutPhase.HEALTHY)
            assert system.health is not None
            async with httpx.AsyncClient() as http:
                metrics = (await http.get(f"{system.health.url}/metrics")).text
            history = await client.history("default", NAME)
            async with asyncio.timeout(20):
                while not any("RolloutCompleted" in n for n in receiver.notifications):
                    await asyncio.sleep(0.1)
        finally:
            await connection.close()
    assert "rollouts_" in metrics
    stream = [str(DEFAULT_CODEC.to_structured(s.envelope, s.event)) for s in history]
    for where, text in (
        ("the stream", "\n".join(stream)),
        ("the structured logs", repr(logs)),
        ("the standard logs", caplog.text),
        ("the notifications", "\n".join(receiver.notifications)),
        ("/metrics", metrics),
    ):
        assert SECRET not in text, f"the secret reached {where}"
    files = [path for path in (tmp_path / "jetstream").rglob("*") if path.is_file()]
    assert len(files) > 3, "no JetStream store on disk"
    leaked = [str(path) for path in files if SECRET.encode() in path.read_bytes()]
    assert leaked == [], f"the secret is in the store: {leaked}"
