"""Notification services by type, built from the configuration's `service.*` keys."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters.notify.config import NotificationConfig
from adapters.notify.services.base import (
    DELIVERY_HEADER,
    TRIGGER_HEADER,
    DeliveryError,
    NotificationService,
    Outgoing,
)
from adapters.notify.services.pagerduty import PagerDutyService
from adapters.notify.services.slack import SlackService
from adapters.notify.services.teams import TeamsService
from adapters.notify.services.webhook import SIGNATURE_HEADER, WebhookService, signature

Factory = Callable[[str, Mapping[str, Any], httpx.AsyncClient, float], NotificationService]

FACTORIES: dict[str, Factory] = {
    "slack": SlackService,
    "pagerdutyv2": PagerDutyService,
    "teams": TeamsService,
    "teams-workflows": lambda n, o, c, t: TeamsService(n, o, c, t, adaptive=True),
    "webhook": WebhookService,
}


@dataclass(frozen=True)
class ServiceSet:
    """The services that could be built, and why the others could not (by service name)."""

    services: dict[str, NotificationService] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for service in self.services.values() for s in service.secrets())


def build_services(
    config: NotificationConfig, client: httpx.AsyncClient, *, timeout: float = 10.0
) -> ServiceSet:
    services: dict[str, NotificationService] = {}
    unavailable: dict[str, str] = {}
    for name, service in config.services.items():
        factory = FACTORIES.get(service.type)
        if factory is None:
            unavailable[name] = f"service type {service.type!r} is not supported"
            continue
        try:
            services[name] = factory(name, service.options, client, timeout)
        except (ValueError, TypeError) as error:
            unavailable[name] = str(error)
    return ServiceSet(services, unavailable)


__all__ = [
    "DELIVERY_HEADER",
    "FACTORIES",
    "SIGNATURE_HEADER",
    "TRIGGER_HEADER",
    "DeliveryError",
    "NotificationService",
    "Outgoing",
    "PagerDutyService",
    "ServiceSet",
    "SlackService",
    "TeamsService",
    "WebhookService",
    "build_services",
    "signature",
]
