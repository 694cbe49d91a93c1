"""New Relic provider: one NRQL query through NerdGraph (GraphQL), like Argo's newrelic client.

The NRQL text and the account travel as GraphQL variables (never spliced into the query text),
the key as the `API-Key` header. One result row is a map, several rows a list of maps, and no
row is an Error (`no results returned from NRQL query`). Credentials are injected: a fixed value
or a lookup given the metric's spec, so the composition root can honour `profile`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from adapters.metrics.credentials import (
    NewRelicCredentials,
    NewRelicCredentialSource,
    resolve_credentials,
)
from adapters.metrics.http import ProviderError, guarded, parse_spec, quoted_body, send
from adapters.metrics.values import loads_like_go
from rollouts.ports import Measurement
from rollouts.spec.providers import NewRelicMetric

DEFAULT_NRQL_TIMEOUT_SECONDS = 5
HTTP_MARGIN_SECONDS = 10
NO_RESULTS = "no results returned from NRQL query"
NRQL_QUERY = """query ($query: Nrql!, $accountId: Int!, $timeout: Seconds!) {
  actor {
    account(id: $accountId) {
      nrql(query: $query, timeout: $timeout) {
        results
      }
    }
  }
}"""


class NewRelicProvider:
    """Measures `provider.newRelic` blocks."""

    key = "newRelic"

    def __init__(
        self,
        client: httpx.AsyncClient,
        credentials: NewRelicCredentialSource | None,
        *,
        request_timeout: float | None = None,
    ) -> None:
        """`request_timeout` bounds the HTTP call; by default the NRQL timeout plus 10 s."""
        self._client = client
        self._credentials = credentials
        self._request_timeout = request_timeout

    async def measure(self, provider: Mapping[str, Any], now: datetime) -> Measurement:
        try:
            spec = parse_spec(provider, self.key, NewRelicMetric)
            credentials = await resolve_credentials(
                self._credentials, spec, "account ID or personal API key not found"
            )
        except ProviderError as error:
            return Measurement(error=str(error))
        return await guarded(self._measure(spec, credentials), credentials.secrets)

    async def _measure(self, spec: NewRelicMetric, credentials: NewRelicCredentials) -> Measurement:
        nrql_timeout = DEFAULT_NRQL_TIMEOUT_SECONDS if spec.timeout is None else spec.timeout
        if nrql_timeout < 0:
            raise ProviderError("timeout value needs to be a positive value")
        body = {
            "query": NRQL_QUERY,
            "variables": {
                "accountId": credentials.account_id,
                "query": spec.query,
                "timeout": nrql_timeout,
            },
        }
        headers = {"API-Key": credentials.personal_api_key, "Content-Type": "application/json"}
        response = await send(
            self._client,
            "POST",
            credentials.graphql_url,
            timeout=self._request_timeout or nrql_timeout + HTTP_MARGIN_SECONDS,
            headers=headers,
            content=json.dumps(body),
        )
        return Measurement(value=_rows_value(_results(response)))


def _results(response: httpx.Response) -> list[Any]:
    if not response.is_success:
        raise ProviderError(
            f"NerdGraph request failed: {response.status_code} {quoted_body(response)}"
        )
    try:
        payload = loads_like_go(response.content)
    except ValueError as error:
        raise ProviderError(f"could not parse NerdGraph response: {error}") from None
    if not isinstance(payload, Mapping):
        raise ProviderError("could not parse NerdGraph response: expected an object")
    errors = payload.get("errors")
    if errors:
        raise ProviderError(f"NerdGraph query failed: {_error_messages(errors)}")
    try:
        results = payload["data"]["actor"]["account"]["nrql"]["results"]
    except (KeyError, TypeError):
        raise ProviderError("NerdGraph response has no NRQL results") from None
    return results if isinstance(results, list) else []


def _error_messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return str(errors)
    messages = [str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in errors]
    return "; ".join(messages)


def _rows_value(rows: list[Any]) -> Any:
    if len(rows) == 1:
        if not rows[0]:
            raise ProviderError(NO_RESULTS)
        return rows[0]
    if rows:
        return rows
    raise ProviderError(NO_RESULTS)
