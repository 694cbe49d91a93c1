"""OAuth2 client-credentials tokens for the Prometheus and Web providers.

Argo wraps the HTTP client with golang.org/x/oauth2's client-credentials flow: fetch a token from
`tokenUrl` with the client id and secret (HTTP Basic first, form fields if the server refuses that),
then send `Authorization: Bearer <token>`. Tokens are cached until shortly before they expire so a
metric measured every few seconds does not fetch a token each time.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from adapters.metrics.http import ProviderError, quoted_body, send
from adapters.metrics.values import loads_like_go
from rollouts.spec.providers import OAuth2Config

EXPIRY_MARGIN_SECONDS = 10.0
_CacheKey = tuple[str, str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Token:
    authorization: str
    expires_at: float | None


class OAuth2Tokens:
    """Fetches and caches client-credentials tokens; one instance per process is enough."""

    def __init__(
        self, *, timeout: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._timeout = timeout
        self._clock = clock
        self._cache: dict[_CacheKey, _Token] = {}

    async def authorization(self, config: OAuth2Config, client: httpx.AsyncClient) -> str:
        """The `Authorization` header value (`Bearer …`) for `config`."""
        if not config.client_id or not config.client_secret:
            raise ProviderError("missing mandatory parameter in metric for OAuth2 setup")
        key = (config.token_url, config.client_id, config.client_secret, config.scopes)
        cached = self._cache.get(key)
        if cached and (cached.expires_at is None or cached.expires_at > self._clock()):
            return cached.authorization
        token = await self._fetch(config, client)
        self._cache[key] = token
        return token.authorization

    async def _fetch(self, config: OAuth2Config, client: httpx.AsyncClient) -> _Token:
        form = {"grant_type": "client_credentials"}
        if config.scopes:
            form["scope"] = " ".join(config.scopes)
        pair = f"{quote(config.client_id)}:{quote(config.client_secret)}".encode()
        basic = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        response = await send(
            client, "POST", config.token_url, timeout=self._timeout, data=form, headers=basic
        )
        if response.status_code in (400, 401):
            in_body = {**form, "client_id": config.client_id, "client_secret": config.client_secret}
            response = await send(
                client, "POST", config.token_url, timeout=self._timeout, data=in_body
            )
        return self._read_token(response)

    def _read_token(self, response: httpx.Response) -> _Token:
        if not response.is_success:
            raise ProviderError(
                f"oauth2: cannot fetch token: {response.status_code} {response.reason_phrase}, "
                f"response: {quoted_body(response)}"
            )
        try:
            payload = loads_like_go(response.content)
            access_token = str(payload["access_token"])
        except (ValueError, KeyError, TypeError):
            raise ProviderError("oauth2: server response missing access_token") from None
        token_type = str(payload.get("token_type") or "Bearer")
        if token_type.lower() == "bearer":
            token_type = "Bearer"
        expires_in = payload.get("expires_in")
        expires_at = None
        if isinstance(expires_in, float) and expires_in > 0:
            expires_at = self._clock() + expires_in - EXPIRY_MARGIN_SECONDS
        return _Token(f"{token_type} {access_token}", expires_at)
