"""The ServiceMonitor (a Prometheus Operator type, so checked against what it must select, not
against a schema) and the NATS Helm values."""

from __future__ import annotations

import yaml

from tests.deploy.kustomize import build
from tests.deploy.manifests import DEPLOY, NAMESPACE, named, overlay


def test_service_monitor_selects_the_metrics_service_and_its_port() -> None:
    (monitor,) = build(DEPLOY / "monitoring")
    assert (monitor["apiVersion"], monitor["kind"]) == (
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
    )
    spec = monitor["spec"]
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    for name in ("split-workers", "all-in-one"):
        service = named(overlay(name), "Service", "rollouts-metrics")
        labels = service["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items())
        ports = {port["name"] for port in service["spec"]["ports"]}
        for endpoint in spec["endpoints"]:
            assert endpoint["port"] in ports
            assert endpoint["path"] == "/metrics"


def test_service_monitor_keeps_the_component_label() -> None:
    (monitor,) = build(DEPLOY / "monitoring")
    assert monitor["spec"]["podTargetLabels"] == ["app.kubernetes.io/component"]
    deployments = [m for m in overlay("split-workers") if m["kind"] == "Deployment"]
    for deployment in deployments:
        assert "app.kubernetes.io/component" in deployment["spec"]["template"]["metadata"]["labels"]


def test_nats_helm_values_run_jetstream_clustered_on_the_pinned_version() -> None:
    values = yaml.safe_load((DEPLOY / "nats-helm-values.yaml").read_text())
    assert values["config"]["jetstream"]["enabled"] is True
    assert values["config"]["jetstream"]["fileStore"]["pvc"]["enabled"] is True
    assert values["config"]["cluster"] == {"enabled": True, "replicas": 3}
    assert values["container"]["image"]["tag"].startswith("2.15.1")
    pod = values["podTemplate"]["merge"]["spec"]["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    container = values["container"]["merge"]["securityContext"]
    assert container["capabilities"] == {"drop": ["ALL"]}
    assert values["reloader"]["enabled"] is False and values["natsBox"]["enabled"] is False


def test_nats_url_in_the_configmap_is_the_helm_release_service() -> None:
    """Release `nats` in namespace `rollouts` serves at the URL the ConfigMap already holds."""
    config = named(overlay("all-in-one"), "ConfigMap", "rollouts-config")
    assert config["data"]["ROLLOUTS_NATS_URL"] == f"nats://nats.{NAMESPACE}.svc:4222"
