"""CloudWatch provider: one GetMetricData call over the AWS JSON 1.0 protocol, SigV4-signed.

The window is `[now - interval, now]` (interval defaults to 5m). The result is the list of
MetricDataResult objects with the AWS SDK's field names (`Id`, `Label`, `Timestamps`, `Values`,
`StatusCode`, `Messages`), so Argo conditions such as `result[0].Values[0] < 0.1` work unchanged;
timestamps are RFC 3339 strings, as Go writes a `time.Time` in JSON. Like Argo, one page is read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from adapters.metrics.aws import AwsCredentials, sigv4_headers
from adapters.metrics.cloudwatch_shapes import metric_data_queries, read_results
from adapters.metrics.http import ProviderError, guarded, parse_spec, send
from adapters.metrics.values import epoch_seconds, value_text
from rollouts.durations import parse_go_duration
from rollouts.ports import Measurement
from rollouts.spec.providers import CloudWatchMetric

TARGET = "GraniteServiceVersion20100801.GetMetricData"
CONTENT_TYPE = "application/x-amz-json-1.0"
DEFAULT_TIMEOUT_SECONDS = 30.0


class CloudWatchProvider:
    """Measures `provider.cloudWatch` blocks."""

    key = "cloudWatch"

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: AwsCredentials | None,
        *,
        endpoint_url: str = "",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._endpoint_url = endpoint_url
        self._timeout = timeout

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            spec = parse_spec(provider, self.key, CloudWatchMetric)
        except ProviderError as error:
            return Measurement(error=str(error))
        secrets = self._credentials.secrets if self._credentials else ()
        return await guarded(self._measure(spec, now), secrets)

    async def _measure(self, spec: CloudWatchMetric, now: datetime) -> Measurement:
        credentials = self._credentials
        if credentials is None:
            raise ProviderError("no AWS credentials are configured for the CloudWatch provider")
        region = credentials.region or "us-east-1"
        url = self._endpoint_url or f"https://monitoring.{region}.amazonaws.com/"
        body = _request_body(spec, now)
        headers = {
            "Content-Type": CONTENT_TYPE,
            "X-Amz-Target": TARGET,
            "x-amzn-query-mode": "true",
        }
        signed = sigv4_headers(
            credentials,
            service="monitoring",
            region=region,
            method="POST",
            url=url,
            headers=headers,
            body=body,
        )
        response = await send(
            self._client, "POST", url, timeout=self._timeout, headers=signed, content=body
        )
        results, messages = read_results(response)
        metadata = {"messages": value_text(messages)} if messages else {}
        return Measurement(value=results, metadata=metadata)


def _request_body(spec: CloudWatchMetric, now: datetime) -> bytes:
    try:
        interval = parse_go_duration(spec.interval or "5m")
    except ValueError as error:
        raise ProviderError(str(error)) from None
    start = now - timedelta(seconds=interval)
    payload = {
        "MetricDataQueries": metric_data_queries(spec.metric_data_queries),
        "StartTime": round(epoch_seconds(start), 3),
        "EndTime": round(epoch_seconds(now), 3),
    }
    return json.dumps(payload).encode()
