"""A notifier wired to the local receivers: configuration, secrets, and a run over a history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from adapters.notify.config import NotificationConfig, config_from_configmap
from adapters.notify.delivery import DeliveryPolicy
from adapters.notify.services import build_services
from adapters.notify.stores import MemoryDeadLetters, MemorySentKeys
from adapters.workers.controller import SystemClock
from adapters.workers.notifier import NotifierWorker
from events.memory import InMemoryEventStore
from rollouts.ports import Clock
from tests.support.sim import Sim
from tests.unit.notify.histories import store_history

TOKEN = "xoxb-1111-integration-secret"
HOOK_PATH = "T0000/B0000/slackhooksecretXYZ"
TEAMS_PATH = "teams-secret-path-123"
FLOW_PATH = "workflow-secret-path-456"
ROUTING_KEY = "R0UT1NGKEY00000000000000000000AB"
HMAC_KEY = "whsec-hmac-integration-key"
GITHUB_TOKEN = "ghp-integration-secret-token"
SERVICES = ("slack", "hooked", "pagerdutyv2", "teams", "flows", "github")
FAST = DeliveryPolicy(max_attempts=3, base_delay=0.01, max_delay=5.0, request_timeout=5.0)


def secrets(url: str) -> dict[str, str]:
    return {
        "slack-token": TOKEN,
        "slack-hook": f"{url}/slack/hooks/{HOOK_PATH}",
        "pd-key": ROUTING_KEY,
        "teams-url": f"{url}/teams/{TEAMS_PATH}",
        "flow-url": f"{url}/workflows/{FLOW_PATH}",
        "hmac": HMAC_KEY,
        "gh-token": GITHUB_TOKEN,
    }


def configuration(url: str, **extra: str) -> NotificationConfig:
    sections = "[rollout-{0}, page, github-status, teams-card]"
    data = {
        "service.slack": f"token: $slack-token\napiURL: {url}/slack/api/\n"
        "username: rollouts\nicon: ':rocket:'",
        "service.slack.hooked": "webhookURL: $slack-hook",
        "service.pagerdutyv2": f"serviceKeys:\n  shop: $pd-key\napiURL: {url}/pagerduty",
        "service.teams": "recipientUrls:\n  ops: $teams-url",
        "service.teams-workflows.flows": "recipientUrls:\n  ops: $flow-url",
        "service.webhook.github": f"url: {url}/webhook\nsecret: $hmac\n"
        "headers:\n- name: Authorization\n  value: token $gh-token",
        "template.page": "pagerdutyv2:\n  summary: 'Rollout {{.rollout.metadata.name}}: "
        "{{.event.reason}}'\n  severity: critical\n  source: "
        "'{{.rollout.metadata.namespace}}/{{.rollout.metadata.name}}'\n"
        "  component: '{{.rollout.metadata.name}}'\n",
        "template.github-status": "webhook:\n  github:\n    method: POST\n"
        "    path: /status/{{.rollout.metadata.name}}\n"
        '    body: \'{"rollout": "{{.rollout.metadata.name}}", "reason": "{{.event.reason}}"}\'\n',
        "template.teams-card": "teams:\n  title: '{{.rollout.metadata.name}}'\n"
        '  themeColor: \'#18be52\'\n  facts: \'[{"name": "Revision", "value": '
        '"{{index .rollout.metadata.annotations "rollout.argoproj.io/revision"}}"}]\'\n',
        "trigger.on-rollout-paused": f"- send: {sections.format('paused')}",
        "trigger.on-rollout-completed": f"- send: {sections.format('completed')}",
        **extra,
    }
    return config_from_configmap(data, secrets(url))


def subscriptions(*triggers: str, services: tuple[str, ...] = SERVICES) -> dict[str, str]:
    recipients = {"slack": "#deploys", "pagerdutyv2": "shop", "teams": "ops", "flows": "ops"}
    return {f"{t}.{s}": recipients.get(s, "") for t in triggers for s in services}


@dataclass
class Run:
    worker: NotifierWorker
    sent: MemorySentKeys
    dead: MemoryDeadLetters


async def run_history(
    sim: Sim,
    config: NotificationConfig,
    client: httpx.AsyncClient,
    *,
    policy: DeliveryPolicy = FAST,
    clock: Clock | None = None,
    **options: Any,
) -> Run:
    store = InMemoryEventStore()
    stored = await store_history(store, sim.namespace, sim.name, sim.events)
    sent, dead = MemorySentKeys(), MemoryDeadLetters()
    services = build_services(config, client, timeout=policy.request_timeout)
    worker = NotifierWorker(
        store,
        config,
        services,
        clock or SystemClock(),
        dead,
        sent=sent,
        policy=policy,
        max_event_age=None,
        **options,
    )
    for item in stored:
        await worker.handle(item)
    await worker.stop()
    return Run(worker, sent, dead)
