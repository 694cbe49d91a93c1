"""Notification configuration in Argo's terms: triggers, templates, services, subscriptions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class TriggerCondition(Frozen):
    """One entry of `trigger.<name>`: when `when` holds (always, if empty), send `send`."""

    send: tuple[str, ...]
    when: str = ""
    once_per: str = ""
    description: str = ""


class ServiceConfig(Frozen):
    """`service.<type>` (named after its type) or `service.<type>.<name>`; `options` hold the
    parsed YAML with `$secret` references already replaced."""

    name: str
    type: str
    options: dict[str, Any] = {}


class Subscription(Frozen):
    """An entry of the `subscriptions` key: recipients (`service:recipient`) for triggers, for
    every rollout whose labels match `selector`."""

    recipients: tuple[str, ...]
    triggers: tuple[str, ...] = ()
    selector: str = ""


class NotificationConfig(Frozen):
    triggers: dict[str, tuple[TriggerCondition, ...]] = {}
    templates: dict[str, dict[str, Any]] = {}
    services: dict[str, ServiceConfig] = {}
    default_triggers: tuple[str, ...] = ()
    service_default_triggers: dict[str, tuple[str, ...]] = {}
    subscriptions: tuple[Subscription, ...] = ()
    context: dict[str, str] = {}
    secret_values: tuple[str, ...] = ()
    """Every secret value known (resolved or not), so errors and logs can mask them."""
    warnings: tuple[str, ...] = ()
    """Problems that did not stop loading (an unresolved `$secret`, an unknown key)."""
