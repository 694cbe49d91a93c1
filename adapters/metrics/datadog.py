"""Datadog provider: v1 `GET /api/v1/query` or v2 `POST /api/v2/query/scalar`.

A judge metric's samples (`samples`) are every point of the timeseries over the same window:
v1 `GET /api/v1/query`, v2 `POST /api/v2/query/timeseries` (see `datadog_series`).

The query window is `[now - interval, now]` (interval defaults to 5m, a look-back window, not the
polling interval); v2 takes milliseconds and an aggregator (default `last`). The spec checks Argo
makes when it builds the provider are made here, with Argo's messages. Credentials (address, API
key, application key) are injected: a fixed value or a lookup given the metric's spec, so the
composition root can honour `secretRef`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from adapters.metrics.credentials import (
    DatadogCredentials,
    DatadogCredentialSource,
    resolve_credentials,
)
from adapters.metrics.datadog_result import read_v1, read_v2
from adapters.metrics.datadog_series import read_v1_points, read_v2_points
from adapters.metrics.http import ProviderError, guarded, parse_spec, send
from adapters.metrics.values import epoch_seconds
from rollouts.durations import parse_go_duration
from rollouts.ports import Measurement
from rollouts.spec.providers import DatadogMetric

_REVIEW = "Please review the Analysis Template."


class DatadogProvider:
    """Measures `provider.datadog` blocks."""

    key = "datadog"

    def __init__(
        self, client: httpx.AsyncClient, credentials: DatadogCredentialSource | None
    ) -> None:
        self._client = client
        self._credentials = credentials

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            spec, timeout, credentials = await self._prepare(provider)
        except ProviderError as error:
            return Measurement(error=str(error))
        work = self._measure(spec, credentials, timeout, now)
        return await guarded(work, credentials.secrets)

    async def samples(
        self, provider: Mapping[str, Any], now: datetime, window: float
    ) -> Measurement:
        """Every point of the query over its look-back `interval` (a judge metric's samples;
        `window` is not used: the Datadog block's `interval` is its window, default 5m)."""
        del window
        try:
            spec, timeout, credentials = await self._prepare(provider)
        except ProviderError as error:
            return Measurement(error=str(error))
        return await guarded(self._points(spec, credentials, timeout, now), credentials.secrets)

    async def _prepare(
        self, provider: Mapping[str, Any]
    ) -> tuple[DatadogMetric, float, DatadogCredentials]:
        spec = parse_spec(provider, self.key, DatadogMetric)
        timeout = _validate(spec)
        credentials = await resolve_credentials(
            self._credentials, spec, "failed to find the credentials for datadog metrics provider"
        )
        return spec, timeout, credentials

    async def _points(
        self, spec: DatadogMetric, credentials: DatadogCredentials, timeout: float, now: datetime
    ) -> Measurement:
        start, end = _window(spec, now)
        headers = _headers(credentials)
        if spec.api_version == "v1":
            params = {"from": str(start), "query": spec.query, "to": str(end)}
            url = f"{credentials.base_url}/api/v1/query"
            response = await send(
                self._client, "GET", url, timeout=timeout, headers=headers, params=params
            )
            return Measurement(value=read_v1_points(response))
        body = json.dumps(_v2_timeseries_request(spec, start, end))
        url = f"{credentials.base_url}/api/v2/query/timeseries"
        response = await send(
            self._client, "POST", url, timeout=timeout, headers=headers, content=body
        )
        return Measurement(value=read_v2_points(response))

    async def _measure(
        self, spec: DatadogMetric, credentials: DatadogCredentials, timeout: float, now: datetime
    ) -> Measurement:
        start, to = _window(spec, now)
        window = to - start
        headers = _headers(credentials)
        if spec.api_version == "v1":
            params = {"from": str(to - window), "query": spec.query, "to": str(to)}
            url = f"{credentials.base_url}/api/v1/query"
            response = await send(
                self._client, "GET", url, timeout=timeout, headers=headers, params=params
            )
            return Measurement(value=read_v1(response))
        body = json.dumps(_v2_request(spec, to - window, to))
        url = f"{credentials.base_url}/api/v2/query/scalar"
        response = await send(
            self._client, "POST", url, timeout=timeout, headers=headers, content=body
        )
        value, metadata = read_v2(response)
        return Measurement(value=value, metadata=metadata)


def _window(spec: DatadogMetric, now: datetime) -> tuple[int, int]:
    """`[now - interval, now]` in whole epoch seconds."""
    try:
        window = int(parse_go_duration(spec.interval))
    except ValueError as error:
        raise ProviderError(str(error)) from None
    to = int(epoch_seconds(now))
    return to - window, to


def _headers(credentials: DatadogCredentials) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "DD-API-KEY": credentials.api_key,
        "DD-APPLICATION-KEY": credentials.app_key,
    }


def _v2_timeseries_request(spec: DatadogMetric, start: int, end: int) -> dict[str, Any]:
    """The timeseries query (every point, no aggregator) over `[start, end]` in milliseconds."""
    queries = {"query": spec.query} if spec.query else spec.queries
    attributes = {
        "from": start * 1000,
        "to": end * 1000,
        "queries": [
            {"data_source": "metrics", "name": name, "query": query}
            for name, query in queries.items()
        ],
        "formulas": [{"formula": spec.formula}] if spec.formula else [],
    }
    return {"data": {"attributes": attributes, "type": "timeseries_request"}}


def _v2_request(spec: DatadogMetric, start: int, end: int) -> dict[str, Any]:
    queries = {"query": spec.query} if spec.query else spec.queries
    aggregator = spec.aggregator or "last"
    attributes = {
        "from": start * 1000,
        "to": end * 1000,
        "queries": [
            {"aggregator": aggregator, "data_source": "metrics", "name": name, "query": query}
            for name, query in queries.items()
        ],
        "formulas": [{"formula": spec.formula}] if spec.formula else [],
    }
    return {"data": {"attributes": attributes, "type": "scalar_request"}}


def _validate(spec: DatadogMetric) -> float:
    """Argo's `validateIncomingProps`; returns the request timeout in seconds."""
    if not spec.query and not spec.queries:
        raise ProviderError(f"Must have either a query or queries. {_REVIEW}")
    if spec.query and spec.queries:
        raise ProviderError(f"Cannot have both a query and queries. {_REVIEW}")
    if spec.api_version == "v1" and not spec.query:
        raise ProviderError(
            "Query is empty. API Version v1 only supports using the query parameter in your "
            "Analysis Template."
        )
    if spec.formula and not spec.queries:
        raise ProviderError(f"Formula are only valid when queries are set. {_REVIEW}")
    if not spec.formula and len(spec.queries) > 1:
        raise ProviderError("When multiple queries are provided you must include a formula.")
    if spec.api_version == "v1" and spec.aggregator:
        raise ProviderError(f"Aggregator is not supported in v1. {_REVIEW}")
    try:
        timeout = parse_go_duration(spec.request_timeout or "10s")
    except ValueError as error:
        raise ProviderError(f"Could not parse the request timeout: {error}. {_REVIEW}") from None
    if timeout <= 0:
        raise ProviderError(f"Request timeout must be a positive duration (e.g. 30s). {_REVIEW}")
    return timeout
