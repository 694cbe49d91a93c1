"""Over real HTTP: the Web provider marks JSONPath matches JSON-encoded, so the recorded value is
Argo's json.Marshal of the match (`"1"` quoted, `1` bare); a body that is not JSON stays raw."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from adapters.metrics import WebProvider
from rollouts.analysis.engine_verdict import verdict_of
from rollouts.spec import Metric
from tests.integration.metrics.fakes import FakeApi

pytestmark = pytest.mark.integration

NOW = datetime(2024, 1, 1, tzinfo=UTC)
BODY = {"text": "1", "number": 1, "flag": "true", "bool": True}


@pytest.mark.parametrize(
    ("json_path", "recorded"),
    [("{$.text}", '"1"'), ("{$.number}", "1"), ("{$.flag}", '"true"'), ("{$.bool}", "true")],
)
async def test_recorded_value_is_the_json_encoding_of_the_match(
    client: httpx.AsyncClient, api: FakeApi, json_path: str, recorded: str
) -> None:
    api.reply("GET", "/v", json_body=BODY)
    block = {"web": {"url": f"{api.url}/v", "jsonPath": json_path}}
    measurement = await WebProvider(client).measure(block, NOW)
    assert measurement.error is None
    metric = Metric.model_validate({"name": "w", "provider": block})
    verdict = verdict_of(metric, measurement.value, None, measurement.metadata)
    assert verdict.value == recorded


async def test_a_body_that_is_not_json_is_recorded_raw(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.reply("GET", "/t", text="all good")
    block = {"web": {"url": f"{api.url}/t"}}
    measurement = await WebProvider(client).measure(block, NOW)
    assert measurement.metadata == {}
    metric = Metric.model_validate({"name": "w", "provider": block})
    assert verdict_of(metric, measurement.value, None, measurement.metadata).value == "all good"
