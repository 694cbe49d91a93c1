"""Datadog provider configuration: Argo's spec checks and the injected credentials lookup."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.metrics import DatadogCredentials, DatadogProvider
from rollouts.spec.providers import DatadogMetric
from tests.integration.metrics.fakes import FakeApi
from tests.integration.metrics.test_datadog import V1, V1_SERIES, v1

pytestmark = pytest.mark.integration

NOW = datetime(2020, 8, 31, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def provider(client: httpx.AsyncClient, api: FakeApi) -> DatadogProvider:
    credentials = DatadogCredentials("api-key-0123456789", "app-key-0123456789", address=api.url)
    return DatadogProvider(client, credentials)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({}, "Must have either a query or queries. Please review the Analysis Template."),
        ({"query": "a", "queries": {"a": "b"}}, "Cannot have both a query and queries."),
        ({"apiVersion": "v1", "queries": {"a": "b"}}, "Query is empty. API Version v1 only"),
        ({"formula": "a", "query": "x", "apiVersion": "v2"}, "Formula are only valid when"),
        ({"apiVersion": "v2", "queries": {"a": "x", "b": "y"}}, "When multiple queries are"),
        ({"query": "x", "aggregator": "sum"}, "Aggregator is not supported in v1."),
        ({"query": "x", "requestTimeout": "0s"}, "Request timeout must be a positive duration"),
        ({"query": "x", "requestTimeout": "soon"}, "Could not parse the request timeout"),
        ({"query": "x", "interval": "five"}, "invalid duration 'five'"),
    ],
)
async def test_invalid_specs_are_errors_without_requests(
    provider: DatadogProvider, api: FakeApi, spec: dict[str, Any], error: str
) -> None:
    measurement = await provider.measure({"datadog": spec}, NOW)
    assert measurement.error is not None
    assert measurement.error.startswith(error)
    assert api.requests == []


async def test_credentials_lookup_receives_the_spec(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    asked: list[DatadogMetric] = []

    async def lookup(spec: DatadogMetric) -> DatadogCredentials | None:
        asked.append(spec)
        if spec.secret_ref.name == "team-a":
            return DatadogCredentials("team-a-api-key", "team-a-app-key", address=api.url)
        return None

    provider = DatadogProvider(client, lookup)
    api.reply("GET", V1, json_body=V1_SERIES)
    found = await provider.measure(v1(secretRef={"name": "team-a", "namespaced": True}), NOW)
    assert found.value == 0.00033328818
    assert api.last.header("DD-API-KEY") == "team-a-api-key"
    missing = await provider.measure(v1(secretRef={"name": "team-b"}), NOW)
    assert missing.error == "failed to find the credentials for datadog metrics provider"
    assert [spec.secret_ref.name for spec in asked] == ["team-a", "team-b"]
