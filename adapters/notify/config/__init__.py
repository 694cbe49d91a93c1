"""Notification configuration: Argo's ConfigMap and Secret, plus the built-in catalog."""

from __future__ import annotations

from adapters.notify.config.builtins import BUILTIN_TEMPLATES, BUILTIN_TRIGGERS
from adapters.notify.config.loading import (
    ConfigError,
    config_from_configmap,
    config_from_documents,
    load_config,
)
from adapters.notify.config.model import (
    NotificationConfig,
    ServiceConfig,
    Subscription,
    TriggerCondition,
)
from adapters.notify.config.secrets import (
    MASK,
    Masker,
    SecretsError,
    load_secrets,
    secrets_from_object,
)

__all__ = [
    "BUILTIN_TEMPLATES",
    "BUILTIN_TRIGGERS",
    "MASK",
    "ConfigError",
    "Masker",
    "NotificationConfig",
    "SecretsError",
    "ServiceConfig",
    "Subscription",
    "TriggerCondition",
    "config_from_configmap",
    "config_from_documents",
    "load_config",
    "load_secrets",
    "secrets_from_object",
]
