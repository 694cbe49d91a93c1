"""Rendering a notification: every string of the trigger's templates, merged in order.

A trigger may send several templates to one destination; Argo applies them one after the other
to a single notification, so a later template's fields win. Every string leaf is a template
(`message`, `slack.attachments`, `webhook.<name>.body`, ...); keys are not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.notify.config import NotificationConfig
from adapters.notify.gotemplate import TemplateError, render


class RenderError(ValueError):
    """A template is missing or failed to execute (permanent: retrying changes nothing)."""


@dataclass(frozen=True, slots=True)
class Notification:
    message: str
    sections: Mapping[str, Any] = field(default_factory=dict)
    """Per-service parts, rendered: `slack`, `teams`, `webhook`, `pagerdutyv2`, `email`."""


def _render_value(value: Any, variables: Mapping[str, Any], where: str) -> Any:
    if isinstance(value, str):
        try:
            return render(value, variables)
        except TemplateError as error:
            raise RenderError(f"{where}: {error}") from None
    if isinstance(value, Mapping):
        return {k: _render_value(v, variables, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_render_value(item, variables, where) for item in value]
    return value


def _merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def render_notification(
    config: NotificationConfig, templates: Sequence[str], variables: Mapping[str, Any]
) -> Notification:
    merged: dict[str, Any] = {}
    for name in templates:
        template = config.templates.get(name)
        if template is None:
            raise RenderError(f"template {name!r} is not configured")
        merged = _merge(merged, _render_value(template, variables, f"template {name}"))
    message = merged.pop("message", "")
    return Notification(message=str(message), sections=merged)
