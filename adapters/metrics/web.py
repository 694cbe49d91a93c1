"""Web provider: call an HTTP endpoint and take its JSON (or raw text) as the result.

Behaviour follows Argo's webmetric: a JSON body is decoded the way Go decodes it (numbers are
floats) and the first JSONPath match is the result; a body that is not JSON, including an empty
one, is the result as a raw string with the JSONPath ignored; anything but 2xx is an Error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from adapters.metrics.http import (
    ProviderError,
    guarded,
    parse_spec,
    pick_client,
    send,
    set_header,
)
from adapters.metrics.jsonpath import JsonPath, JsonPathError, compile_path
from adapters.metrics.masking import authentication_secrets, header_secrets, url_secrets
from adapters.metrics.oauth2 import OAuth2Tokens
from adapters.metrics.values import loads_like_go
from rollouts.analysis.value_text import JSON_ENCODED, VALUE_ENCODING
from rollouts.ports import Measurement
from rollouts.spec.providers import WebMetric

DEFAULT_TIMEOUT_SECONDS = 10
NO_MATCH = "Could not find JSONPath in body"


class WebProvider:
    """Measures `provider.web` blocks."""

    key = "web"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        insecure_client: httpx.AsyncClient | None = None,
        oauth2: OAuth2Tokens | None = None,
    ) -> None:
        self._client = client
        self._insecure_client = insecure_client
        self._oauth2 = oauth2 or OAuth2Tokens()

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            spec = parse_spec(provider, self.key, WebMetric)
        except ProviderError as error:
            return Measurement(error=str(error))
        secrets = [
            *header_secrets(spec.headers),
            *authentication_secrets(spec.authentication),
            *url_secrets(spec.url),
        ]
        return await guarded(self._measure(spec, secrets), secrets)

    async def _measure(self, spec: WebMetric, secrets: list[str]) -> Measurement:
        body = _request_body(spec)
        try:
            path = compile_path(spec.json_path)
        except JsonPathError as error:
            raise ProviderError(str(error)) from None
        client = pick_client(self._client, self._insecure_client, spec.insecure, spec.url)
        headers: dict[str, str] = {}
        for header in spec.headers:
            set_header(headers, header.key, header.value)
        if spec.json_body is not None:
            set_header(headers, "Content-Type", "application/json")
        if spec.authentication.oauth2.token_url:
            bearer = await self._oauth2.authorization(spec.authentication.oauth2, client)
            secrets.extend([bearer, bearer.partition(" ")[2]])
            set_header(headers, "Authorization", bearer)
        timeout = spec.timeout_seconds if spec.timeout_seconds > 0 else DEFAULT_TIMEOUT_SECONDS
        response = await send(
            client, spec.method, spec.url, timeout=timeout, headers=headers, content=body
        )
        if not 200 <= response.status_code < 300:
            raise ProviderError(f"received non 2xx response code: {response.status_code}")
        return _result(response.content, path)


def _request_body(spec: WebMetric) -> bytes | None:
    if spec.body and spec.json_body is not None:
        raise ProviderError("use either Body or JSONBody; both cannot exists for WebMetric payload")
    if (spec.body or spec.json_body is not None) and spec.method == "GET":
        raise ProviderError(
            "Body/JSONBody can only be used with POST or PUT WebMetric Method types"
        )
    if spec.body:
        return spec.body.encode()
    if spec.json_body is not None:
        return json.dumps(spec.json_body, separators=(",", ":")).encode()
    return None


def _result(content: bytes, path: JsonPath) -> Measurement:
    """The first JSONPath match, marked JSON-encoded so its text is Argo's json.Marshal of it
    (a JSON string keeps its quotes); a body that is not JSON as a raw string."""
    try:
        data = loads_like_go(content)
    except ValueError:
        return Measurement(value=content.decode("utf-8", errors="replace"))
    try:
        matches = path.find_all(data)
    except JsonPathError as error:
        raise ProviderError(f"{NO_MATCH}: {error}") from None
    if not matches:
        raise ProviderError("result of web metric produced no value")
    return Measurement(value=matches[0], metadata={VALUE_ENCODING: JSON_ENCODED})
