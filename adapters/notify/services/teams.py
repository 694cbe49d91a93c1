"""Microsoft Teams incoming webhooks: a MessageCard (`teams`) or an Adaptive Card
(`teams-workflows`, for Workflows/Power Automate webhooks).

Options: `recipientUrls` mapping a recipient name to its webhook URL (each URL is a secret).
Template section `teams`: `title`, `summary`, `text`, `themeColor`, and as JSON text or data
`facts`, `sections`, `potentialAction`; `template` (MessageCard) or `adaptiveCard` replaces the
whole card. Legacy connectors answer 200 with body `1`; an error can come back as a 200 with
text instead, which is read as a failure (retryable when it reports a 429).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from adapters.notify.services.base import (
    DeliveryError,
    Outgoing,
    check_status,
    excerpt,
    json_field,
    section,
    send_request,
)

ADAPTIVE_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class TeamsService:
    kind = "teams"

    def __init__(
        self,
        name: str,
        options: Mapping[str, Any],
        client: httpx.AsyncClient,
        timeout: float,
        *,
        adaptive: bool = False,
    ) -> None:
        self.name = name
        urls = options.get("recipientUrls") or {}
        self._urls = {str(k): str(v) for k, v in dict(urls).items()}
        self._client = client
        self._timeout = timeout
        self._adaptive = adaptive
        self.kind = "teams-workflows" if adaptive else "teams"

    def secrets(self) -> tuple[str, ...]:
        return tuple(self._urls.values())

    def message_card(self, outgoing: Outgoing) -> dict[str, Any]:
        teams = section(outgoing, "teams")
        custom = json_field(teams.get("template"), "teams.template")
        if custom:
            return dict(custom)
        message = outgoing.notification.message
        title = str(teams.get("title") or "")
        card: dict[str, Any] = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": str(teams.get("summary") or title or message[:100]),
            "text": str(teams.get("text") or message),
        }
        if title:
            card["title"] = title
        if teams.get("themeColor"):
            card["themeColor"] = str(teams["themeColor"])
        sections = list(json_field(teams.get("sections"), "teams.sections") or [])
        facts = json_field(teams.get("facts"), "teams.facts")
        if facts:
            sections.append({"facts": facts})
        if sections:
            card["sections"] = sections
        actions = json_field(teams.get("potentialAction"), "teams.potentialAction")
        if actions:
            card["potentialAction"] = actions
        return card

    def adaptive_card(self, outgoing: Outgoing) -> dict[str, Any]:
        teams = section(outgoing, "teams")
        content = json_field(teams.get("adaptiveCard"), "teams.adaptiveCard")
        if not content:
            body: list[dict[str, Any]] = []
            if teams.get("title"):
                body.append(
                    {
                        "type": "TextBlock",
                        "text": str(teams["title"]),
                        "weight": "Bolder",
                        "size": "Medium",
                        "wrap": True,
                    }
                )
            text = str(teams.get("text") or outgoing.notification.message)
            body.append({"type": "TextBlock", "text": text, "wrap": True})
            facts = json_field(teams.get("facts"), "teams.facts") or []
            if facts:
                body.append({"type": "FactSet", "facts": [_fact(f) for f in facts]})
            content = {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
        attachment = {"contentType": ADAPTIVE_CONTENT_TYPE, "contentUrl": None, "content": content}
        return {"type": "message", "attachments": [attachment]}

    async def send(self, outgoing: Outgoing) -> None:
        url = self._urls.get(outgoing.destination.recipient)
        if not url:
            raise DeliveryError(
                f"{self.name}: no webhook URL for recipient "
                f"{outgoing.destination.recipient!r} (recipientUrls)",
                retryable=False,
            )
        card = self.adaptive_card(outgoing) if self._adaptive else self.message_card(outgoing)
        response = await send_request(
            self._client,
            "POST",
            url,
            service=self.name,
            timeout=self._timeout,
            json=card,
            headers=outgoing.headers(),
        )
        check_status(response, self.name)
        text = response.text.strip()
        if response.status_code == 200 and text not in ("", "1"):
            raise DeliveryError(
                f"{self.name}: Teams refused the message: {excerpt(response)}",
                retryable="429" in text,
            )


def _fact(fact: Any) -> dict[str, str]:
    """A MessageCard fact (`name`) as an Adaptive Card fact (`title`)."""
    if not isinstance(fact, Mapping):
        return {"title": "", "value": str(fact)}
    return {
        "title": str(fact.get("name", fact.get("title", ""))),
        "value": str(fact.get("value", "")),
    }
