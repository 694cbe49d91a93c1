"""`rollouts apply -f` with a template and the rollout that names it, against a real system:
the template lands in the bucket and the analysis worker finds it for the canary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web
from structlog.testing import capture_logs
from typer.testing import CliRunner, Result

from adapters.cli.main import app as cli_app
from events.phases import AnalysisPhase
from tests.integration.analysis.harness import NAME, AnalysisSystem, describe, promoted_to_v2
from tests.support.prometheus import serve
from tests.support.sim import rollout_manifest

pytestmark = pytest.mark.integration


@pytest.fixture
async def endpoint() -> AsyncIterator[str]:
    async def rate(request: web.Request) -> web.Response:
        return web.json_response({"errorRate": 0.0})

    app = web.Application()
    app.router.add_get("/stats", rate)
    async with serve(app) as url:
        yield url


def documents(url: str, image: str) -> str:
    template = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "error-rate"},
        "spec": {
            "metrics": [
                {
                    "name": "error-rate",
                    "successCondition": "result < 0.05",
                    "provider": {"web": {"url": f"{url}/stats", "jsonPath": "{$.errorRate}"}},
                }
            ]
        },
    }
    steps: list[dict[str, Any]] = [
        {"setWeight": 20},
        {"analysis": {"templates": [{"templateName": "error-rate"}]}},
    ]
    rollout = rollout_manifest(NAME, image=image, replicas=5, canary={"steps": steps})
    return yaml.safe_dump_all([template, rollout])


async def cli(data_dir: Path, *args: str) -> Result:
    with capture_logs():
        return await asyncio.to_thread(
            CliRunner().invoke, cli_app, [*args, "--data-dir", str(data_dir)]
        )


async def test_apply_stores_the_template_the_canary_uses(
    system: AnalysisSystem, endpoint: str, tmp_path: Path
) -> None:
    data_dir = system.settings.data_dir
    first = tmp_path / "v1.yaml"
    first.write_text(documents(endpoint, "checkout:v1"))
    applied = await cli(data_dir, "apply", "-f", str(first))
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.splitlines() == [
        "analysistemplate default/error-rate created",
        f"rollout default/{NAME} created",
    ]
    assert system.templates is not None
    stored = await system.templates.get("AnalysisTemplate", "default", "error-rate")
    assert stored is not None and stored.spec.metrics[0].success_condition == "result < 0.05"
    await system.until("v1 healthy", lambda s: s.phase is not None and s.phase.value == "Healthy")

    second = tmp_path / "v2.yaml"
    second.write_text(documents(endpoint, "checkout:v2"))
    updated = await cli(data_dir, "apply", "-f", str(second))
    assert updated.exit_code == 0, updated.output
    assert updated.stdout.splitlines()[0] == "analysistemplate default/error-rate unchanged"

    state = await system.until("promotion", lambda s: promoted_to_v2(s) or s.abort)
    assert promoted_to_v2(state), describe(state)
    (recorded,) = await system.recorded()
    assert recorded.phase is AnalysisPhase.SUCCESSFUL and recorded.value == "0"
