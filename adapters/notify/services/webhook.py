"""Generic webhooks, Argo's `service.webhook.<name>`, with signed bodies.

Options: `url`, `headers` (a list of `{name, value}`), `basicAuth` (`{username, password}`)
and, an addition, `secret`: with it the body is signed with HMAC-SHA256 and the signature sent
as `X-Rollouts-Signature: sha256=<hex>`. Template section `webhook.<name>`: `method` (GET by
default, as in Argo), `path` (appended to the URL) and `body`. Without a section for this
webhook a JSON summary (message, trigger, rollout, delivery key) is POSTed instead of nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

import httpx

from adapters.notify.services.base import (
    DeliveryError,
    Outgoing,
    check_status,
    section,
    send_request,
)

SIGNATURE_HEADER = "X-Rollouts-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def default_body(outgoing: Outgoing) -> bytes:
    summary = {
        "message": outgoing.notification.message,
        "trigger": outgoing.trigger,
        "rollout": {
            "namespace": outgoing.namespace,
            "name": outgoing.name,
            "revision": outgoing.revision,
        },
        "eventId": outgoing.event_id,
        "deliveryKey": outgoing.key,
    }
    return json.dumps(summary, sort_keys=True).encode()


class WebhookService:
    kind = "webhook"

    def __init__(
        self, name: str, options: Mapping[str, Any], client: httpx.AsyncClient, timeout: float
    ) -> None:
        self.name = name
        self._url = str(options.get("url") or "")
        if not self._url:
            raise ValueError(f"service webhook.{name} needs a url")
        self._headers = _headers(name, options.get("headers") or [])
        basic = options.get("basicAuth") or {}
        self._auth = (
            (str(basic.get("username", "")), str(basic.get("password", ""))) if basic else None
        )
        self._secret = str(options.get("secret") or "")
        self._client = client
        self._timeout = timeout

    def secrets(self) -> tuple[str, ...]:
        values = [self._secret, *(v for k, v in self._headers.items() if _sensitive(k))]
        if self._auth:
            values.append(self._auth[1])
        return tuple(v for v in values if v)

    def request(self, outgoing: Outgoing) -> tuple[str, str, bytes, dict[str, str]]:
        webhook = section(outgoing, "webhook").get(self.name)
        headers = {**self._headers, **outgoing.headers()}
        if isinstance(webhook, Mapping):
            method = str(webhook.get("method") or "GET").upper()
            url = self._url.rstrip("/") + str(webhook.get("path") or "")
            body = str(webhook.get("body") or "").encode()
        else:
            method, url, body = "POST", self._url, default_body(outgoing)
        if body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json" if body[:1] in b"{[" else "text/plain"
        if self._secret:
            headers[SIGNATURE_HEADER] = signature(self._secret, body)
        return method, url, body, headers

    async def send(self, outgoing: Outgoing) -> None:
        method, url, body, headers = self.request(outgoing)
        extra: dict[str, Any] = {"auth": self._auth} if self._auth else {}
        response = await send_request(
            self._client,
            method,
            url,
            service=self.name,
            timeout=self._timeout,
            content=body,
            headers=headers,
            **extra,
        )
        check_status(response, self.name)


def _sensitive(header: str) -> bool:
    lowered = header.lower()
    return any(part in lowered for part in ("auth", "token", "key", "secret", "signature"))


def _headers(name: str, entries: Any) -> dict[str, str]:
    if not isinstance(entries, list):
        raise ValueError(f"service webhook.{name}: headers must be a list of {{name, value}}")
    headers: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or "name" not in entry:
            raise ValueError(f"service webhook.{name}: every header needs a name and a value")
        headers[str(entry["name"])] = str(entry.get("value", ""))
    return headers


__all__ = ["SIGNATURE_HEADER", "DeliveryError", "WebhookService", "signature"]
