"""Slack: `chat.postMessage` with a bot token (Argo's slack service), or an incoming webhook.

Options (`service.slack`): `token` and optional `apiURL` (default https://slack.com/api/),
`username`, `icon` (an emoji like `:rocket:` or an image URL); or `webhookURL` for an incoming
webhook, which posts to the channel it was created for and ignores the recipient. Template
section `slack`: `attachments` and `blocks` as JSON text (or data).

Slack reports most failures in a 200 answer (`{"ok": false, "error": "channel_not_found"}`);
only `ratelimited` is worth retrying. HTTP 429 comes with `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.notify.services.base import (
    DeliveryError,
    Outgoing,
    check_status,
    json_field,
    section,
    send_request,
)

DEFAULT_API_URL = "https://slack.com/api/"
RETRYABLE_ERRORS = frozenset({"ratelimited", "rate_limited", "service_unavailable", "fatal_error"})


class SlackService:
    kind = "slack"

    def __init__(
        self, name: str, options: Mapping[str, Any], client: httpx.AsyncClient, timeout: float
    ) -> None:
        self.name = name
        self._token = str(options.get("token") or "")
        self._webhook_url = str(options.get("webhookURL") or options.get("webhookUrl") or "")
        self._api_url = str(options.get("apiURL") or DEFAULT_API_URL)
        self._username = str(options.get("username") or "")
        self._icon = str(options.get("icon") or "")
        self._client = client
        self._timeout = timeout
        if not self._token and not self._webhook_url:
            raise ValueError(f"service {name}: slack needs a token or a webhookURL")

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self._token, self._webhook_url) if s)

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        slack = section(outgoing, "slack")
        body: dict[str, Any] = {"text": outgoing.notification.message}
        attachments = json_field(slack.get("attachments"), "slack.attachments")
        blocks = json_field(slack.get("blocks"), "slack.blocks")
        if attachments:
            body["attachments"] = attachments
        if blocks:
            body["blocks"] = blocks
        if self._username:
            body["username"] = self._username
        if self._icon:
            body["icon_url" if "://" in self._icon else "icon_emoji"] = self._icon
        return body

    async def send(self, outgoing: Outgoing) -> None:
        body = self.payload(outgoing)
        headers = outgoing.headers()
        if self._webhook_url:
            response = await send_request(
                self._client,
                "POST",
                self._webhook_url,
                service=self.name,
                timeout=self._timeout,
                json=body,
                headers=headers,
            )
            check_status(response, self.name)
            return
        body = {"channel": outgoing.destination.recipient, **body}
        headers["Authorization"] = f"Bearer {self._token}"
        url = self._api_url.rstrip("/") + "/chat.postMessage"
        response = await send_request(
            self._client,
            "POST",
            url,
            service=self.name,
            timeout=self._timeout,
            json=body,
            headers=headers,
        )
        check_status(response, self.name)
        _check_answer(response, self.name)


def _check_answer(response: httpx.Response, service: str) -> None:
    try:
        answer = response.json()
    except ValueError:
        raise DeliveryError(f"{service}: Slack answered with no JSON", retryable=True) from None
    if not isinstance(answer, dict) or answer.get("ok") is True:
        return
    error = str(answer.get("error") or "unknown error")
    raise DeliveryError(
        f"{service}: Slack refused the message: {error}",
        retryable=error in RETRYABLE_ERRORS,
        retry_after=response.headers.get("Retry-After"),
    )
