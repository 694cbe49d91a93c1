"""Argo's notification ConfigMap, Secret and NotificationTemplate documents, and the catalog."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import yaml

from adapters.notify.config import (
    BUILTIN_TRIGGERS,
    ConfigError,
    Masker,
    config_from_configmap,
    config_from_documents,
    load_config,
    load_secrets,
)

CONFORMANCE = Path(__file__).parents[2] / "data" / "conformance"
ARGO_TRIGGERS = {
    "on-rollout-completed": "rollout-completed",
    "on-rollout-step-completed": "rollout-step-completed",
    "on-rollout-updated": "rollout-updated",
    "on-scaling-replica-set": "scaling-replicaset",
    "on-rollout-aborted": "rollout-aborted",
    "on-rollout-paused": "rollout-paused",
    "on-analysis-run-running": "analysis-run-running",
    "on-analysis-run-failed": "analysis-run-failed",
    "on-analysis-run-error": "analysis-run-error",
}
OUR_TRIGGERS = {"on-rollout-paused-too-long": "rollout-paused-too-long"}
"""Triggers of our own events (the maximum pause policy), next to Argo's catalog."""


def test_builtin_catalog_has_argos_triggers_and_templates() -> None:
    config = config_from_configmap({})
    catalog = {**ARGO_TRIGGERS, **OUR_TRIGGERS}
    assert {name: c[0].send for name, c in config.triggers.items()} == {
        trigger: (template,) for trigger, template in catalog.items()
    }
    assert set(config.templates) == set(catalog.values())
    assert set(BUILTIN_TRIGGERS) == set(catalog)


def test_argo_example_configmap() -> None:
    config = load_config(
        CONFORMANCE / "argo-examples" / "notifications__configmap.yaml",
        {"slack-token": "xoxb-0000-secret"},
    )
    (purple,) = config.triggers["on-purple"]
    assert purple.send == ("my-purple-template",)
    assert purple.when == (
        "rollout.spec.template.spec.containers[0].image == 'argoproj/rollouts-demo:purple'"
    )
    template = config.templates["my-purple-template"]
    assert template["message"] == "Rollout {{.rollout.metadata.name}} has purple image\n"
    assert json.loads(template["slack"]["attachments"].replace("{{ .rollout.metadata.name}}", "x"))
    assert config.services["slack"].type == "slack"
    assert config.services["slack"].options == {"token": "xoxb-0000-secret"}
    assert "on-rollout-completed" in config.triggers  # the catalog stays available
    assert config.warnings == ()


def test_seed_configuration_with_a_notification_template_document() -> None:
    config = load_config(CONFORMANCE / "seed" / "notifications.yaml", {"slack-token": "t-123456"})
    assert config.services["slack"].options["token"] == "t-123456"
    template = config.templates["rollout-analysisfailed"]
    assert "{{.analysisRun.status.metricResults | toJson}}" in template["message"]
    assert "attachments" in template["slack"]


def test_once_per_is_reported_as_unsupported() -> None:
    config = config_from_configmap(
        {"trigger.on-x": "- send: [a]\n  oncePer: rollout.metadata.name"}
    )
    assert config.warnings == (
        "trigger.on-x: oncePer is not supported; the trigger fires each time",
    )


def test_unresolved_secret_is_kept_and_reported() -> None:
    config = config_from_configmap({"service.slack": "token: $missing-token"})
    assert config.services["slack"].options["token"] == "$missing-token"
    assert config.warnings == ("secret $missing-token is not in the notification secret",)


def test_named_services_defaults_and_subscriptions() -> None:
    data = {
        "service.webhook.github": "url: https://api.github.com\nsecret: $hmac\n"
        "headers:\n- name: Authorization\n  value: token $gh\n",
        "service.slack.ops": {"token": "$slack"},
        "defaultTriggers": "- on-rollout-completed\n- on-rollout-aborted\n",
        "defaultTriggers.ops": "[on-rollout-aborted]",
        "subscriptions": "- recipients: [ops:deploys, github]\n  selector: team=shop\n",
        "context": "environment: production\n",
    }
    config = config_from_configmap(data, {"hmac": "k-hmac-1", "gh": "ghp_abc", "slack": "xoxb-1"})
    github = config.services["github"]
    assert (github.type, github.options["secret"]) == ("webhook", "k-hmac-1")
    assert github.options["headers"] == [{"name": "Authorization", "value": "token ghp_abc"}]
    assert config.services["ops"].type == "slack"
    assert config.default_triggers == ("on-rollout-completed", "on-rollout-aborted")
    assert config.service_default_triggers == {"ops": ("on-rollout-aborted",)}
    (subscription,) = config.subscriptions
    assert subscription.recipients == ("ops:deploys", "github")
    assert subscription.selector == "team=shop"
    assert config.context == {"environment": "production"}
    assert set(config.secret_values) == {"k-hmac-1", "ghp_abc", "xoxb-1"}


def test_secret_documents_and_files(tmp_path: Path) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "argo-rollouts-notification-secret"},
        "data": {"slack-token": base64.b64encode(b"xoxb-from-data").decode()},
        "stringData": {"pd-key": "R0UTINGKEY"},
    }
    configmap = {
        "kind": "ConfigMap",
        "metadata": {"name": "argo-rollouts-notification-configmap"},
        "data": {
            "service.slack": "token: $slack-token",
            "service.pagerdutyv2": "serviceKeys:\n  shop: $pd-key",
        },
    }
    config = config_from_documents([configmap, secret])
    assert config.services["slack"].options["token"] == "xoxb-from-data"
    assert config.services["pagerdutyv2"].options["serviceKeys"] == {"shop": "R0UTINGKEY"}
    flat = tmp_path / "secret.json"
    flat.write_text(json.dumps({"slack-token": "xoxb-flat"}))
    assert load_secrets(flat) == {"slack-token": "xoxb-flat"}
    as_yaml = tmp_path / "secret.yaml"
    as_yaml.write_text(yaml.safe_dump(secret))
    assert load_secrets(as_yaml)["pd-key"] == "R0UTINGKEY"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"trigger.on-x": "send: [a]"}, "expected a list"),
        ({"trigger.on-x": "- when: 'true'"}, "needs `send"),
        ({"template.x": "message: '{{.rollout.metadata.name'"}, "template.x.message"),
        ({"template.x": "- a list"}, "expected a mapping"),
        ({"service.slack": "token: [unclosed"}, "invalid YAML"),
        ({"service.slack": "- a\n- b"}, "expected a mapping of service settings"),
        ({"subscriptions": "recipients: [a]"}, "expected a list"),
    ],
)
def test_malformed_configuration_names_the_key(data: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_configmap(data)


def test_masker_hides_secrets_and_their_encodings() -> None:
    masker = Masker(["s3cr3t/token+x", "abc"])
    text = "token=s3cr3t/token+x url=s3cr3t%2Ftoken%2Bx b64=czNjcjN0L3Rva2VuK3g= short=abc"
    assert masker(text) == "token=***** url=***** b64=***** short=abc"
    assert masker.extended(["other-secret"])("other-secret s3cr3t/token+x") == "***** *****"
