"""Who wants which trigger: the Rollout's annotations and the configuration's subscriptions.

Annotation form (Argo's): `notifications.argoproj.io/subscribe.<trigger>.<service>: a;b`. With
no trigger (`subscribe.<service>` or `subscribe..<service>`) the default triggers apply: the
service's own (`defaultTriggers.<service>`) if any, else `defaultTriggers`. An empty value
subscribes one destination with an empty recipient, which is how webhooks are subscribed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.notify.config import NotificationConfig

ANNOTATION_PREFIX = "notifications.argoproj.io/subscribe."


@dataclass(frozen=True, slots=True, order=True)
class Destination:
    service: str
    recipient: str


def _recipients(value: str) -> list[str]:
    recipients = [part.strip() for part in value.split(";")]
    return [r for r in recipients if r] or [""]


def _default_triggers(config: NotificationConfig, service: str) -> tuple[str, ...]:
    return config.service_default_triggers.get(service) or config.default_triggers


def _add(table: dict[str, list[Destination]], trigger: str, destination: Destination) -> None:
    entries = table.setdefault(trigger, [])
    if destination not in entries:
        entries.append(destination)


def from_annotations(
    config: NotificationConfig, annotations: Mapping[str, str]
) -> dict[str, list[Destination]]:
    table: dict[str, list[Destination]] = {}
    for key, value in annotations.items():
        if not key.startswith(ANNOTATION_PREFIX):
            continue
        parts = key[len(ANNOTATION_PREFIX) :].split(".")
        if len(parts) == 1:
            trigger, service = "", parts[0]
        elif len(parts) == 2:
            trigger, service = parts
        else:
            continue
        triggers = (trigger,) if trigger else _default_triggers(config, service)
        for name in triggers:
            for recipient in _recipients(str(value)):
                _add(table, name, Destination(service, recipient))
    return table


_SELECTOR = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9_.-]*))?\s*$")


def selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Equality-based label selectors (`a=b,c!=d,e,!f`); an empty selector matches all."""
    for requirement in filter(None, (part.strip() for part in selector.split(","))):
        match = _SELECTOR.match(requirement)
        if match is None:
            return False
        negated, key, operator, value = match.groups()
        if operator is None:
            present = key in labels
            if present == bool(negated):
                return False
        elif operator == "!=":
            if labels.get(key) == value:
                return False
        elif negated or labels.get(key) != value:
            return False
    return True


def destinations(
    config: NotificationConfig, annotations: Mapping[str, str], labels: Mapping[str, str]
) -> dict[str, list[Destination]]:
    """Destinations per trigger, global subscriptions first (Argo merges them the same way)."""
    table: dict[str, list[Destination]] = {}
    for subscription in config.subscriptions:
        if not selector_matches(subscription.selector, labels):
            continue
        for recipient in subscription.recipients:
            service, _, who = recipient.partition(":")
            triggers = subscription.triggers or _default_triggers(config, service)
            for trigger in triggers:
                _add(table, trigger, Destination(service, who))
    for trigger, entries in from_annotations(config, annotations).items():
        for destination in entries:
            _add(table, trigger, destination)
    return table
