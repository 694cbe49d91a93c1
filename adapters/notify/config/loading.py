"""Reading Argo's notification ConfigMap (`argo-rollouts-notification-configmap`).

Accepted inputs: the ConfigMap's `data` (each value a YAML string, as in Kubernetes), the same
keys with already-parsed values (a hand-written local file), a multi-document YAML file with
ConfigMaps, an optional Secret and `NotificationTemplate` documents (`metadata.name` is the
template name, `spec` its body). Built-in triggers and templates come first; the configuration
overrides them by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from adapters.notify.config.builtins import BUILTIN_TEMPLATES, BUILTIN_TRIGGERS
from adapters.notify.config.model import (
    NotificationConfig,
    ServiceConfig,
    Subscription,
    TriggerCondition,
)
from adapters.notify.config.secrets import secrets_from_object, substitute
from adapters.notify.gotemplate import TemplateError, check

SECTION_KEYS = ("trigger.", "template.", "service.", "defaultTriggers", "subscriptions", "context")


class ConfigError(ValueError):
    """The notification configuration is malformed; the message names the key."""


def _yaml(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as error:
        raise ConfigError(f"{key}: invalid YAML: {error}") from None


def _trigger(key: str, value: Any) -> tuple[TriggerCondition, ...]:
    entries = _yaml(key, value)
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{key}: expected a list of {{send: [templates], when: condition}}")
    conditions = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("send"), list):
            raise ConfigError(f"{key}: every entry needs `send: [template, ...]`")
        conditions.append(
            TriggerCondition(
                send=tuple(str(name) for name in entry["send"]),
                when=str(entry.get("when") or ""),
                once_per=str(entry.get("oncePer") or ""),
                description=str(entry.get("description") or ""),
            )
        )
    return tuple(conditions)


def _template(key: str, value: Any) -> dict[str, Any]:
    body = _yaml(key, value)
    if not isinstance(body, Mapping):
        raise ConfigError(f"{key}: expected a mapping with message and service sections")
    _check_strings(key, body)
    return dict(body)


def _check_strings(key: str, value: Any) -> None:
    """Parse every string of a template now, so a typo fails at load, not at 3 a.m."""
    if isinstance(value, str):
        try:
            check(value)
        except TemplateError as error:
            raise ConfigError(f"{key}: {error}") from None
    elif isinstance(value, Mapping):
        for name, item in value.items():
            _check_strings(f"{key}.{name}", item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(key, item)


def _names(key: str, value: Any) -> tuple[str, ...]:
    names = _yaml(key, value)
    if names is None:
        return ()
    if not isinstance(names, list):
        raise ConfigError(f"{key}: expected a list of trigger names")
    return tuple(str(name) for name in names)


def _subscriptions(value: Any) -> tuple[Subscription, ...]:
    entries = _yaml("subscriptions", value) or []
    if not isinstance(entries, list):
        raise ConfigError("subscriptions: expected a list")
    try:
        return tuple(
            Subscription(
                recipients=tuple(str(r) for r in entry.get("recipients") or ()),
                triggers=tuple(str(t) for t in entry.get("triggers") or ()),
                selector=str(entry.get("selector") or ""),
            )
            for entry in entries
        )
    except AttributeError:
        raise ConfigError("subscriptions: every entry must be a mapping") from None


class _Builder:
    def __init__(self, secrets: Mapping[str, str], builtins: bool) -> None:
        self.secrets = dict(secrets)
        self.triggers = dict(BUILTIN_TRIGGERS) if builtins else {}
        self.templates = dict(BUILTIN_TEMPLATES) if builtins else {}
        self.services: dict[str, ServiceConfig] = {}
        self.defaults: tuple[str, ...] = ()
        self.service_defaults: dict[str, tuple[str, ...]] = {}
        self.subscriptions: tuple[Subscription, ...] = ()
        self.context: dict[str, str] = {}
        self.raw_services: dict[str, tuple[str, str, Any]] = {}
        self.warnings: list[str] = []

    def add_data(self, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            self._add(str(key), value)

    def _add(self, key: str, value: Any) -> None:
        prefix, _, rest = key.partition(".")
        if prefix == "trigger" and rest:
            self.triggers[rest] = _trigger(key, value)
            if any(condition.once_per for condition in self.triggers[rest]):
                self.warnings.append(
                    f"{key}: oncePer is not supported; the trigger fires each time"
                )
        elif prefix == "template" and rest:
            self.templates[rest] = _template(key, value)
        elif prefix == "service" and rest:
            kind, _, name = rest.partition(".")
            self.raw_services[name or kind] = (kind, key, _yaml(key, value))
        elif key == "defaultTriggers":
            self.defaults = _names(key, value)
        elif prefix == "defaultTriggers" and rest:
            self.service_defaults[rest] = _names(key, value)
        elif key == "subscriptions":
            self.subscriptions = _subscriptions(value)
        elif key == "context":
            context = _yaml(key, value) or {}
            self.context = {str(k): str(v) for k, v in dict(context).items()}
        else:
            self.warnings.append(f"{key}: not a notification setting; ignored")

    def add_template_resource(self, document: Mapping[str, Any]) -> None:
        name = str((document.get("metadata") or {}).get("name") or "")
        if not name:
            raise ConfigError("a NotificationTemplate needs metadata.name")
        self.templates[name] = _template(f"NotificationTemplate {name}", document.get("spec"))

    def build(self) -> NotificationConfig:
        missing: set[str] = set()
        for name, (kind, key, options) in self.raw_services.items():
            if options is not None and not isinstance(options, Mapping):
                raise ConfigError(f"{key}: expected a mapping of service settings")
            resolved = substitute(dict(options or {}), self.secrets, missing)
            self.services[name] = ServiceConfig(name=name, type=kind, options=resolved)
        self.warnings += [f"secret ${name} is not in the notification secret" for name in missing]
        return NotificationConfig(
            triggers=self.triggers,
            templates=self.templates,
            services=self.services,
            default_triggers=self.defaults,
            service_default_triggers=self.service_defaults,
            subscriptions=self.subscriptions,
            context=self.context,
            secret_values=tuple(sorted(set(self.secrets.values()))),
            warnings=tuple(self.warnings),
        )


def config_from_configmap(
    data: Mapping[str, Any], secrets: Mapping[str, str] | None = None, *, builtins: bool = True
) -> NotificationConfig:
    """From a ConfigMap's `data` (as the Kubernetes API returns it) and the Secret's values."""
    builder = _Builder(secrets or {}, builtins)
    builder.add_data(data)
    return builder.build()


def config_from_documents(
    documents: Iterable[Any], secrets: Mapping[str, str] | None = None, *, builtins: bool = True
) -> NotificationConfig:
    documents = [d for d in documents if d is not None]
    collected = dict(secrets or {})
    for document in documents:
        if isinstance(document, Mapping) and document.get("kind") == "Secret":
            collected.update(secrets_from_object(document))
    builder = _Builder(collected, builtins)
    for document in documents:
        if not isinstance(document, Mapping):
            raise ConfigError("every YAML document must be a mapping")
        kind = document.get("kind")
        if kind == "ConfigMap":
            builder.add_data(document.get("data") or {})
        elif kind == "NotificationTemplate":
            builder.add_template_resource(document)
        elif kind is None:
            builder.add_data(document)
        elif kind != "Secret":
            builder.warnings.append(f"a {kind} document is not notification configuration")
    return builder.build()


def load_config(
    path: Path, secrets: Mapping[str, str] | None = None, *, builtins: bool = True
) -> NotificationConfig:
    try:
        documents = list(yaml.safe_load_all(path.read_text()))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    return config_from_documents(documents, secrets, builtins=builtins)
