"""Checks of request bodies against each service's documented API (fixtures/*.json).

Each check returns the problems it found (empty: the request is what the API documents), so a
receiver can record them and a test can assert there were none.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


@cache
def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _unknown(body: dict[str, Any], allowed: list[str], where: str) -> list[str]:
    return [f"{where}: undocumented field {key!r}" for key in body if key not in allowed]


def slack_chat_post_message(body: Any, authorization: str | None) -> list[str]:
    doc = fixture("slack_chat_postMessage")
    if not isinstance(body, dict):
        return ["chat.postMessage: body is not a JSON object"]
    problems = _unknown(body, doc["arguments"], "chat.postMessage")
    if not (authorization or "").startswith("Bearer ") and "token" not in body:
        problems.append("chat.postMessage: no bearer token")
    if not isinstance(body.get("channel"), str) or not body["channel"]:
        problems.append("chat.postMessage: channel is required")
    if not any(body.get(k) for k in ("text", "attachments", "blocks")):
        problems.append("chat.postMessage: one of text, attachments or blocks is required")
    for key in ("attachments", "blocks"):
        value = body.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(i, dict) for i in value)
        ):
            problems.append(f"chat.postMessage: {key} must be an array of objects")
    return problems


def slack_incoming_webhook(body: Any) -> list[str]:
    doc = fixture("slack_incoming_webhook")
    if not isinstance(body, dict):
        return ["incoming webhook: body is not a JSON object"]
    problems = _unknown(body, doc["fields"], "incoming webhook")
    if not (body.get("text") or body.get("blocks") or body.get("attachments")):
        problems.append("incoming webhook: text or blocks is required")
    return problems


def pagerduty_enqueue(body: Any) -> list[str]:
    doc = fixture("pagerduty_enqueue")
    if not isinstance(body, dict):
        return ["enqueue: body is not a JSON object"]
    problems = _unknown(body, doc["fields"], "enqueue")
    if not isinstance(body.get("routing_key"), str) or not body["routing_key"]:
        problems.append("enqueue: routing_key is required")
    if body.get("event_action") not in doc["event_actions"]:
        problems.append(f"enqueue: bad event_action {body.get('event_action')!r}")
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
        problems.append("enqueue: dedup_key must be a string of at most 255 characters")
    if body.get("event_action") != "trigger":
        if dedup is None:
            problems.append("enqueue: acknowledge and resolve need a dedup_key")
        return problems
    payload = body.get("payload")
    if not isinstance(payload, dict):
        return [*problems, "enqueue: a trigger needs a payload"]
    problems += _unknown(payload, doc["payload_fields"], "enqueue payload")
    for key in ("summary", "source"):
        if not isinstance(payload.get(key), str) or not payload[key]:
            problems.append(f"enqueue payload: {key} is required")
    if len(str(payload.get("summary", ""))) > 1024:
        problems.append("enqueue payload: summary longer than 1024 characters")
    if payload.get("severity") not in doc["severities"]:
        problems.append(f"enqueue payload: bad severity {payload.get('severity')!r}")
    return problems


def teams_message_card(body: Any) -> list[str]:
    doc = fixture("teams_message_card")
    if not isinstance(body, dict):
        return ["MessageCard: body is not a JSON object"]
    problems = _unknown(body, doc["fields"], "MessageCard")
    if body.get("@type") != "MessageCard":
        problems.append("MessageCard: @type must be MessageCard")
    if body.get("@context") not in (
        "https://schema.org/extensions",
        "http://schema.org/extensions",
    ):
        problems.append("MessageCard: @context must be schema.org/extensions")
    if not (body.get("summary") or body.get("text")):
        problems.append("MessageCard: summary or text is required")
    for section in body.get("sections") or []:
        problems += _unknown(section, doc["section_fields"], "MessageCard section")
        for fact in section.get("facts") or []:
            if set(fact) != {"name", "value"}:
                problems.append("MessageCard: a fact is {name, value}")
    return problems


def teams_adaptive_card(body: Any) -> list[str]:
    if not isinstance(body, dict) or body.get("type") != "message":
        return ["Adaptive Card message: type must be message"]
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return ["Adaptive Card message: exactly one attachment expected"]
    (attachment,) = attachments
    problems = []
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append("Adaptive Card: wrong contentType")
    content = attachment.get("content") or {}
    if content.get("type") != "AdaptiveCard" or not content.get("version"):
        problems.append("Adaptive Card: content must be an AdaptiveCard with a version")
    if not isinstance(content.get("body"), list) or not content["body"]:
        problems.append("Adaptive Card: body must be a non-empty array")
    return problems
