"""Prometheus provider: one instant query at the measurement time, or a range query.

A judge metric's samples (`samples`) always come from a range query (`/api/v1/query_range`).

Like Argo's Go client, queries are POSTed as a form and retried as GET when the server answers 405
or 501. The address comes from the metric or, when empty, from the controller's settings (Argo's
ARGO_ROLLOUTS_PROMETHEUS_ADDRESS), which the composition root reads and injects here.
Authorization precedence matches Argo's round-tripper chain: custom headers, then OAuth2, then
basic auth. SigV4 is applied only to Amazon Managed Prometheus (`aps-workspaces`) addresses.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

from adapters.metrics.aws import AwsCredentials, sigv4_headers
from adapters.metrics.http import (
    ProviderError,
    guarded,
    parse_spec,
    pick_client,
    send,
    set_header,
)
from adapters.metrics.masking import authentication_secrets, header_secrets, url_secrets
from adapters.metrics.oauth2 import OAuth2Tokens
from adapters.metrics.prometheus_result import read_prometheus_response
from adapters.metrics.time_expr import evaluate_time
from adapters.metrics.values import epoch_seconds, go_float_text
from rollouts.durations import parse_go_duration
from rollouts.ports import Measurement
from rollouts.spec.providers import PrometheusMetric, PrometheusRangeQuery, Sigv4Config

DEFAULT_TIMEOUT_SECONDS = 30
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
SAMPLE_POINTS = 30
"""Points per series a judge metric's default range asks for (enough for the normal
approximation of the Mann-Whitney test, few enough for any Prometheus)."""


class PrometheusProvider:
    """Measures `provider.prometheus` blocks against the Prometheus HTTP API."""

    key = "prometheus"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        insecure_client: httpx.AsyncClient | None = None,
        default_address: str = "",
        oauth2: OAuth2Tokens | None = None,
        aws: AwsCredentials | None = None,
    ) -> None:
        self._client = client
        self._insecure_client = insecure_client
        self._default_address = default_address
        self._oauth2 = oauth2 or OAuth2Tokens()
        self._aws = aws

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            spec = parse_spec(provider, self.key, PrometheusMetric)
        except ProviderError as error:
            return Measurement(error=str(error))
        secrets = self._secrets(spec)
        return await guarded(self._measure(spec, now, secrets), secrets)

    async def samples(
        self, provider: Mapping[str, Any], now: datetime, window: float
    ) -> Measurement:
        """Every sample of the query over a range (a judge metric's samples): the block's own
        `rangeQuery` when it has one, otherwise the `window` seconds ending at `now` in about
        `SAMPLE_POINTS` steps (never under 1 s). The value is the flat list of the matrix."""
        try:
            spec = parse_spec(provider, self.key, PrometheusMetric)
        except ProviderError as error:
            return Measurement(error=str(error))
        if spec.range_query is None:
            spec = spec.model_copy(update={"range_query": default_range(window)})
        secrets = self._secrets(spec)
        return await guarded(self._measure(spec, now, secrets), secrets)

    def _secrets(self, spec: PrometheusMetric) -> list[str]:
        return [
            *header_secrets(spec.headers),
            *authentication_secrets(spec.authentication),
            *url_secrets(spec.address or self._default_address),
            *(self._aws.secrets if self._aws else ()),
        ]

    async def _measure(
        self, spec: PrometheusMetric, now: datetime, secrets: list[str]
    ) -> Measurement:
        address = self._address(spec)
        timeout = _timeout(spec)
        client = pick_client(self._client, self._insecure_client, spec.insecure, address)
        headers = await self._headers(spec, client, secrets)
        path, form = _query(spec, now)
        url = address.rstrip("/") + path
        response = await self._exchange(
            client, spec, url, form=form, headers=headers, timeout=timeout
        )
        value, warnings = read_prometheus_response(response)
        metadata = {"warnings": ", ".join(f'"{w}"' for w in warnings)} if warnings else {}
        return Measurement(value=value, metadata=metadata)

    def _address(self, spec: PrometheusMetric) -> str:
        address = spec.address or self._default_address
        if not address:
            raise ProviderError("prometheus address is not configured")
        try:
            parts = urlsplit(address)
        except ValueError:
            parts = urlsplit("")
        if not parts.scheme or not parts.netloc:
            raise ProviderError("prometheus address is not in url format")
        return address

    async def _headers(
        self, spec: PrometheusMetric, client: httpx.AsyncClient, secrets: list[str]
    ) -> dict[str, str]:
        headers: dict[str, str] = {}
        basic = spec.authentication.basic_auth
        if basic.username or basic.password:
            headers["Authorization"] = _basic_authorization(basic.username, basic.password)
        if spec.authentication.oauth2.token_url:
            bearer = await self._oauth2.authorization(spec.authentication.oauth2, client)
            secrets.extend([bearer, bearer.partition(" ")[2]])
            headers["Authorization"] = bearer
        for header in spec.headers:
            set_header(headers, header.key, header.value)
        return headers

    async def _exchange(
        self,
        client: httpx.AsyncClient,
        spec: PrometheusMetric,
        url: str,
        *,
        form: dict[str, str],
        headers: dict[str, str],
        timeout: float,
    ) -> httpx.Response:
        body = urlencode(form, quote_via=quote).encode()
        post_headers = dict(headers)
        set_header(post_headers, "Content-Type", FORM_CONTENT_TYPE)
        post_headers = self._sign(spec, "POST", url, post_headers, body)
        response = await send(
            client, "POST", url, timeout=timeout, headers=post_headers, content=body
        )
        if response.status_code not in (405, 501):
            return response
        get_url = f"{url}?{body.decode()}"
        get_headers = self._sign(spec, "GET", get_url, headers, b"")
        return await send(client, "GET", get_url, timeout=timeout, headers=get_headers)

    def _sign(
        self, spec: PrometheusMetric, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> dict[str, str]:
        sigv4 = spec.authentication.sigv4
        if "aps-workspaces" not in url or sigv4 == Sigv4Config():
            return headers
        if sigv4.profile or sigv4.role_arn:
            raise ProviderError("sigv4 profile and roleArn are not supported yet")
        if self._aws is None:
            raise ProviderError("sigv4 needs AWS credentials and none are configured")
        region = sigv4.region or self._aws.region
        return sigv4_headers(
            self._aws,
            service="aps",
            region=region,
            method=method,
            url=url,
            headers=headers,
            body=body,
        )


def default_range(window: float) -> PrometheusRangeQuery:
    """`[now - window, now]` with a step of window / SAMPLE_POINTS, at least 1 s."""
    if window <= 0:
        raise ValueError(f"window must be positive, got {window:g}")
    step = max(window / SAMPLE_POINTS, 1.0)
    return PrometheusRangeQuery(
        start=f'now() - duration("{go_float_text(window)}s")',
        end="now()",
        step=f"{go_float_text(step)}s",
    )


def _basic_authorization(username: str, password: str) -> str:
    if not username:
        raise ProviderError("missing mandatory parameter in metric for basic auth setup: username")
    if not password:
        raise ProviderError("missing mandatory parameter in metric for basic auth setup: password")
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _timeout(spec: PrometheusMetric) -> float:
    if spec.timeout is None:
        return DEFAULT_TIMEOUT_SECONDS
    if spec.timeout < 0:
        raise ProviderError("prometheus timeout should not be negative")
    return float(spec.timeout)


def _query(spec: PrometheusMetric, now: datetime) -> tuple[str, dict[str, str]]:
    """The API path and form: `/api/v1/query` at `now`, or `/api/v1/query_range`."""
    if spec.range_query is None:
        return "/api/v1/query", {"query": spec.query, "time": _time_text(now)}
    window = spec.range_query
    start = _range_time("start", window.start, now)
    end = _range_time("end", window.end, now)
    try:
        step = parse_go_duration(window.step)
    except ValueError as error:
        raise ProviderError(f"failed to parse rangeQuery.step as duration: {error}") from None
    form = {
        "query": spec.query,
        "start": _time_text(start),
        "end": _time_text(end),
        "step": go_float_text(step),
    }
    return "/api/v1/query_range", form


def _range_time(field: str, expression: str, now: datetime) -> datetime:
    try:
        return evaluate_time(expression, now)
    except ValueError as error:
        raise ProviderError(f"failed to parse rangeQuery.{field} as time: {error}") from None


def _time_text(moment: datetime) -> str:
    return go_float_text(round(epoch_seconds(moment), 3))
