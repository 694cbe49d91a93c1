"""Analyses that cannot judge: each ends the way Argo ends it (Error), with a message that says
why, and the rollout is never promoted. Secrets never reach the stream, even when echoed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from events.codec import DEFAULT_CODEC
from events.phases import AnalysisPhase, RolloutPhase
from tests.integration.analysis.harness import AnalysisSystem, describe, run_ended
from tests.support.prometheus import serve

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-t0ken-value"


@pytest.fixture
async def endpoint() -> AsyncIterator[str]:
    release = asyncio.Event()

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"rate": 0.01, "token": request.headers.get("X-Token", "")})

    async def slow(request: web.Request) -> web.Response:
        await release.wait()  # longer than the metric's timeout; released at teardown
        return web.json_response({"rate": 0.01})

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="internal error")

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_get("/slow", slow)
    app.router.add_get("/broken", broken)
    async with serve(app) as url:
        yield url
        release.set()
        await asyncio.sleep(0.05)


def template(web_block: dict[str, Any], **metric: Any) -> dict[str, Any]:
    fields = {"successCondition": "result < 0.05", "consecutiveErrorLimit": 0, **metric}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "rate"},
        "spec": {
            "args": [
                {"name": "token", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}
            ],
            "metrics": [{"name": "rate", "provider": {"web": web_block}, **fields}],
        },
    }


STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {"analysis": {"templates": [{"templateName": "rate"}]}},
]
HEADERS = [{"key": "X-Token", "value": "{{args.token}}"}]

CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "condition that does not parse",
        {"url": "/ok", "jsonPath": "{$.rate}"},
        {"successCondition": "result <<< 0.05"},
        'could not evaluate successCondition "result <<< 0.05"',
    ),
    (
        "provider timeout",
        {"url": "/slow", "jsonPath": "{$.rate}", "timeoutSeconds": 1},
        {},
        "timed out after 1s",
    ),
    ("HTTP 500", {"url": "/broken"}, {}, "received non 2xx response code: 500"),
    ("jsonPath matching nothing", {"url": "/ok", "jsonPath": "{$.nothing}"}, {}, "JSONPath"),
]


@pytest.mark.parametrize(
    ("web_block", "metric", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_a_measurement_that_cannot_judge_is_an_error(
    system: AnalysisSystem,
    endpoint: str,
    web_block: dict[str, Any],
    metric: dict[str, Any],
    message: str,
) -> None:
    system.put_secret("api", {"token": SECRET})
    block = {**web_block, "url": endpoint + web_block["url"], "headers": HEADERS}
    await system.put_template(template(block, **metric))
    await system.deploy_then_update(STEPS)

    state = await system.until("the run to end", run_ended)
    (run,) = state.analysis_runs.values()
    assert run.phase is AnalysisPhase.ERROR, describe(state)
    (recorded,) = await system.recorded()
    assert recorded.phase is AnalysisPhase.ERROR
    assert message.lower() in recorded.message.lower(), recorded.message
    assert "Step-based analysis phase error/failed" in (await aborted(system)).message


async def aborted(system: AnalysisSystem) -> Any:
    state = await system.until("the abort", lambda s: s.phase is RolloutPhase.DEGRADED)
    assert state.abort and not state.fully_promoted, describe(state)
    return state


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (None, 'Unable to resolve metric arguments: secrets "api" not found'),
        (
            {"other": "x"},
            "Unable to resolve metric arguments: key 'token' does not exist in secret 'api'",
        ),
    ],
    ids=["no such secret", "no such key"],
)
async def test_a_missing_secret_fails_the_run_at_once(
    system: AnalysisSystem, endpoint: str, secret: dict[str, str] | None, message: str
) -> None:
    if secret is not None:
        system.put_secret("api", secret)
    block = {"url": endpoint + "/ok", "jsonPath": "{$.rate}", "headers": HEADERS}
    await system.put_template(template(block))
    await system.deploy_then_update(STEPS)

    state = await system.until("the run to end", run_ended)
    (run,) = state.analysis_runs.values()
    assert run.phase is AnalysisPhase.ERROR and run.message == message, describe(state)
    assert await system.recorded() == []
    await aborted(system)


async def test_a_secret_is_used_but_never_stored(system: AnalysisSystem, endpoint: str) -> None:
    system.put_secret("api", {"token": SECRET})
    block = {"url": endpoint + "/ok", "jsonPath": "{$.token}", "headers": HEADERS}
    await system.put_template(template(block, successCondition="result == '*****'"))
    await system.deploy_then_update(STEPS)

    state = await system.until("the run to end", run_ended)
    (recorded,) = await system.recorded()
    # Argo's json.Marshal of the JSONPath match: the masked string, quotes kept.
    assert recorded.value == '"*****"' and recorded.phase is AnalysisPhase.SUCCESSFUL
    assert only_phase(state) is AnalysisPhase.SUCCESSFUL
    for stored in await system.history():
        text = str(DEFAULT_CODEC.to_structured(stored.envelope, stored.event))
        assert SECRET not in text


def only_phase(state: Any) -> AnalysisPhase:
    (run,) = state.analysis_runs.values()
    phase: AnalysisPhase = run.phase
    return phase
