"""What every MetricProvider promises, checked on each real provider and on the scripted twin.

- it implements the port and answers a well-formed block with a value (never a verdict);
- a measurement is a value or an error, never both, with string metadata;
- network trouble (refused connection, a server that hangs, a 500, a garbage body) and malformed
  blocks come back as a Measurement, never as an exception;
- secrets the provider sends (API keys, bearer tokens, passwords) never appear in errors or
  metadata, even when the server quotes the request back.

The real providers talk over real HTTP to a local server answering in each vendor's documented
shape; the twin has no network, so only the first two promises apply to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from adapters.metrics import (
    AwsCredentials,
    CloudWatchProvider,
    DatadogCredentials,
    DatadogProvider,
    NewRelicCredentials,
    NewRelicProvider,
    PrometheusProvider,
    StaticMetricProvider,
    WebProvider,
)
from rollouts.ports import Measurement, MetricProvider
from tests.integration.metrics.fakes import FakeApi, Reply, fake_api
from tests.support.prometheus import free_port

NOW = datetime(2024, 1, 1, tzinfo=UTC)
BEARER = "contract-bearer-token"
PASSWORD = "contract-password"
DD_KEYS = ("contract-dd-api-key", "contract-dd-app-key")
NR_KEY = "NRAK-contract-key"
AWS_SECRETS = ("contract-aws-secret", "contract-aws-session")


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[httpx.AsyncClient, str], MetricProvider]
    block: Callable[[str], dict[str, Any]]
    answer: tuple[str, str, Any]
    secrets: tuple[str, ...]


def _prometheus_block(url: str) -> dict[str, Any]:
    headers = [{"key": "Authorization", "value": f"Bearer {BEARER}"}]
    auth = {"basicAuth": {"username": "user", "password": PASSWORD}}
    return {
        "prometheus": {
            "address": url,
            "query": "up",
            "timeout": 1,
            "headers": headers,
            "authentication": auth,
        }
    }


def _web_block(url: str) -> dict[str, Any]:
    headers = [{"key": "X-Api-Key", "value": BEARER}]
    return {"web": {"url": f"{url}/check", "timeoutSeconds": 1, "headers": headers}}


CASES = [
    Case(
        "prometheus",
        lambda client, url: PrometheusProvider(client),
        _prometheus_block,
        (
            "POST",
            "/api/v1/query",
            {"status": "success", "data": {"resultType": "vector", "result": []}},
        ),
        (BEARER, PASSWORD),
    ),
    Case(
        "web", lambda client, url: WebProvider(client), _web_block, ("GET", "/check", 1), (BEARER,)
    ),
    Case(
        "datadog",
        lambda client, url: DatadogProvider(client, DatadogCredentials(*DD_KEYS, address=url)),
        lambda url: {"datadog": {"query": "avg:x{*}", "requestTimeout": "1s"}},
        ("GET", "/api/v1/query", {"status": "ok", "series": [{"pointlist": [[1, 0.5]]}]}),
        DD_KEYS,
    ),
    Case(
        "newRelic",
        lambda client, url: NewRelicProvider(
            client,
            NewRelicCredentials(NR_KEY, 1, nerdgraph_url=f"{url}/graphql"),
            request_timeout=1,
        ),
        lambda url: {"newRelic": {"query": "SELECT count(*) FROM Transaction"}},
        ("POST", "/graphql", {"data": {"actor": {"account": {"nrql": {"results": [{"c": 1}]}}}}}),
        (NR_KEY,),
    ),
    Case(
        "cloudWatch",
        lambda client, url: CloudWatchProvider(
            client, AwsCredentials("AKID", *AWS_SECRETS, "us-east-1"), endpoint_url=url, timeout=1
        ),
        lambda url: {"cloudWatch": {"metricDataQueries": [{"id": "q", "expression": "1"}]}},
        ("POST", "/", {"MetricDataResults": [{"Id": "q", "Values": [1.0]}]}),
        AWS_SECRETS,
    ),
]
IDS = [case.name for case in CASES]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as opened:
        yield opened


@pytest.fixture
async def api() -> AsyncIterator[FakeApi]:
    async with fake_api() as started:
        yield started


def assert_well_formed(measurement: Measurement) -> None:
    assert isinstance(measurement, Measurement)
    assert measurement.error is None or measurement.value is None
    assert measurement.error is None or (isinstance(measurement.error, str) and measurement.error)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in measurement.metadata.items())


def assert_no_secrets(measurement: Measurement, secrets: tuple[str, ...]) -> None:
    texts = [measurement.error or "", *measurement.metadata.values()]
    for secret in secrets:
        assert not any(secret in text for text in texts), f"{secret!r} leaked: {texts}"


async def test_the_scripted_twin_keeps_the_contract() -> None:
    twin = StaticMetricProvider([0.5, Measurement(error="scripted failure")])
    assert isinstance(twin, MetricProvider)
    good, bad = [await twin.measure({"prometheus": {"query": "up"}}, NOW) for _ in range(2)]
    assert_well_formed(good)
    assert_well_formed(bad)
    assert (good.value, bad.error) == (0.5, "scripted failure")


@pytest.mark.integration
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_documented_answer_gives_a_value(
    case: Case, client: httpx.AsyncClient, api: FakeApi
) -> None:
    provider = case.make(client, api.url)
    assert isinstance(provider, MetricProvider)
    method, path, body = case.answer
    api.reply(method, path, json_body=body)
    measurement = await provider.measure(case.block(api.url), NOW)
    assert_well_formed(measurement)
    assert measurement.error is None
    assert api.requests, "the provider did not call the server"


@pytest.mark.integration
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_refused_connection_is_an_error(case: Case, client: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    measurement = await case.make(client, url).measure(case.block(url), NOW)
    assert_well_formed(measurement)
    assert measurement.error is not None
    assert_no_secrets(measurement, case.secrets)


@pytest.mark.integration
@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=200, body=b"{}", delay=5),
        Reply(status=500, echo_headers=True),
        Reply(status=401, echo_headers=True),
        Reply(status=200, body=b"\xff\xfe\x00 not json", content_type="application/octet-stream"),
    ],
    ids=["hangs", "500-echo", "401-echo", "garbage"],
)
@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_server_trouble_is_a_measurement_without_secrets(
    case: Case, reply: Reply, client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.fallback = reply
    measurement = await case.make(client, api.url).measure(case.block(api.url), NOW)
    assert_well_formed(measurement)
    assert measurement.error is not None or case.name == "web"
    assert_no_secrets(measurement, case.secrets)
    assert api.requests
    sent = " ".join(f"{k}: {v}" for r in api.requests for k, v in r.headers.items())
    assert any(secret in sent for secret in case.secrets) or case.name == "cloudWatch"


@pytest.mark.integration
@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    "mangle",
    [
        lambda block: {key: {**value, "notAField": 1} for key, value in block.items()},
        lambda block: {key: "not a mapping" for key in block},
        lambda block: {"someOtherProvider": {}},
    ],
    ids=["unknown-field", "not-a-mapping", "other-provider"],
)
async def test_a_malformed_block_is_an_error_without_a_request(
    case: Case,
    mangle: Callable[[dict[str, Any]], dict[str, Any]],
    client: httpx.AsyncClient,
    api: FakeApi,
) -> None:
    block = mangle(case.block(api.url))
    measurement = await case.make(client, api.url).measure(block, NOW)
    assert_well_formed(measurement)
    assert measurement.error is not None
    assert api.requests == []
    assert_no_secrets(measurement, case.secrets)
