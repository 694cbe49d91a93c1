"""The triggers and templates Argo Rollouts ships in its notification catalog.

Same names, same messages and the same Slack attachment (a strategy field, the step or replica
counts where relevant, and one field per container), so a Rollout annotated for Argo gets the
notifications it would get there with no configuration beyond the service.
"""

from __future__ import annotations

from typing import Any

from adapters.notify.config.model import TriggerCondition

_NAME = "{{.rollout.metadata.name}}"
_STEP = "{{add .rollout.status.currentStepIndex 1}}/{{len .rollout.spec.strategy.canary.steps}}"
_STRATEGY = (
    "{{if .rollout.spec.strategy.blueGreen}}BlueGreen{{end}}"
    "{{if .rollout.spec.strategy.canary}}Canary{{end}}"
)
_CONTAINERS = (
    "{{range $index, $c := .rollout.spec.template.spec.containers}}"
    '{{if not $index}},{{end}}{{if $index}},{{end}}{"title": "{{$c.name}}", '
    '"value": "{{$c.image}}", "short": true}{{end}}'
)
GREEN, RED, YELLOW = "#18be52", "#E01E5A", "#ECB22E"


def _field(title: str, value: str) -> str:
    return f'{{"title": "{title}", "value": "{value}", "short": true}}'


def _attachments(color: str, extra: tuple[str, ...] = ()) -> str:
    fields = ", ".join((_field("Strategy", _STRATEGY), *extra))
    return f'[{{"title": "{_NAME}", "color": "{color}", "fields": [{fields}{_CONTAINERS}]}}]'


def _template(message: str, color: str, *extra: str, subject: str = "") -> dict[str, Any]:
    return {
        "message": message,
        "email": {"subject": subject or message},
        "slack": {"attachments": _attachments(color, extra)},
    }


def _scaling() -> dict[str, Any]:
    message = f"Scaling Rollout {_NAME}'s replicaset to {{{{.rollout.spec.replicas}}}}."
    return _template(
        message,
        GREEN,
        _field("Desired replica", "{{.rollout.spec.replicas}}"),
        _field("Updated replicas", "{{.rollout.status.updatedReplicas}}"),
    )


BUILTIN_TEMPLATES: dict[str, dict[str, Any]] = {
    "analysis-run-error": _template(f"Rollout {_NAME}'s analysis run is in error state.", YELLOW),
    "analysis-run-failed": _template(f"Rollout {_NAME}'s analysis run failed.", RED),
    "analysis-run-running": _template(f"Rollout {_NAME}'s analysis run is running.", GREEN),
    "rollout-aborted": _template(f"Rollout {_NAME} has been aborted.", RED),
    "rollout-completed": _template(f"Rollout {_NAME} has been completed.", GREEN),
    "rollout-paused": _template(f"Rollout {_NAME} has been paused.", GREEN),
    # Ours (the maximum pause policy): the event's message says how long and what was done.
    "rollout-paused-too-long": _template(
        f"Rollout {_NAME} has been paused too long: {{{{.event.message}}}}.",
        YELLOW,
        subject=f"Rollout {_NAME} has been paused too long.",
    ),
    "rollout-step-completed": _template(
        f"Rollout {_NAME} step number {_STEP} has been completed.",
        GREEN,
        _field("Step completed", _STEP),
    ),
    "rollout-updated": _template(f"Rollout {_NAME} has been updated.", GREEN),
    "scaling-replicaset": _scaling(),
}


def _sends(template: str) -> tuple[TriggerCondition, ...]:
    return (TriggerCondition(send=(template,)),)


_TRIGGER_OF = {"scaling-replicaset": "on-scaling-replica-set"}
BUILTIN_TRIGGERS: dict[str, tuple[TriggerCondition, ...]] = {
    _TRIGGER_OF.get(template, f"on-{template}"): _sends(template) for template in BUILTIN_TEMPLATES
}
