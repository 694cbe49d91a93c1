"""The Datadog provider against a local server answering like the Datadog API (Argo's fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.metrics import MASK, DatadogCredentials, DatadogProvider, value_text
from tests.integration.metrics.fakes import FakeApi

pytestmark = pytest.mark.integration

NOW = datetime(2020, 8, 31, 10, 0, 0, tzinfo=UTC)
NOW_EPOCH = 1598868000
V1 = "/api/v1/query"
V2 = "/api/v2/query/scalar"
V1_SERIES = {
    "status": "ok",
    "series": [
        {"pointlist": [[1598867910000, 0.0020008318672513122], [1598867925000, 0.00033328818]]}
    ],
}
QUERY = "sum:requests.error.rate{service:checkout}"


def v1(**extra: Any) -> dict[str, Any]:
    return {"datadog": {"query": QUERY, **extra}}


def v2(**extra: Any) -> dict[str, Any]:
    return {"datadog": {"apiVersion": "v2", **extra}}


def columns(*items: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": "scalar_response", "attributes": {"columns": list(items)}}}


@pytest.fixture
def provider(client: httpx.AsyncClient, api: FakeApi) -> DatadogProvider:
    credentials = DatadogCredentials("api-key-0123456789", "app-key-0123456789", address=api.url)
    return DatadogProvider(client, credentials)


async def test_v1_takes_the_last_point_of_the_first_series(
    provider: DatadogProvider, api: FakeApi
) -> None:
    api.reply("GET", V1, json_body=V1_SERIES)
    measurement = await provider.measure(v1(), NOW)
    assert measurement == measurement.__class__(value=0.00033328818)
    sent = api.last
    assert sent.query == {"from": str(NOW_EPOCH - 300), "query": QUERY, "to": str(NOW_EPOCH)}
    assert sent.header("DD-API-KEY") == "api-key-0123456789"
    assert sent.header("DD-APPLICATION-KEY") == "app-key-0123456789"
    assert sent.header("Content-Type") == "application/json"


async def test_v1_interval_sets_the_look_back(provider: DatadogProvider, api: FakeApi) -> None:
    api.reply("GET", V1, json_body=V1_SERIES)
    await provider.measure(v1(interval="10m"), NOW)
    assert api.last.query["from"] == str(NOW_EPOCH - 600)


@pytest.mark.parametrize(
    "reply",
    [
        {"status": "ok", "series": []},
        {"status": "ok", "series": [{"pointlist": []}]},
        {"status": "ok", "series": [{"pointlist": [[1598867910000, None]]}]},
    ],
)
async def test_v1_without_data_is_nil(
    provider: DatadogProvider, api: FakeApi, reply: dict[str, Any]
) -> None:
    api.reply("GET", V1, json_body=reply)
    measurement = await provider.measure(v1(), NOW)
    assert (measurement.value, measurement.error) == (None, None)


@pytest.mark.parametrize(
    ("status", "reply", "error"),
    [
        (400, {"status": "error", "error": "error messsage"},
         'received non 2xx response code: 400 {"status": "error", "error": "error messsage"}'),
        (401, {"errors": ["No authenticated user."]},
         'received authentication error response code: 401 {"errors": ["No authenticated user."]}'),
        (403, {"errors": ["Forbidden"]},
         'received authentication error response code: 403 {"errors": ["Forbidden"]}'),
        (200, {"status": "ok", "series": "invalid"},
         "Could not parse JSON body: series is not a list"),
        (200, {"status": "ok", "series": [{"pointlist": [[1, 2, 3]]}]},
         "Datapoint does not have 2 values"),
        (200, {"status": "error", "error": "Rate limit"},
         "There were errors in your query: Rate limit"),
    ],
)  # fmt: skip
async def test_v1_failures_are_errors(
    provider: DatadogProvider, api: FakeApi, status: int, reply: Any, error: str
) -> None:
    api.reply("GET", V1, status=status, json_body=reply)
    measurement = await provider.measure(v1(), NOW)
    assert measurement.value is None
    assert measurement.error == error


async def test_malformed_json_is_an_error(provider: DatadogProvider, api: FakeApi) -> None:
    api.reply("GET", V1, text="{not json")
    measurement = await provider.measure(v1(), NOW)
    assert measurement.error is not None
    assert measurement.error.startswith("Could not parse JSON body: ")


async def test_v2_single_query_posts_a_scalar_request(
    provider: DatadogProvider, api: FakeApi
) -> None:
    api.reply("POST", V2, json_body=columns({"name": "query", "values": [0.0006332881882246533]}))
    measurement = await provider.measure(v2(query=QUERY), NOW)
    assert measurement.value == 0.0006332881882246533
    assert value_text(measurement.value) == "0.0006332881882246533"
    assert api.last.json() == {
        "data": {
            "attributes": {
                "from": (NOW_EPOCH - 300) * 1000,
                "to": NOW_EPOCH * 1000,
                "queries": [
                    {
                        "aggregator": "last",
                        "data_source": "metrics",
                        "name": "query",
                        "query": QUERY,
                    }
                ],
                "formulas": [],
            },
            "type": "scalar_request",
        }
    }


async def test_v2_queries_with_formula_and_aggregator(
    provider: DatadogProvider, api: FakeApi
) -> None:
    api.reply("POST", V2, json_body=columns({"name": "a/b", "type": "number", "values": [0.5]}))
    queries = {"a": "sum:errors{*}.as_count()", "b": "sum:hits{*}.as_count()"}
    spec = v2(queries=queries, formula="a/b", aggregator="sum", interval="1m")
    measurement = await provider.measure(spec, NOW)
    assert measurement.value == 0.5
    attributes = api.last.json()["data"]["attributes"]
    assert attributes["formulas"] == [{"formula": "a/b"}]
    assert [(q["name"], q["aggregator"]) for q in attributes["queries"]] == [
        ("a", "sum"),
        ("b", "sum"),
    ]
    assert attributes["from"] == (NOW_EPOCH - 60) * 1000


@pytest.mark.parametrize(
    ("reply", "value", "groups"),
    [
        (
            columns(
                {"name": "resource_name", "type": "group", "values": [["GET /a"], ["GET /b"]]},
                {"name": "query1", "type": "number", "values": [0.01, 0.087]},
            ),
            [0.01, 0.087],
            '[{"name":"GET /a","value":0.01},{"name":"GET /b","value":0.087}]',
        ),
        (
            columns(
                {"name": "resource_name", "type": "group", "values": [["GET /a"]]},
                {"name": "query1", "type": "number", "values": [0.087]},
            ),
            [0.087],
            '[{"name":"GET /a","value":0.087}]',
        ),
        (
            columns(
                {"name": "env", "type": "group", "values": [["prod"], ["prod"], ["dev"]]},
                {"name": "host", "type": "group", "values": [["a"], ["b"], ["c"]]},
                {"name": "query1", "type": "number", "values": [None, 0.02, 0.03]},
            ),
            [0.02, 0.03],
            '[{"name":"prod,b","value":0.02},{"name":"dev,c","value":0.03}]',
        ),
    ],
)
async def test_v2_grouped_queries_are_lists_with_group_metadata(
    provider: DatadogProvider, api: FakeApi, reply: Any, value: list[float], groups: str
) -> None:
    api.reply("POST", V2, json_body=reply)
    measurement = await provider.measure(v2(query=QUERY + " by {resource_name}"), NOW)
    assert measurement.value == value
    assert measurement.metadata == {"groups": groups}


async def test_v2_many_groups_keep_the_extremes_in_metadata(
    provider: DatadogProvider, api: FakeApi
) -> None:
    names = [[f"host-{i}"] for i in range(150)]
    values = [float(i) for i in range(150)]
    api.reply(
        "POST",
        V2,
        json_body=columns(
            {"name": "host", "type": "group", "values": names},
            {"name": "q", "type": "number", "values": values},
        ),
    )
    measurement = await provider.measure(v2(query=QUERY), NOW)
    assert measurement.value == values
    kept = json.loads(measurement.metadata["groups"])
    assert len(kept) == 100
    assert measurement.metadata["groups_truncated"] == "true"
    assert kept[0]["value"] == 0 and kept[-1]["value"] == 149


@pytest.mark.parametrize("reply", [columns({"name": "q", "values": []}), columns(), {"data": {}}])
async def test_v2_without_data_is_nil(provider: DatadogProvider, api: FakeApi, reply: Any) -> None:
    api.reply("POST", V2, json_body=reply)
    measurement = await provider.measure(v2(query=QUERY), NOW)
    assert (measurement.value, measurement.error) == (None, None)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ({"data": {"errors": "query exceeded the maximum allowed time range"}},
         "There were errors in your query: query exceeded the maximum allowed time range"),
        ({"data": {}, "errors": "bad formula"}, "There were errors in your query: bad formula"),
        (columns({"name": "query1", "type": "number", "values": [1, "oops"]}),
         'could not parse numeric value "\\"oops\\"" in column "query1"'),
        (columns({"name": "r", "type": "group", "values": [["a"], "not-an-array"]},
                 {"name": "query1", "type": "number", "values": [0.01, 0.02]}),
         "could not parse group label at index 1"),
        (columns({"values": "invalid"}), "Could not parse JSON body: column values is not a list"),
    ],
)  # fmt: skip
async def test_v2_bad_answers_are_errors(
    provider: DatadogProvider, api: FakeApi, reply: Any, error: str
) -> None:
    api.reply("POST", V2, json_body=reply)
    measurement = await provider.measure(v2(query=QUERY), NOW)
    assert measurement.error == error


async def test_request_timeout_bounds_the_call(provider: DatadogProvider, api: FakeApi) -> None:
    api.reply("GET", V1, json_body=V1_SERIES, delay=5)
    measurement = await provider.measure(v1(requestTimeout="500ms"), NOW)
    assert measurement.error is not None
    assert measurement.error.endswith("timed out after 0.5s")


async def test_keys_echoed_by_the_server_are_masked(
    provider: DatadogProvider, api: FakeApi
) -> None:
    api.reply("GET", V1, status=401, echo_headers=True)
    measurement = await provider.measure(v1(), NOW)
    assert measurement.error is not None
    assert measurement.error.startswith("received authentication error response code: 401")
    assert "api-key-0123456789" not in measurement.error
    assert "app-key-0123456789" not in measurement.error
    assert MASK in measurement.error
