"""What every HTTP-based provider shares: parsing its block, sending, and failing softly.

A provider never lets a network or server problem escape as an exception: inside a provider such a
problem is a `ProviderError`, and `guarded` turns it into an Error measurement with secrets masked.
Only programmer errors propagate. The deadline of a request is total (connect, send, wait and read
together), like Go's `http.Client.Timeout` and context deadlines Argo uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from adapters.metrics.masking import mask_measurement
from adapters.metrics.values import go_float_text
from rollouts.ports import Measurement

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_QUOTED_BODY = 1000


class ProviderError(Exception):
    """A measurement could not be taken; the message is what the user sees as the error."""


def parse_spec(provider: Mapping[str, Any], key: str, model: type[ModelT]) -> ModelT:
    """The `key` block of a metric's provider mapping, validated with the Argo-compatible model."""
    block = provider.get(key) if isinstance(provider, Mapping) else None
    if block is None:
        raise ProviderError(f"the metric's provider block has no {key} provider")
    try:
        return model.model_validate(block)
    except ValidationError as error:
        problems = "; ".join(_describe_problem(problem) for problem in error.errors())
        raise ProviderError(f"invalid {key} provider: {problems}") from None


def _describe_problem(problem: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in problem.get("loc", ()))
    message = str(problem.get("msg", "invalid value"))
    return f"{location}: {message}" if location else message


async def guarded(work: Awaitable[Measurement], secrets: Iterable[str]) -> Measurement:
    """Run one measurement; a `ProviderError` becomes an Error measurement, secrets masked."""
    try:
        measurement = await work
    except ProviderError as error:
        measurement = Measurement(error=str(error))
    return mask_measurement(measurement, secrets)


def seconds_text(seconds: float) -> str:
    return f"{go_float_text(seconds)}s"


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    content: str | bytes | None = None,
    data: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send one request with a total deadline; transport problems become `ProviderError`."""
    try:
        async with asyncio.timeout(timeout):
            return await client.request(
                method,
                url,
                headers=headers,
                content=content,
                data=data,
                params=params,
                timeout=timeout,
            )
    except (TimeoutError, httpx.TimeoutException):
        raise ProviderError(f'{method} "{url}": timed out after {seconds_text(timeout)}') from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, UnicodeEncodeError) as error:
        raise ProviderError(f'{method} "{url}": {_describe_exception(error)}') from None


def _describe_exception(error: Exception) -> str:
    detail = str(error).strip()
    name = type(error).__name__
    return f"{name}: {detail}" if detail else name


def quoted_body(response: httpx.Response) -> str:
    """The response body for an error message, cut short so records stay small."""
    text = response.text.strip()
    if len(text) > MAX_QUOTED_BODY:
        return text[:MAX_QUOTED_BODY] + "…"
    return text


def set_header(headers: dict[str, str], name: str, value: str) -> None:
    """Set `name` like Go's `Header.Set`: one value, whatever the case it was written in."""
    for existing in [key for key in headers if key.lower() == name.lower()]:
        del headers[existing]
    headers[name] = value


def pick_client(
    client: httpx.AsyncClient, insecure_client: httpx.AsyncClient | None, insecure: bool, url: str
) -> httpx.AsyncClient:
    """The client to use: `insecure` (TLS verification off) needs a client built for it."""
    if not insecure or not url.lower().startswith("https:"):
        return client
    if insecure_client is None:
        raise ProviderError(
            "insecure: true needs an HTTP client without TLS verification, and none is configured"
        )
    return insecure_client
