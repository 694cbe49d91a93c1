"""The dashboard served in the test's loop, over a real system (embedded NATS, every worker,
the local platform: `tests.integration.cli.conftest.system`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.cli import session
from adapters.cli.web.app import create_dashboard_app
from adapters.runtime.settings import settings_from_env
from tests.integration.cli.conftest import CANARY, System, manifest_yaml, system  # noqa: F401
from tests.support.sim import rollout_manifest

METRIC_VALUES = (0.01, 0.03, 0.02, 0.04)
"""What the test's metric endpoint answers, in turn: all below the 0.05 success threshold."""
SUCCESS_CONDITION = "result < 0.05"
ANALYSIS_STEPS = [
    {"setWeight": 20},
    {"analysis": {"templates": [{"templateName": "error-rate"}]}},
    {"pause": {}},
    {"setWeight": 50},
]


def analysis_yaml(url: str, image: str) -> str:
    """An AnalysisTemplate (a `web` metric at `url`, 3 measurements) and a canary using it."""
    import yaml

    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "error-rate"},
        "spec": {
            "metrics": [
                {
                    "name": "error-rate",
                    "interval": "300ms",
                    "count": 3,
                    "successCondition": SUCCESS_CONDITION,
                    "provider": {"web": {"url": url, "jsonPath": "{$.value}"}},
                }
            ]
        },
    }
    canary = {**CANARY, "steps": ANALYSIS_STEPS}
    rollout = rollout_manifest("demo", replicas=2, image=image, canary=canary)
    return yaml.safe_dump_all([template, rollout])


@dataclass
class Dashboard:
    url: str
    system: System
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.url + path) as response:
            return response.status, await response.json()

    async def post(self, path: str) -> tuple[int, Any]:
        async with self.http.post(self.url + path) as response:
            return response.status, await response.json()

    async def deploy(self, image: str = "nginx:1", text: str | None = None) -> None:
        text = manifest_yaml(image) if text is None else text
        path = self.system.write(f"{image}.yaml".replace(":", "-"), text)
        applied = await self.system.cli("apply", "-f", path)
        assert applied.exit_code == 0, applied.output


async def updates(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any]]:
    """The documents of a server-sent event stream, keepalive comments skipped."""
    async for line in response.content:
        if line.startswith(b"data: "):
            yield json.loads(line[len(b"data: ") :])


async def until_update(
    response: aiohttp.ClientResponse, accept: Any, timeout: float = 20.0
) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        async for update in updates(response):
            if accept(update):
                return update
    raise AssertionError("the event stream ended")


@pytest.fixture
async def metric_url() -> AsyncIterator[str]:
    """A `web` metric endpoint answering METRIC_VALUES in turn, as {"value": x}."""
    served = iter(range(10_000))

    async def value(_: web.Request) -> web.Response:
        return web.json_response({"value": METRIC_VALUES[next(served) % len(METRIC_VALUES)]})

    app = web.Application()
    app.router.add_get("/value", value)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/value"
    finally:
        await runner.cleanup()


@pytest.fixture
async def dashboard(system: System) -> AsyncIterator[Dashboard]:  # noqa: F811
    # As `rollouts dashboard` builds them: the environment (actor = the OS user) and --data-dir.
    settings = settings_from_env({"USER": "alice"}, data_dir=system.data_dir)
    async with session.open_client(settings) as client:
        app = create_dashboard_app(settings, client)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession() as http:
                yield Dashboard(f"http://127.0.0.1:{port}", system, http)
        finally:
            await runner.cleanup()
