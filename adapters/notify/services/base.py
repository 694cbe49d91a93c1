"""What every notification service shares: the request it is asked to send, and its errors.

A service turns a rendered notification into one HTTP request in its API's shape. It raises
`DeliveryError` saying whether trying again could help (timeouts, connection failures, 408,
425, 429 and 5xx) and, if the server said so, when (`Retry-After`). Every request carries the
notification's idempotency key in `X-Rollouts-Delivery`, so a receiver can drop a repeat.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from adapters.notify.render import Notification
from adapters.notify.subscriptions import Destination

DELIVERY_HEADER = "X-Rollouts-Delivery"
TRIGGER_HEADER = "X-Rollouts-Trigger"
USER_AGENT = "argo-rollouts-py-notifier"
MAX_QUOTED_BODY = 300
RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One notification for one destination, with the idempotency key that names it."""

    key: str
    trigger: str
    namespace: str
    name: str
    revision: int
    event_id: str
    destination: Destination
    notification: Notification

    def headers(self) -> dict[str, str]:
        return {DELIVERY_HEADER: self.key, TRIGGER_HEADER: self.trigger, "User-Agent": USER_AGENT}


class DeliveryError(Exception):
    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class NotificationService(Protocol):
    name: str
    kind: str

    def secrets(self) -> tuple[str, ...]:
        """Values to mask wherever this service's errors are shown."""
        ...

    async def send(self, outgoing: Outgoing) -> None: ...


async def send_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    service: str,
    timeout: float,
    **kwargs: Any,
) -> httpx.Response:
    """One HTTP exchange; transport problems become `DeliveryError` without the URL (which is
    often the secret itself, as with Slack and Teams webhooks)."""
    try:
        return await client.request(method, url, timeout=timeout, **kwargs)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise DeliveryError(
            f"{service}: bad URL: {type(error).__name__}", retryable=False
        ) from None
    except httpx.TimeoutException:
        raise DeliveryError(f"{service}: no answer within {timeout:g}s", retryable=True) from None
    except httpx.TransportError as error:
        raise DeliveryError(f"{service}: {type(error).__name__}: {error}", retryable=True) from None


def excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:MAX_QUOTED_BODY] + ("..." if len(text) > MAX_QUOTED_BODY else "")


def check_status(response: httpx.Response, service: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    raise DeliveryError(
        f"{service}: HTTP {status}: {excerpt(response)}",
        retryable=status in RETRYABLE_STATUSES or status >= 500,
        retry_after=response.headers.get("Retry-After"),
        status=status,
    )


def json_field(value: Any, what: str) -> Any:
    """A template section holding JSON as text (Slack attachments, Teams facts) or as data."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        raise DeliveryError(f"{what} is not valid JSON: {error}", retryable=False) from None


def section(outgoing: Outgoing, name: str) -> Mapping[str, Any]:
    value = outgoing.notification.sections.get(name)
    return value if isinstance(value, Mapping) else {}


def secret_values(*values: Any) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        if isinstance(value, str) and value:
            found.append(value)
        elif isinstance(value, Mapping):
            found.extend(secret_values(*value.values()))
        elif isinstance(value, list | tuple):
            found.extend(secret_values(*value))
    return tuple(found)
