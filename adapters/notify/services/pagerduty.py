"""PagerDuty Events API v2 (`POST /v2/enqueue`), Argo's `pagerdutyv2` service.

Options (`service.pagerdutyv2`): `serviceKeys` mapping a recipient name to an integration
(routing) key, or one `routingKey` for every recipient; `apiURL` (default
https://events.pagerduty.com). Template section `pagerdutyv2`: `summary`, `severity` (critical,
error, warning, info), `source`, `component`, `group`, `class`, `url`, and two additions:
`action` (trigger or resolve) and `dedupKey`.

The dedup key defaults to `<namespace>/<name>/<revision>`, so one incident per revision: a
failed revision triggers it and the same revision completing resolves it. `on-rollout-completed`
resolves by default, everything else triggers.
"""

from __future__ import annotations

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

DEFAULT_API_URL = "https://events.pagerduty.com"
SEVERITIES = frozenset({"critical", "error", "warning", "info"})
RESOLVING_TRIGGERS = frozenset({"on-rollout-completed"})
MAX_SUMMARY = 1024


def dedup_key(outgoing: Outgoing) -> str:
    return f"{outgoing.namespace}/{outgoing.name}/{outgoing.revision}"


class PagerDutyService:
    kind = "pagerdutyv2"

    def __init__(
        self, name: str, options: Mapping[str, Any], client: httpx.AsyncClient, timeout: float
    ) -> None:
        self.name = name
        keys = options.get("serviceKeys") or {}
        self._keys = {str(k): str(v) for k, v in dict(keys).items()}
        self._routing_key = str(options.get("routingKey") or "")
        self._api_url = str(options.get("apiURL") or DEFAULT_API_URL).rstrip("/")
        self._client = client
        self._timeout = timeout

    def secrets(self) -> tuple[str, ...]:
        return tuple(k for k in (*self._keys.values(), self._routing_key) if k)

    def _key_for(self, recipient: str) -> str:
        key = self._keys.get(recipient) or self._routing_key
        if not key:
            raise DeliveryError(
                f"{self.name}: no routing key for recipient {recipient!r} (serviceKeys)",
                retryable=False,
            )
        return key

    def payload(self, outgoing: Outgoing) -> dict[str, Any]:
        template = section(outgoing, "pagerdutyv2")
        default_action = "resolve" if outgoing.trigger in RESOLVING_TRIGGERS else "trigger"
        action = str(template.get("action") or default_action)
        if action not in ("trigger", "acknowledge", "resolve"):
            raise DeliveryError(f"{self.name}: unknown action {action!r}", retryable=False)
        body: dict[str, Any] = {
            "routing_key": self._key_for(outgoing.destination.recipient),
            "event_action": action,
            "dedup_key": str(template.get("dedupKey") or dedup_key(outgoing)),
        }
        if action != "trigger":
            return body
        body.update(self._trigger_fields(template, outgoing))
        return body

    def _trigger_fields(self, template: Mapping[str, Any], outgoing: Outgoing) -> dict[str, Any]:
        severity = str(template.get("severity") or "error").lower()
        if severity not in SEVERITIES:
            choices = ", ".join(sorted(SEVERITIES))
            raise DeliveryError(
                f"{self.name}: severity {severity!r} is not one of {choices}", retryable=False
            )
        summary = str(template.get("summary") or outgoing.notification.message)
        details: dict[str, Any] = {
            "summary": summary[:MAX_SUMMARY],
            "severity": severity,
            "source": str(template.get("source") or f"{outgoing.namespace}/{outgoing.name}"),
        }
        for field in ("component", "group", "class"):
            if template.get(field):
                details[field] = str(template[field])
        fields: dict[str, Any] = {"payload": details, "client": "Argo Rollouts"}
        if template.get("url"):
            fields["links"] = [{"href": str(template["url"]), "text": "Rollout"}]
        return fields

    async def send(self, outgoing: Outgoing) -> None:
        response = await send_request(
            self._client,
            "POST",
            f"{self._api_url}/v2/enqueue",
            service=self.name,
            timeout=self._timeout,
            json=self.payload(outgoing),
            headers=outgoing.headers(),
        )
        check_status(response, self.name)
