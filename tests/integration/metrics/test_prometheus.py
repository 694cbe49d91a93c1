"""The Prometheus provider against a real Prometheus (Debian package) scraping a test app."""

from __future__ import annotations

import base64
import math
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import yaml
from aiohttp import web

from adapters.metrics import MASK, PrometheusProvider, value_text
from tests.conftest import DATA
from tests.integration.metrics.fakes import FakeApi
from tests.support.prometheus import (
    PrometheusServer,
    TrafficApp,
    auth_proxy,
    free_port,
    serve,
    wait_for_data,
    wait_for_target,
)

pytestmark = pytest.mark.integration

SEED = DATA / "conformance" / "seed" / "checkout-error-rate-template.yaml"


def block(address: str, query: str, **extra: Any) -> dict[str, Any]:
    return {"prometheus": {"address": address, "query": query, **extra}}


@pytest.fixture(scope="module")
def vector_series(traffic_app: TrafficApp) -> str:
    traffic_app.add_requests("vector-api", "stable", "200", 10)
    traffic_app.add_requests("vector-api", "stable", "500", 11)
    return 'sort(http_requests_total{service="vector-api"})'


@pytest.fixture
def provider(client: httpx.AsyncClient) -> PrometheusProvider:
    return PrometheusProvider(client)


async def test_scalar_query_is_a_float(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    measurement = await provider.measure(block(prometheus.url, "scalar(vector(2.5)) * 4"), now)
    assert measurement.error is None
    assert measurement.value == 10.0
    assert value_text(measurement.value) == "10"


async def test_vector_query_is_a_list_of_floats_without_labels(
    provider: PrometheusProvider, prometheus: PrometheusServer, vector_series: str
) -> None:
    await wait_for_data(prometheus.url, vector_series)
    measurement = await provider.measure(block(prometheus.url, vector_series), datetime.now(UTC))
    assert measurement.error is None
    assert measurement.value == [10.0, 11.0]
    assert value_text(measurement.value) == "[10,11]"


async def test_vector_without_series_is_an_empty_list(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    query = 'http_requests_total{service="no-such-service"}'
    measurement = await provider.measure(block(prometheus.url, query), now)
    assert measurement == measurement.__class__(value=[])


@pytest.mark.parametrize(("query", "text"), [("0/0", "NaN"), ("1/0", "+Inf"), ("-1/0", "-Inf")])
async def test_special_floats_are_python_floats(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime, query: str, text: str
) -> None:
    measurement = await provider.measure(block(prometheus.url, query), now)
    assert measurement.error is None
    assert isinstance(measurement.value, float)
    assert math.isnan(measurement.value) or math.isinf(measurement.value)
    assert value_text(measurement.value) == text


async def test_bad_query_is_an_error_with_the_server_message(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    measurement = await provider.measure(block(prometheus.url, "sum(rate(x[5m]"), now)
    assert measurement.value is None
    assert measurement.error is not None
    assert measurement.error.startswith("bad_data: ")
    assert "parse error" in measurement.error


async def test_unreachable_address_is_an_error(provider: PrometheusProvider, now: datetime) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    measurement = await provider.measure(block(address, "up"), now)
    assert measurement.value is None
    assert measurement.error is not None
    assert f'POST "{address}/api/v1/query"' in measurement.error
    assert "ConnectError" in measurement.error


async def test_slow_server_times_out_with_the_metric_timeout(
    provider: PrometheusProvider, api: FakeApi, now: datetime
) -> None:
    api.reply("POST", "/api/v1/query", json_body={}, delay=5)
    started = time.monotonic()
    measurement = await provider.measure(block(api.url, "up", timeout=1), now)
    assert time.monotonic() - started < 3
    assert measurement.error == f'POST "{api.url}/api/v1/query": timed out after 1s'


async def test_range_query_flattens_every_sample(
    provider: PrometheusProvider, prometheus: PrometheusServer, vector_series: str
) -> None:
    await wait_for_data(prometheus.url, vector_series)
    range_query = {"start": 'now() - duration("30s")', "end": "now()", "step": "1s"}
    query = 'http_requests_total{service="vector-api"}'
    measurement = await provider.measure(
        block(prometheus.url, query, rangeQuery=range_query), datetime.now().astimezone()
    )
    assert measurement.error is None
    assert len(measurement.value) >= 2
    assert set(measurement.value) <= {10.0, 11.0}
    assert {10.0, 11.0} <= set(measurement.value)


async def test_range_query_with_an_unsupported_time_expression_is_an_error(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    range_query = {"start": "date('2024-01-01')", "end": "now()", "step": "1m"}
    measurement = await provider.measure(block(prometheus.url, "up", rangeQuery=range_query), now)
    assert measurement.error is not None
    assert measurement.error.startswith("failed to parse rangeQuery.start as time: ")


async def test_address_falls_back_to_the_injected_default(
    client: httpx.AsyncClient, prometheus: PrometheusServer, now: datetime
) -> None:
    provider = PrometheusProvider(client, default_address=prometheus.url)
    measurement = await provider.measure({"prometheus": {"query": "vector(1)"}}, now)
    assert measurement.value == [1.0]
    unconfigured = await PrometheusProvider(client).measure({"prometheus": {"query": "up"}}, now)
    assert unconfigured.error == "prometheus address is not configured"


async def test_basic_auth_reaches_the_server_and_the_password_is_masked(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    expected = "Basic " + base64.b64encode(b"grafana:s3cret-pass").decode()
    async with auth_proxy(prometheus.url, expected) as (url, seen):
        good = {"basicAuth": {"username": "grafana", "password": "s3cret-pass"}}
        measurement = await provider.measure(block(url, "vector(3)", authentication=good), now)
        assert measurement.value == [3.0]
        assert seen.authorizations == [expected]
        bad = {"basicAuth": {"username": "grafana", "password": "wrong-pass"}}
        refused = await provider.measure(block(url, "vector(3)", authentication=bad), now)
    assert refused.error == "client_error: client error: 401"


async def test_bearer_header_reaches_the_server(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    headers = [{"key": "Authorization", "value": "Bearer tok-123456"}]
    async with auth_proxy(prometheus.url, "Bearer tok-123456") as (url, seen):
        measurement = await provider.measure(block(url, "vector(4)", headers=headers), now)
    assert measurement.value == [4.0]
    assert seen.authorizations == ["Bearer tok-123456"]


async def test_oauth2_client_credentials_token_is_used_and_cached(
    provider: PrometheusProvider, prometheus: PrometheusServer, now: datetime
) -> None:
    token_requests: list[dict[str, str]] = []

    async def issue(request: web.Request) -> web.Response:
        form = dict(await request.post())
        token_requests.append({**{k: str(v) for k, v in form.items()}, **request.headers})
        return web.json_response(
            {"access_token": "issued-token-1", "token_type": "bearer", "expires_in": 3600}
        )

    app = web.Application()
    app.router.add_post("/token", issue)
    async with (
        serve(app) as issuer,
        auth_proxy(prometheus.url, "Bearer issued-token-1") as (
            url,
            _,
        ),
    ):
        oauth2 = {
            "oauth2": {
                "tokenUrl": f"{issuer}/token",
                "clientId": "rollouts",
                "clientSecret": "client-secret-value",
                "scopes": ["read", "query"],
            }
        }
        for _ in range(2):
            measurement = await provider.measure(
                block(url, "vector(5)", authentication=oauth2), now
            )
            assert measurement.value == [5.0]
    assert len(token_requests) == 1
    assert token_requests[0]["grant_type"] == "client_credentials"
    assert token_requests[0]["scope"] == "read query"
    credentials = base64.b64encode(b"rollouts:client-secret-value").decode()
    assert token_requests[0]["Authorization"] == f"Basic {credentials}"


async def test_seed_error_rate_query_measures_the_canary_error_ratio(
    provider: PrometheusProvider,
    prometheus: PrometheusServer,
    traffic_app: TrafficApp,
    now: datetime,
) -> None:
    traffic_app.set_traffic("checkout-api", "canary", ok=92, errors=8, latency=0.03)
    traffic_app.set_traffic("checkout-api", "stable", ok=100, errors=0)
    await wait_for_target(prometheus.url)
    metrics = yaml.safe_load(SEED.read_text())["spec"]["metrics"]
    blocks = [_seed_block(metric, prometheus.url) for metric in metrics]
    error_rate, p99 = blocks
    await wait_for_data(prometheus.url, error_rate["prometheus"]["query"])
    measurement = await provider.measure(error_rate, datetime.now().astimezone())
    assert measurement.error is None
    assert measurement.value == [pytest.approx(0.08, abs=1e-9)]
    latency = await provider.measure(p99, datetime.now().astimezone())
    assert latency.error is None
    assert 0.025 < latency.value[0] <= 0.05


def _seed_block(metric: dict[str, Any], address: str) -> dict[str, Any]:
    prometheus = dict(metric["provider"]["prometheus"])
    prometheus["query"] = prometheus["query"].replace("{{args.service-name}}", "checkout-api")
    prometheus["address"] = address
    return {"prometheus": prometheus}


async def test_secrets_never_appear_in_errors(
    provider: PrometheusProvider, api: FakeApi, now: datetime
) -> None:
    api.reply("POST", "/api/v1/query", status=400, echo_headers=True)
    headers = [{"key": "X-Api-Key", "value": "very-secret-key"}]
    auth = {"basicAuth": {"username": "user", "password": "pass-word-1"}}
    measurement = await provider.measure(
        block(api.url, "up", headers=headers, authentication=auth), now
    )
    assert measurement.error is not None
    assert api.last.header("X-Api-Key") == "very-secret-key"
    assert "very-secret-key" not in measurement.error
    assert "pass-word-1" not in measurement.error
    assert measurement.error.startswith("bad_data: ")
    assert MASK in measurement.error
