"""Reading a Prometheus HTTP API answer the way Go's client_golang and Argo do.

Errors read `<errorType>: <message>` (`bad_data: 1:5: parse error: …`); an answer that is not the
API's JSON envelope is `client_error: client error: 404`, `server_error: server error: 502` or
`bad_response: …`. Values: scalar → float; vector → list of floats (labels dropped); matrix →
every sample of every series in one flat list; any other type is not supported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from adapters.metrics.http import ProviderError
from adapters.metrics.values import loads_like_go

NOT_SUPPORTED = "Prometheus metric type not supported"


def read_prometheus_response(response: httpx.Response) -> tuple[Any, list[str]]:
    """The raw value and the server's warnings; a `ProviderError` for any kind of failure."""
    payload, decode_error = _decode(response)
    if isinstance(payload, Mapping) and payload.get("status") == "error":
        raise ProviderError(f"{payload.get('errorType', '')}: {payload.get('error', '')}")
    if not response.is_success and response.status_code not in (400, 422):
        raise ProviderError(_status_error(response.status_code))
    if not isinstance(payload, Mapping):
        raise ProviderError(f"bad_response: {decode_error or 'response is not a JSON object'}")
    if not response.is_success:
        raise ProviderError("bad_response: inconsistent body for response code")
    warnings = [str(w) for w in payload.get("warnings") or ()]
    return _value(payload.get("data")), warnings


def _decode(response: httpx.Response) -> tuple[Any, str | None]:
    try:
        return loads_like_go(response.content), None
    except ValueError as error:
        return None, str(error)


def _status_error(status: int) -> str:
    if status // 100 == 4:
        return f"client_error: client error: {status}"
    if status // 100 == 5:
        return f"server_error: server error: {status}"
    return f"bad_response: bad response code {status}"


def _value(data: Any) -> Any:
    if not isinstance(data, Mapping):
        raise ProviderError("bad_response: response has no data")
    result_type = data.get("resultType")
    result: Any = data.get("result")
    try:
        if result_type == "scalar":
            return _sample(result[1])
        if result_type == "vector":
            return [_sample(series["value"][1]) for series in _series(result)]
        if result_type == "matrix":
            return [_sample(v[1]) for series in _series(result) for v in series["values"]]
    except (KeyError, IndexError, TypeError) as error:
        raise ProviderError(f"bad_response: malformed {result_type} result: {error!r}") from None
    raise ProviderError(NOT_SUPPORTED)


def _series(result: Any) -> Sequence[Mapping[str, Any]]:
    if not isinstance(result, list):
        raise TypeError(f"expected a list of series, got {type(result).__name__}")
    return [series for series in result if series is not None]


def _sample(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise ProviderError(f"bad_response: sample value {text!r} is not a number") from None
