"""From one event to the notifications it causes.

The event's Argo reasons (`rollouts.reasons.argo_reasons`) name the triggers (`on-` + the
reason kebab-cased, as Argo does); the Rollout's annotations and the configured subscriptions
name the destinations; each condition of the trigger whose `when` holds renders its templates
once per destination. A notification is identified by its idempotency key: the event id, the
trigger, the condition's position, the service and the recipient.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from adapters.notify.conditions import ConditionFailed, holds
from adapters.notify.config import NotificationConfig
from adapters.notify.context import condition_variables, event_variables
from adapters.notify.delivery import Job
from adapters.notify.render import Notification, RenderError, render_notification
from adapters.notify.services import Outgoing, ServiceSet
from adapters.notify.subscriptions import Destination, destinations
from adapters.notify.tracker import Folded, Step, key_of
from rollouts.reasons import argo_reasons

log = structlog.get_logger("rollouts.notify")

_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_ALL_CAP = re.compile(r"([a-z0-9])([A-Z])")


def trigger_name(reason: str) -> str:
    """Argo's translateReasonToTrigger: `RolloutStepCompleted` -> `on-rollout-step-completed`."""
    spaced = _ALL_CAP.sub(r"\1-\2", _FIRST_CAP.sub(r"\1-\2", reason))
    return "on-" + spaced.lower()


def idempotency_key(event_id: str, trigger: str, condition: int, destination: Destination) -> str:
    text = "\n".join(
        (event_id, trigger, str(condition), destination.service, destination.recipient)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _metadata(folded: Folded) -> Mapping[str, Any]:
    if folded.manifest is not None:
        metadata = folded.manifest.get("metadata")
        return metadata if isinstance(metadata, Mapping) else {}
    spec = folded.state.spec
    if spec is None:
        return {}
    return {"annotations": spec.metadata.annotations, "labels": spec.metadata.labels}


@dataclass(frozen=True, slots=True)
class _Fired:
    """A trigger fired by an event, with the template variables for that event."""

    step: Step
    trigger: str
    variables: Mapping[str, Any]


class Planner:
    def __init__(self, config: NotificationConfig, services: ServiceSet) -> None:
        self._config = config
        self._services = services

    def jobs(self, step: Step, now: datetime) -> list[Job]:
        reasons = argo_reasons(step.before.state, step.event, step.after.state)
        if not reasons:
            return []
        metadata = _metadata(step.after)
        table = destinations(
            self._config, metadata.get("annotations") or {}, metadata.get("labels") or {}
        )
        jobs: list[Job] = []
        for reason in reasons:
            trigger = trigger_name(reason)
            targets = table.get(trigger)
            if not targets:
                continue
            if trigger not in self._config.triggers:
                log.debug("notification.trigger_not_configured", trigger=trigger)
                continue
            variables = event_variables(step, reason, now, self._config.context)
            jobs += self._trigger_jobs(_Fired(step, trigger, variables), targets)
        return jobs

    def _trigger_jobs(self, fired: _Fired, targets: list[Destination]) -> list[Job]:
        """One job per condition that holds and destination; a broken condition is a problem
        job per destination, so it ends up where an operator looks (the dead letters)."""
        jobs: list[Job] = []
        for index, condition in enumerate(self._config.triggers[fired.trigger]):
            try:
                fires = holds(condition.when, condition_variables(fired.variables))
            except ConditionFailed as failed:
                jobs += [self._job(fired, index, (), target, str(failed)) for target in targets]
                continue
            if fires:
                jobs += [self._job(fired, index, condition.send, target) for target in targets]
        return jobs

    def _render(
        self, fired: _Fired, templates: tuple[str, ...], target: Destination, service_type: str
    ) -> tuple[Notification, str]:
        extra = {"recipient": target.recipient, "notificationType": service_type}
        try:
            variables = {**fired.variables, **extra}
            return render_notification(self._config, templates, variables), ""
        except RenderError as error:
            return Notification(message=""), str(error)

    def _job(
        self,
        fired: _Fired,
        index: int,
        templates: tuple[str, ...],
        target: Destination,
        problem: str = "",
    ) -> Job:
        step = fired.step
        service = self._services.services.get(target.service)
        config = self._config.services.get(target.service)
        service_type = config.type if config else ""
        notification = Notification(message="")
        if service is None and not problem:
            problem = self._services.unavailable.get(
                target.service, f"service {target.service!r} is not configured"
            )
        if not problem:
            notification, problem = self._render(fired, templates, target, service_type)
        namespace, name = key_of(step.stored)
        event_id = step.stored.envelope.id
        outgoing = Outgoing(
            key=idempotency_key(event_id, fired.trigger, index, target),
            trigger=fired.trigger,
            namespace=namespace,
            name=name,
            revision=step.after.state.revision,
            event_id=event_id,
            destination=target,
            notification=notification,
        )
        return Job(outgoing, service, service_type, type(step.event).__name__, problem)
