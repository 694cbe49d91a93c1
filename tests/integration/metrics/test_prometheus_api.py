"""Prometheus provider edge cases a real Prometheus cannot easily produce, over real HTTP.

The answers are the documented shapes of the Prometheus HTTP API (`/api/v1/query`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from adapters.metrics import AwsCredentials, PrometheusProvider
from tests.integration.metrics.fakes import FakeApi

pytestmark = pytest.mark.integration

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
NOW_EPOCH = "1704110400"
QUERY_PATH = "/api/v1/query"


def success(result_type: str, result: Any, **extra: Any) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": result_type, "result": result}, **extra}


def block(address: str, query: str = "up", **extra: Any) -> dict[str, Any]:
    return {"prometheus": {"address": address, "query": query, **extra}}


@pytest.fixture
def provider(client: httpx.AsyncClient) -> PrometheusProvider:
    return PrometheusProvider(client)


async def test_instant_query_is_a_form_post_at_the_measurement_time(
    provider: PrometheusProvider, api: FakeApi
) -> None:
    api.reply("POST", QUERY_PATH, json_body=success("scalar", [1704110400, "0.5"]))
    measurement = await provider.measure(block(api.url, 'sum(up{job="a b"})'), NOW)
    assert measurement.value == 0.5
    sent = api.last
    assert sent.header("Content-Type") == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body.decode()) == {"query": ['sum(up{job="a b"})'], "time": [NOW_EPOCH]}


async def test_matrix_and_warnings(provider: PrometheusProvider, api: FakeApi) -> None:
    matrix = [
        {"metric": {"pod": "a"}, "values": [[1, "1"], [2, "2"]]},
        {"metric": {"pod": "b"}, "values": [[1, "NaN"]]},
    ]
    api.reply("POST", QUERY_PATH, json_body=success("matrix", matrix, warnings=["w one", "w2"]))
    measurement = await provider.measure(block(api.url), NOW)
    assert measurement.value[:2] == [1.0, 2.0]
    assert str(measurement.value[2]) == "nan"
    assert measurement.metadata == {"warnings": '"w one", "w2"'}


async def test_range_query_sends_evaluated_times_and_step(
    provider: PrometheusProvider, api: FakeApi
) -> None:
    api.reply("POST", "/api/v1/query_range", json_body=success("matrix", []))
    range_query = {"start": 'now() - duration("5m")', "end": "now()", "step": "30s"}
    measurement = await provider.measure(block(api.url, rangeQuery=range_query), NOW)
    assert measurement.value == []
    form = parse_qs(api.last.body.decode())
    assert form == {
        "query": ["up"],
        "start": [str(int(NOW_EPOCH) - 300)],
        "end": [NOW_EPOCH],
        "step": ["30"],
    }


@pytest.mark.parametrize(
    ("step", "message"),
    [("", "failed to parse rangeQuery.step as duration"), ("5x", "unknown unit")],
)
async def test_bad_range_step_is_an_error(
    provider: PrometheusProvider, api: FakeApi, step: str, message: str
) -> None:
    range_query = {"start": "now()", "end": "now()", "step": step}
    measurement = await provider.measure(block(api.url, rangeQuery=range_query), NOW)
    assert measurement.error is not None
    assert message in measurement.error
    assert api.requests == []


async def test_method_not_allowed_falls_back_to_get(
    provider: PrometheusProvider, api: FakeApi
) -> None:
    api.reply("POST", QUERY_PATH, status=405, text="method not allowed")
    api.reply("GET", QUERY_PATH, json_body=success("vector", [{"metric": {}, "value": [1, "7"]}]))
    measurement = await provider.measure(block(api.url), NOW)
    assert measurement.value == [7.0]
    assert [r.method for r in api.requests] == ["POST", "GET"]
    assert api.last.query == {"query": "up", "time": NOW_EPOCH}


@pytest.mark.parametrize(
    ("status", "reply", "error"),
    [
        (200, success("string", [1, "hello"]), "Prometheus metric type not supported"),
        (503, "upstream unavailable", "server_error: server error: 503"),
        (404, "not found", "client_error: client error: 404"),
        (200, "<html>oops</html>", "bad_response: Expecting value: line 1 column 1 (char 0)"),
        (422, {"status": "error", "errorType": "execution", "error": "too many samples"},
         "execution: too many samples"),
        (200, {"status": "success", "data": {"resultType": "vector", "result": [{"x": 1}]}},
         "bad_response: malformed vector result: KeyError('value')"),
    ],
)  # fmt: skip
async def test_server_failures_are_errors(
    provider: PrometheusProvider, api: FakeApi, status: int, reply: Any, error: str
) -> None:
    if isinstance(reply, str):
        api.reply("POST", QUERY_PATH, status=status, text=reply)
    else:
        api.reply("POST", QUERY_PATH, status=status, json_body=reply)
    measurement = await provider.measure(block(api.url), NOW)
    assert measurement.value is None
    assert measurement.error == error


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"address": "prometheus:9090"}, "prometheus address is not in url format"),
        ({"timeout": -1}, "prometheus timeout should not be negative"),
        ({"timeout": "soon"}, "invalid prometheus provider: timeout: Input should be a valid"),
        ({"unknownField": 1}, "invalid prometheus provider: unknownField: Extra inputs"),
        (
            {"authentication": {"basicAuth": {"username": "u"}}},
            "missing mandatory parameter in metric for basic auth setup: password",
        ),
        (
            {"authentication": {"oauth2": {"tokenUrl": "http://127.0.0.1:9/t"}}},
            "missing mandatory parameter in metric for OAuth2 setup",
        ),
        ({"address": "https://prometheus.example", "insecure": True}, "insecure: true needs"),
    ],
)
async def test_invalid_specs_are_errors_without_requests(
    provider: PrometheusProvider, api: FakeApi, spec: dict[str, Any], error: str
) -> None:
    measurement = await provider.measure({"prometheus": {"address": api.url, **spec}}, NOW)
    assert measurement.error is not None
    assert measurement.error.startswith(error)
    assert api.requests == []


async def test_custom_headers_win_over_basic_auth(
    provider: PrometheusProvider, api: FakeApi
) -> None:
    api.reply("POST", QUERY_PATH, json_body=success("vector", []))
    headers = [{"key": "authorization", "value": "Bearer custom"}, {"key": "X-Org", "value": "7"}]
    auth = {"basicAuth": {"username": "u", "password": "p"}}
    await provider.measure(block(api.url, headers=headers, authentication=auth), NOW)
    assert api.last.header("Authorization") == "Bearer custom"
    assert api.last.header("X-Org") == "7"


async def test_amazon_managed_prometheus_requests_are_sigv4_signed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/workspaces/aps-workspaces-ws-1"
    api.reply("POST", f"{path}{QUERY_PATH}", json_body=success("vector", []))
    aws = AwsCredentials("AKIDEXAMPLE", "secret-access-key", region="eu-west-1")
    provider = PrometheusProvider(client, aws=aws)
    auth = {"sigv4": {"region": "eu-west-1"}}
    measurement = await provider.measure(block(api.url + path, authentication=auth), NOW)
    assert measurement.error is None
    authorization = api.last.header("Authorization") or ""
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/aps/aws4_request" in authorization
    assert api.last.header("X-Amz-Date")


async def test_sigv4_without_credentials_is_an_error(
    provider: PrometheusProvider, api: FakeApi
) -> None:
    address = f"{api.url}/aps-workspaces/ws-1"
    measurement = await provider.measure(
        block(address, authentication={"sigv4": {"region": "us-east-1"}}), NOW
    )
    assert measurement.error == "sigv4 needs AWS credentials and none are configured"
