"""The New Relic provider against a local server answering like NerdGraph (GraphQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.metrics import MASK, NewRelicCredentials, NewRelicProvider, value_text
from tests.integration.metrics.fakes import FakeApi

pytestmark = pytest.mark.integration

NOW = datetime(2024, 1, 1, tzinfo=UTC)
NRQL = "FROM Transaction SELECT percentage(count(*), WHERE error IS true) SINCE 5 minutes ago"
API_KEY = "NRAK-0123456789ABCDEF"


def nrql_answer(results: Any) -> dict[str, Any]:
    return {"data": {"actor": {"account": {"nrql": {"results": results}}}}}


def block(**extra: Any) -> dict[str, Any]:
    return {"newRelic": {"query": NRQL, **extra}}


@pytest.fixture
def provider(client: httpx.AsyncClient, api: FakeApi) -> NewRelicProvider:
    credentials = NewRelicCredentials(API_KEY, 1234567, nerdgraph_url=f"{api.url}/graphql")
    return NewRelicProvider(client, credentials)


async def test_one_row_is_a_map_and_the_query_travels_as_variables(
    provider: NewRelicProvider, api: FakeApi
) -> None:
    api.reply("POST", "/graphql", json_body=nrql_answer([{"percentage": 1.5, "count": 10}]))
    measurement = await provider.measure(block(), NOW)
    assert measurement.value == {"percentage": 1.5, "count": 10.0}
    sent = api.last
    assert sent.header("API-Key") == API_KEY
    assert sent.header("Content-Type") == "application/json"
    payload = sent.json()
    assert payload["variables"] == {"accountId": 1234567, "query": NRQL, "timeout": 5}
    assert "nrql(query: $query, timeout: $timeout)" in payload["query"]
    assert "account(id: $accountId)" in payload["query"]


async def test_several_rows_are_a_list_of_maps(provider: NewRelicProvider, api: FakeApi) -> None:
    rows = [{"facet": "a", "average.duration": 0.2}, {"facet": "b", "average.duration": 0.4}]
    api.reply("POST", "/graphql", json_body=nrql_answer(rows))
    measurement = await provider.measure(block(timeout=30), NOW)
    assert measurement.value == rows
    assert value_text(measurement.value) == (
        '[{"average.duration":0.2,"facet":"a"},{"average.duration":0.4,"facet":"b"}]'
    )
    assert api.last.json()["variables"]["timeout"] == 30


@pytest.mark.parametrize("results", [[], [{}], None])
async def test_no_rows_is_an_error(provider: NewRelicProvider, api: FakeApi, results: Any) -> None:
    api.reply("POST", "/graphql", json_body=nrql_answer(results))
    measurement = await provider.measure(block(), NOW)
    assert measurement.error == "no results returned from NRQL query"


@pytest.mark.parametrize(
    ("status", "reply", "error"),
    [
        (200, {"errors": [{"message": "NRQL Syntax Error: Error at line 1"}], "data": None},
         "NerdGraph query failed: NRQL Syntax Error: Error at line 1"),
        (500, {"errors": [{"message": "Internal Server Error"}]},
         'NerdGraph request failed: 500 {"errors": [{"message": "Internal Server Error"}]}'),
        (200, {"data": {"actor": None}}, "NerdGraph response has no NRQL results"),
    ],
)  # fmt: skip
async def test_failures_are_errors(
    provider: NewRelicProvider, api: FakeApi, status: int, reply: Any, error: str
) -> None:
    api.reply("POST", "/graphql", status=status, json_body=reply)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error == error


async def test_malformed_json_is_an_error(provider: NewRelicProvider, api: FakeApi) -> None:
    api.reply("POST", "/graphql", text="<html>")
    measurement = await provider.measure(block(), NOW)
    assert measurement.error is not None
    assert measurement.error.startswith("could not parse NerdGraph response: ")


async def test_negative_timeout_is_an_error(provider: NewRelicProvider, api: FakeApi) -> None:
    measurement = await provider.measure(block(timeout=-1), NOW)
    assert measurement.error == "timeout value needs to be a positive value"
    assert api.requests == []


async def test_api_key_echoed_by_the_server_is_masked(
    provider: NewRelicProvider, api: FakeApi
) -> None:
    api.reply("POST", "/graphql", status=401, echo_headers=True)
    measurement = await provider.measure(block(), NOW)
    assert measurement.error is not None
    assert API_KEY not in measurement.error
    assert MASK in measurement.error


async def test_missing_credentials_is_an_error(client: httpx.AsyncClient) -> None:
    measurement = await NewRelicProvider(client, None).measure(block(), NOW)
    assert measurement.error == "account ID or personal API key not found"


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("us", "https://api.newrelic.com/graphql"),
        ("eu", "https://api.eu.newrelic.com/graphql"),
        ("EU", "https://api.eu.newrelic.com/graphql"),
    ],
)
def test_region_picks_the_nerdgraph_endpoint(region: str, url: str) -> None:
    assert NewRelicCredentials("k", 1, region=region).graphql_url == url
