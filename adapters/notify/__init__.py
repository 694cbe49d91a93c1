"""Notifications the way Argo Rollouts sends them: triggers named after Kubernetes event
reasons, Go templates, and Slack, PagerDuty, Teams and webhook services.

`adapters.workers.notifier.NotifierWorker` runs it; this package holds the parts: configuration
(`config`), the template language (`gotemplate`), template variables (`context`,
`rollout_json`), planning (`planner`), services (`services`) and delivery (`delivery`,
`stores`).
"""

from __future__ import annotations

from adapters.notify.config import (
    ConfigError,
    Masker,
    NotificationConfig,
    config_from_configmap,
    config_from_documents,
    load_config,
    load_secrets,
)
from adapters.notify.delivery import Deliverer, DeliveryPolicy, Job, NotifierStopping
from adapters.notify.planner import Planner, idempotency_key, trigger_name
from adapters.notify.render import Notification, RenderError, render_notification
from adapters.notify.services import ServiceSet, build_services
from adapters.notify.stores import (
    DLQ_STREAM,
    SENT_BUCKET,
    DeadLetter,
    MemoryDeadLetters,
    MemorySentKeys,
    ensure_notification_storage,
    read_dead_letters,
)
from adapters.notify.subscriptions import Destination, destinations

__all__ = [
    "DLQ_STREAM",
    "SENT_BUCKET",
    "ConfigError",
    "DeadLetter",
    "Deliverer",
    "DeliveryPolicy",
    "Destination",
    "Job",
    "Masker",
    "MemoryDeadLetters",
    "MemorySentKeys",
    "Notification",
    "NotificationConfig",
    "NotifierStopping",
    "Planner",
    "RenderError",
    "ServiceSet",
    "build_services",
    "config_from_configmap",
    "config_from_documents",
    "destinations",
    "ensure_notification_storage",
    "idempotency_key",
    "load_config",
    "load_secrets",
    "read_dead_letters",
    "render_notification",
    "trigger_name",
]
