"""Choosing a provider from a metric's provider block, the scripted twin, and the settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.metrics import (
    AwsCredentials,
    DatadogCredentials,
    MetricProviders,
    MetricSettings,
    StaticMetricProvider,
    standard_providers,
)
from rollouts.ports import Measurement, MetricProvider

NOW = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def prometheus() -> StaticMetricProvider:
    return StaticMetricProvider([0.01, Measurement(error="boom")])


@pytest.fixture
def providers(prometheus: StaticMetricProvider) -> MetricProviders:
    return MetricProviders({"prometheus": prometheus, "web": StaticMetricProvider(["ok"])})


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ({}, "no provider specified"),
        ({"prometheus": None}, "no provider specified"),
        ({"prometheus": {"query": "a"}, "web": {"url": "b"}}, "multiple providers specified"),
        ({"job": {"spec": {}}}, "job provider is not supported yet"),
        ({"kayenta": {"address": "x"}}, "kayenta provider is not supported yet"),
    ],
)
async def test_blocks_without_exactly_one_known_provider_are_errors(
    providers: MetricProviders, block: dict[str, Any], error: str
) -> None:
    assert await providers.measure(block, NOW) == Measurement(error=error)


async def test_the_block_goes_unchanged_to_the_registered_provider(
    providers: MetricProviders, prometheus: StaticMetricProvider
) -> None:
    block = {"prometheus": {"query": "up"}, "web": None}
    assert await providers.measure(block, NOW) == Measurement(value=0.01)
    assert await providers.measure(block, NOW) == Measurement(error="boom")
    assert [(call.provider, call.now) for call in prometheus.calls] == [(block, NOW)] * 2


async def test_static_provider_repeats_the_last_answer_or_reports_exhaustion() -> None:
    repeating = StaticMetricProvider([1.0, 2.0])
    values = [(await repeating.measure({}, NOW)).value for _ in range(4)]
    assert values == [1.0, 2.0, 2.0, 2.0]
    once = StaticMetricProvider([1.0], repeat_last=False)
    await once.measure({}, NOW)
    assert await once.measure({}, NOW) == Measurement(error="no scripted measurement left")
    once.push(3.0, Measurement(value=[4.0]))
    assert [(await once.measure({}, NOW)).value for _ in range(2)] == [3.0, [4.0]]


async def test_static_provider_can_compute_answers() -> None:
    provider = StaticMetricProvider(responder=lambda block, now: block["web"]["url"])
    assert await provider.measure({"web": {"url": "x"}}, NOW) == Measurement(value="x")


async def test_standard_providers_cover_every_http_provider() -> None:
    async with httpx.AsyncClient() as client:
        providers = standard_providers(client, MetricSettings())
        assert isinstance(providers, MetricProvider)
        assert set(providers.keys) == {"prometheus", "web", "datadog", "newRelic", "cloudWatch"}
        missing = await providers.measure({"datadog": {"query": "x"}}, NOW)
    assert missing.error == "failed to find the credentials for datadog metrics provider"


def test_settings_read_the_variables_argo_reads() -> None:
    environ = {
        "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS": "http://prometheus:9090",
        "DD_API_KEY": "dd-api",
        "DD_APP_KEY": "dd-app",
        "DD_ADDRESS": "https://api.datadoghq.eu",
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://localhost:4566",
    }
    assert MetricSettings.from_environ(environ) == MetricSettings(
        prometheus_address="http://prometheus:9090",
        datadog=DatadogCredentials("dd-api", "dd-app", "https://api.datadoghq.eu"),
        aws=AwsCredentials("AKID", "secret", "", "eu-west-1"),
        cloudwatch_endpoint="http://localhost:4566",
    )
    assert MetricSettings.from_environ({}) == MetricSettings()


def test_credentials_do_not_show_secrets_in_repr() -> None:
    text = repr(MetricSettings(datadog=DatadogCredentials("dd-api-key", "dd-app-key")))
    assert "dd-api-key" not in text and "dd-app-key" not in text
