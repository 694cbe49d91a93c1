"""The Web provider over real HTTP; cases follow Argo's webmetric tests."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.metrics import WebProvider, value_text
from tests.integration.metrics.fakes import FakeApi

pytestmark = pytest.mark.integration

NOW = datetime(2024, 1, 1, tzinfo=UTC)
ARGO_BODY = {"a": 1, "b": True, "c": [1, 2, 3, 4], "d": None}
NESTED = {"key": [{"key2": {"value": "1"}}], "data": {"ok": True}, "num": 1.1, "list": [1, 2]}


def block(url: str, **extra: Any) -> dict[str, Any]:
    return {"web": {"url": url, **extra}}


@pytest.fixture
def provider(client: httpx.AsyncClient) -> WebProvider:
    return WebProvider(client)


async def test_without_json_path_the_whole_document_is_the_result(
    provider: WebProvider, api: FakeApi
) -> None:
    api.reply("GET", "/check", json_body=ARGO_BODY)
    measurement = await provider.measure(block(f"{api.url}/check"), NOW)
    assert measurement.value == {"a": 1.0, "b": True, "c": [1.0, 2.0, 3.0, 4.0], "d": None}
    assert all(isinstance(n, float) for n in measurement.value["c"])
    assert value_text(measurement.value) == '{"a":1,"b":true,"c":[1,2,3,4],"d":null}'
    assert api.last.method == "GET"


@pytest.mark.parametrize(
    ("json_path", "expected"),
    [
        ("{$.key[0].key2.value}", "1"),
        ("{.data.ok}", True),
        ("{$.data}", {"ok": True}),
        ("{$.num}", 1.1),
        ("{$.list}", [1.0, 2.0]),
        ("{$.list[-1]}", 2.0),
        ("{$.list[*]}", 1.0),
        ("{$..value}", "1"),
        ("{$['data']['ok']}", True),
        ("{$}", NESTED),
        ("{ $.num }", 1.1),
    ],
)
async def test_json_path_picks_the_first_match(
    provider: WebProvider, api: FakeApi, json_path: str, expected: Any
) -> None:
    api.reply("GET", "/", json_body=NESTED)
    measurement = await provider.measure(block(f"{api.url}/", jsonPath=json_path), NOW)
    assert measurement.error is None
    assert measurement.value == expected


@pytest.mark.parametrize(
    ("json_path", "error"),
    [
        ("{$.key[0].key2.novalue}", "Could not find JSONPath in body: novalue is not found"),
        ("{$.list[5]}", "Could not find JSONPath in body: array index out of bounds: index 5, "
         "length 2"),
        ("{$.num[0]}", "Could not find JSONPath in body: 1.1 is not array or slice"),
        ("{$.empty[*]}", "result of web metric produced no value"),
    ],
)  # fmt: skip
async def test_json_path_without_a_match_is_an_error(
    provider: WebProvider, api: FakeApi, json_path: str, error: str
) -> None:
    api.reply("GET", "/", json_body={**NESTED, "empty": []})
    measurement = await provider.measure(block(f"{api.url}/", jsonPath=json_path), NOW)
    assert measurement.value is None
    assert measurement.error == error


@pytest.mark.parametrize("json_path", ["$.a", "{$.a[?(@.b==1)]}", "{.a}{.b}", "{$.a[0:2]}"])
async def test_unsupported_json_paths_are_refused_before_calling(
    provider: WebProvider, api: FakeApi, json_path: str
) -> None:
    measurement = await provider.measure(block(f"{api.url}/", jsonPath=json_path), NOW)
    assert measurement.error is not None
    assert measurement.error.startswith("unsupported jsonPath")
    assert api.requests == []


@pytest.mark.parametrize("body", ["test: notJson", "", "NaN", "OK\n"])
async def test_a_body_that_is_not_json_is_the_raw_string(
    provider: WebProvider, api: FakeApi, body: str
) -> None:
    api.reply("GET", "/", text=body)
    measurement = await provider.measure(block(f"{api.url}/", jsonPath="{$.key}"), NOW)
    assert measurement.error is None
    assert measurement.value == body


@pytest.mark.parametrize("status", [301, 404, 500, 503])
async def test_non_2xx_is_an_error(provider: WebProvider, api: FakeApi, status: int) -> None:
    api.reply("GET", "/", status=status, json_body={"ok": False})
    measurement = await provider.measure(block(f"{api.url}/"), NOW)
    assert measurement.error == f"received non 2xx response code: {status}"


async def test_post_sends_the_string_body_and_headers(provider: WebProvider, api: FakeApi) -> None:
    api.reply("POST", "/evaluate", json_body={"status": "pass"})
    headers = [{"key": "X-Tenant", "value": "blue"}]
    spec = block(f"{api.url}/evaluate", method="POST", body="some body", headers=headers)
    measurement = await provider.measure(spec, NOW)
    assert measurement.value == {"status": "pass"}
    assert (api.last.method, api.last.body) == ("POST", b"some body")
    assert api.last.header("X-Tenant") == "blue"


async def test_put_sends_json_body_with_content_type(provider: WebProvider, api: FakeApi) -> None:
    api.reply("PUT", "/evaluate", json_body=[1, 2])
    json_body = {"key1": "value1", "key2": {"key3": "value3"}}
    headers = [{"key": "content-type", "value": "text/plain"}]
    spec = block(f"{api.url}/evaluate", method="PUT", jsonBody=json_body, headers=headers)
    measurement = await provider.measure(spec, NOW)
    assert measurement.value == [1.0, 2.0]
    assert api.last.header("Content-Type") == "application/json"
    assert api.last.header_count("Content-Type") == 1
    assert json.loads(api.last.body) == json_body
    assert api.last.body == b'{"key1":"value1","key2":{"key3":"value3"}}'


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"body": "x"}, "Body/JSONBody can only be used with POST or PUT WebMetric Method types"),
        ({"jsonBody": {"a": 1}}, "Body/JSONBody can only be used with POST or PUT"),
        (
            {"method": "POST", "body": "x", "jsonBody": {"a": 1}},
            "use either Body or JSONBody; both cannot exists for WebMetric payload",
        ),
        ({"method": "DELETE"}, "invalid web provider: method: Input should be 'GET', 'POST'"),
    ],
)
async def test_invalid_bodies_are_errors_without_requests(
    provider: WebProvider, api: FakeApi, extra: dict[str, Any], error: str
) -> None:
    measurement = await provider.measure(block(f"{api.url}/", **extra), NOW)
    assert measurement.error is not None
    assert measurement.error.startswith(error)
    assert api.requests == []


async def test_timeout_seconds_bounds_the_request(provider: WebProvider, api: FakeApi) -> None:
    api.reply("GET", "/slow", json_body=1, delay=5)
    started = time.monotonic()
    measurement = await provider.measure(block(f"{api.url}/slow", timeoutSeconds=1), NOW)
    assert time.monotonic() - started < 3
    assert measurement.error == f'GET "{api.url}/slow": timed out after 1s'


async def test_oauth2_token_is_fetched_and_sent(provider: WebProvider, api: FakeApi) -> None:
    api.reply("POST", "/token", json_body={"access_token": "tok-abcdef", "token_type": "Bearer"})
    api.reply("GET", "/check", json_body={"ok": True})
    oauth2 = {"tokenUrl": f"{api.url}/token", "clientId": "id", "clientSecret": "secret-value"}
    spec = block(f"{api.url}/check", jsonPath="{.ok}", authentication={"oauth2": oauth2})
    measurement = await provider.measure(spec, NOW)
    assert measurement.value is True
    assert api.requests[0].body == b"grant_type=client_credentials"
    assert api.last.header("Authorization") == "Bearer tok-abcdef"


async def test_oauth2_token_failure_is_an_error_without_the_secret(
    provider: WebProvider, api: FakeApi
) -> None:
    api.reply("POST", "/token", status=401, echo_headers=True)
    oauth2 = {"tokenUrl": f"{api.url}/token", "clientId": "id", "clientSecret": "secret-value"}
    spec = block(f"{api.url}/check", authentication={"oauth2": oauth2})
    measurement = await provider.measure(spec, NOW)
    assert measurement.error is not None
    assert measurement.error.startswith("oauth2: cannot fetch token: 401 Unauthorized")
    assert "secret-value" not in measurement.error
    assert "aWQ6c2VjcmV0LXZhbHVl" not in measurement.error  # base64("id:secret-value")
    assert [r.path for r in api.requests] == ["/token", "/token"]
