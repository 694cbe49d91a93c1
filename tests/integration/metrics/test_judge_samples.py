"""A judge metric's samples over real HTTP: Prometheus range queries against the real Debian
Prometheus scraping the traffic app, the request shapes against a local fake, and Datadog's
timeseries APIs (v1 query, v2 timeseries) against a local server answering as Datadog does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from adapters.analysis.measure import MeasurementRunner
from adapters.analysis.providers import AnalysisProviders
from adapters.analysis.secrets import LocalSecretStore
from adapters.metrics import DatadogCredentials, DatadogProvider, PrometheusProvider
from adapters.metrics.dispatch import MetricProviders
from adapters.metrics.web import WebProvider
from tests.integration.metrics.fakes import FakeApi
from tests.support.prometheus import PrometheusServer, TrafficApp, wait_for_data

pytestmark = pytest.mark.integration

NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
NOW_EPOCH = 1704110400
SERVICE = "judge-samples"


def errors_of(version: str) -> str:
    return (
        f'sum(rate(http_requests_total{{service="{SERVICE}",version="{version}",status="500"}}[3s]))'
        f' / sum(rate(http_requests_total{{service="{SERVICE}",version="{version}"}}[3s]))'
    )


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def runner(providers: dict[str, Any], tmp: Any) -> MeasurementRunner:
    return MeasurementRunner(
        LocalSecretStore(tmp), AnalysisProviders(providers), FixedClock(datetime.now(UTC))
    )


async def test_real_prometheus_samples_baseline_and_canary_over_the_metric_interval(
    client: httpx.AsyncClient,
    prometheus: PrometheusServer,
    traffic_app: TrafficApp,
    tmp_path: Any,
) -> None:
    traffic_app.set_traffic(SERVICE, "stable", ok=99, errors=1)
    traffic_app.set_traffic(SERVICE, "canary", ok=90, errors=10)
    await wait_for_data(prometheus.url, f"({errors_of('canary')}) > 0")
    await wait_for_data(prometheus.url, f"count_over_time(({errors_of('canary')})[8s:1s]) >= 8")
    provider = PrometheusProvider(client)
    metric = {
        "name": "error-rate",
        "interval": "8s",
        "provider": {"prometheus": {"address": prometheus.url}},
        "judge": {"baseline": errors_of("stable"), "canary": errors_of("canary")},
    }
    taken = await runner({"prometheus": provider}, tmp_path).take("default", metric, {})
    assert taken.error is None, taken.error
    baseline, canary = taken.value["baseline"], taken.value["canary"]
    assert 7 <= len(baseline) <= 9 and 7 <= len(canary) <= 9, taken.value
    assert all(v == pytest.approx(0.01) for v in baseline), baseline
    assert all(v == pytest.approx(0.10) for v in canary), canary


async def test_real_prometheus_errors_name_the_query_that_failed(
    client: httpx.AsyncClient, prometheus: PrometheusServer, tmp_path: Any
) -> None:
    metric = {
        "name": "error-rate",
        "provider": {"prometheus": {"address": prometheus.url}},
        "judge": {"baseline": "sum(rate(", "canary": "up"},
    }
    taken = await runner({"prometheus": PrometheusProvider(client)}, tmp_path).take(
        "default", metric, {}
    )
    assert taken.value is None
    assert taken.error is not None and taken.error.startswith("judge baseline query: bad_data: ")


async def test_real_prometheus_without_series_gives_empty_samples(
    client: httpx.AsyncClient, prometheus: PrometheusServer
) -> None:
    block = {"prometheus": {"address": prometheus.url, "query": 'up{job="nobody"}'}}
    taken = await PrometheusProvider(client).samples(block, datetime.now(UTC), 10)
    assert (taken.value, taken.error) == ([], None)


async def test_default_range_is_the_window_in_30_steps(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    matrix = {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "0.5"]]}]}
    api.reply("POST", "/api/v1/query_range", json_body={"status": "success", "data": matrix})
    block = {"prometheus": {"address": api.url, "query": "up"}}
    taken = await PrometheusProvider(client).samples(block, NOW, 600)
    assert taken.value == [0.5]
    form = parse_qs(api.last.body.decode())
    assert form == {
        "query": ["up"],
        "start": [str(NOW_EPOCH - 600)],
        "end": [str(NOW_EPOCH)],
        "step": ["20"],
    }


async def test_the_blocks_own_range_query_wins(client: httpx.AsyncClient, api: FakeApi) -> None:
    api.reply(
        "POST",
        "/api/v1/query_range",
        json_body={"status": "success", "data": {"resultType": "matrix", "result": []}},
    )
    window = {"start": 'now() - duration("1h")', "end": "now()", "step": "1m"}
    block = {"prometheus": {"address": api.url, "query": "up", "rangeQuery": window}}
    await PrometheusProvider(client).samples(block, NOW, 600)
    form = parse_qs(api.last.body.decode())
    assert (form["start"], form["step"]) == ([str(NOW_EPOCH - 3600)], ["60"])


async def test_a_provider_that_cannot_sample_says_so(
    client: httpx.AsyncClient, tmp_path: Any
) -> None:
    metric = {
        "name": "x",
        "provider": {"web": {"url": "http://127.0.0.1:9/"}},
        "judge": {"baseline": "a", "canary": "b"},
    }
    taken = await runner({"web": WebProvider(client)}, tmp_path).take("default", metric, {})
    assert taken.error == "judge baseline query: web provider cannot take judge samples"


# Datadog -----------------------------------------------------------------------------------


@pytest.fixture
def datadog(client: httpx.AsyncClient, api: FakeApi) -> DatadogProvider:
    return DatadogProvider(
        client, DatadogCredentials("api-key-0123", "app-key-0123", address=api.url)
    )


async def test_datadog_v1_samples_are_every_point_of_every_series(
    datadog: DatadogProvider, api: FakeApi
) -> None:
    series = {
        "status": "ok",
        "series": [
            {"pointlist": [[1, 0.1], [2, None], [3, 0.3]]},
            {"pointlist": [[1, 0.5]]},
        ],
    }
    api.reply("GET", "/api/v1/query", json_body=series)
    block = {"datadog": {"query": "avg:errors{version:2}", "interval": "10m"}}
    taken = await datadog.samples(block, NOW, 30)
    assert (taken.value, taken.error) == ([0.1, 0.3, 0.5], None)
    assert api.last.query == {
        "from": str(NOW_EPOCH - 600),
        "query": "avg:errors{version:2}",
        "to": str(NOW_EPOCH),
    }


async def test_datadog_v2_samples_use_the_timeseries_api(
    datadog: DatadogProvider, api: FakeApi
) -> None:
    answer = {
        "data": {
            "type": "timeseries_response",
            "attributes": {"times": [1, 2, 3], "values": [[0.2, None, 0.4]], "series": [{}]},
        }
    }
    api.reply("POST", "/api/v2/query/timeseries", json_body=answer)
    block = {"datadog": {"apiVersion": "v2", "query": "avg:errors{version:1}"}}
    taken = await datadog.samples(block, NOW, 30)
    assert (taken.value, taken.error) == ([0.2, 0.4], None)
    attributes = api.last.json()["data"]["attributes"]
    assert api.last.json()["data"]["type"] == "timeseries_request"
    assert (attributes["from"], attributes["to"]) == ((NOW_EPOCH - 300) * 1000, NOW_EPOCH * 1000)
    assert attributes["queries"] == [
        {"data_source": "metrics", "name": "query", "query": "avg:errors{version:1}"}
    ]


async def test_datadog_failure_through_the_runner_names_the_side(
    client: httpx.AsyncClient, api: FakeApi, tmp_path: Any
) -> None:
    api.reply("GET", "/api/v1/query", json_body={"status": "ok", "series": []})
    api.reply("GET", "/api/v1/query", status=500, text="boom")
    credentials = DatadogCredentials("api-key-0123", "app-key-0123", address=api.url)
    metric = {
        "name": "errors",
        "provider": {"datadog": {"interval": "5m"}},
        "judge": {"baseline": "avg:e{v:1}", "canary": "avg:e{v:2}"},
    }
    providers = {"datadog": MetricProviders({"datadog": DatadogProvider(client, credentials)})}
    taken = await runner(providers, tmp_path).take("default", metric, {})
    assert taken.error == "judge canary query: received non 2xx response code: 500 boom"
    assert [r.query["query"] for r in api.requests] == ["avg:e{v:1}", "avg:e{v:2}"]
