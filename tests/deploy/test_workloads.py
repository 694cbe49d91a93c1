"""The pods: hardened security contexts, probes on the HTTP port, resources, settings from the
ConfigMap, and command lines the `rollouts` CLI accepts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.cli_lines import PENDING_OPTIONS, PENDING_WORKERS, parse
from tests.deploy.manifests import (
    HTTP_PORT,
    OVERLAYS,
    named,
    of_kind,
    overlay,
    pod_spec,
)


def workloads(name: str) -> list[dict[str, Any]]:
    objects = overlay(name)
    return [*of_kind(objects, "Deployment"), *of_kind(objects, "StatefulSet")]


def all_workloads() -> list[tuple[str, dict[str, Any]]]:
    return [(name, workload) for name in OVERLAYS for workload in workloads(name)]


def ids(item: tuple[str, dict[str, Any]]) -> str:
    return f"{item[0]}/{item[1]['metadata']['name']}"


WORKLOADS = all_workloads()


@pytest.mark.parametrize("item", WORKLOADS, ids=[ids(w) for w in WORKLOADS])
def test_pod_runs_non_root_with_runtime_default_seccomp(item: tuple[str, dict[str, Any]]) -> None:
    context = pod_spec(item[1])["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["runAsUser"] > 0
    assert context["runAsGroup"] > 0
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}


@pytest.mark.parametrize("item", WORKLOADS, ids=[ids(w) for w in WORKLOADS])
def test_containers_are_locked_down(item: tuple[str, dict[str, Any]]) -> None:
    for container in pod_spec(item[1])["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context.get("privileged", False) is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert "add" not in context["capabilities"]


@pytest.mark.parametrize("item", WORKLOADS, ids=[ids(w) for w in WORKLOADS])
def test_containers_have_requests_and_limits(item: tuple[str, dict[str, Any]]) -> None:
    for container in pod_spec(item[1])["containers"]:
        resources = container["resources"]
        assert set(resources["requests"]) == {"cpu", "memory"}
        assert set(resources["limits"]) == {"cpu", "memory"}


def rollouts_containers() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (name, workload["metadata"]["name"], container)
        for name in OVERLAYS
        for workload in of_kind(overlay(name), "Deployment")
        for container in pod_spec(workload)["containers"]
    ]


CONTAINERS = rollouts_containers()
CONTAINER_IDS = [f"{o}/{w}" for o, w, _ in CONTAINERS]


@pytest.mark.parametrize(("overlay_name", "workload", "container"), CONTAINERS, ids=CONTAINER_IDS)
def test_probes_use_healthz_and_readyz_on_the_http_port(
    overlay_name: str, workload: str, container: dict[str, Any]
) -> None:
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": HTTP_PORT}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


@pytest.mark.parametrize(("overlay_name", "workload", "container"), CONTAINERS, ids=CONTAINER_IDS)
def test_nats_url_comes_from_the_configmap(
    overlay_name: str, workload: str, container: dict[str, Any]
) -> None:
    config = named(overlay(overlay_name), "ConfigMap", "rollouts-config")
    assert config["data"]["ROLLOUTS_NATS_URL"] == "nats://nats.rollouts.svc:4222"
    assert {"configMapRef": {"name": "rollouts-config"}} in container["envFrom"]
    assert not any(env["name"] == "ROLLOUTS_NATS_URL" for env in container.get("env", []))


@pytest.mark.parametrize(("overlay_name", "workload", "container"), CONTAINERS, ids=CONTAINER_IDS)
def test_the_only_writable_path_is_tmp(
    overlay_name: str, workload: str, container: dict[str, Any]
) -> None:
    spec = pod_spec(named(overlay(overlay_name), "Deployment", workload))
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    assert mounts == {"/tmp": "tmp"}
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert "emptyDir" in volumes["tmp"]
    config = named(overlay(overlay_name), "ConfigMap", "rollouts-config")
    assert config["data"]["ROLLOUTS_DATA_DIR"].startswith("/tmp/")


@pytest.mark.parametrize(("overlay_name", "workload", "container"), CONTAINERS, ids=CONTAINER_IDS)
def test_command_line_is_accepted_by_the_cli(
    overlay_name: str, workload: str, container: dict[str, Any]
) -> None:
    assert "command" not in container, "the image's ENTRYPOINT is `rollouts`"
    parsed = parse(container["args"])
    assert parsed.params["http_port"] == HTTP_PORT
    assert parsed.params["http_address"] == "0.0.0.0", "probes and Prometheus need the pod IP"


SPLIT_ARGS = {
    "controller": [
        "worker",
        "controller",
        "--platform",
        "kubernetes",
        "--http-port",
        "8090",
        "--http-address",
        "0.0.0.0",
    ],
    "traffic": [
        "worker",
        "traffic",
        "--platform",
        "kubernetes",
        "--http-port",
        "8090",
        "--http-address",
        "0.0.0.0",
    ],
    "scaler": [
        "worker",
        "scaler",
        "--platform",
        "kubernetes",
        "--http-port",
        "8090",
        "--http-address",
        "0.0.0.0",
    ],
    "timer": ["worker", "timer", "--http-port", "8090", "--http-address", "0.0.0.0"],
    "analysis": [
        "worker",
        "analysis",
        "--platform",
        "kubernetes",
        "--http-port",
        "8090",
        "--http-address",
        "0.0.0.0",
    ],
    "notifier": [
        "worker",
        "notifier",
        "--platform",
        "kubernetes",
        "--http-port",
        "8090",
        "--http-address",
        "0.0.0.0",
    ],
}


@pytest.mark.parametrize(("worker", "args"), SPLIT_ARGS.items())
def test_split_workers_run_one_worker_each(worker: str, args: list[str]) -> None:
    deployment = named(overlay("split-workers"), "Deployment", f"rollouts-{worker}")
    (container,) = pod_spec(deployment)["containers"]
    assert container["args"] == args
    assert deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == (
        worker
    )


def test_all_in_one_runs_serve_on_the_kubernetes_platform() -> None:
    (deployment,) = of_kind(overlay("all-in-one"), "Deployment")
    (container,) = pod_spec(deployment)["containers"]
    assert container["args"] == [
        "serve",
        "--platform",
        "kubernetes",
        "--http-port",
        "8090",
        "--http-address",
        "0.0.0.0",
    ]


def test_pending_cli_features_are_the_documented_ones() -> None:
    """What the manifests use that the CLI lacks today is exactly PENDING (and nothing else)."""
    found = {item for _, _, c in CONTAINERS for item in parse(c["args"]).pending}
    allowed = {f"{option} kubernetes" for option in PENDING_OPTIONS} | {
        f"worker {worker}" for worker in PENDING_WORKERS
    }
    assert found <= allowed


def test_nats_runs_jetstream_on_its_volume_with_probes() -> None:
    nats = named(overlay("split-workers"), "StatefulSet", "nats")
    (container,) = pod_spec(nats)["containers"]
    assert container["image"] == "nats:2.15.1"
    args = container["args"]
    assert "-js" in args
    assert args[args.index("-sd") + 1] == "/data"
    assert {"name": "data", "mountPath": "/data"} in container["volumeMounts"]
    (claim,) = nats["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    assert claim["spec"]["resources"]["requests"]["storage"]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] == "monitor"
    assert "monitor" in {port["name"] for port in container["ports"]}
    assert nats["spec"]["serviceName"] == "nats"
    assert named(overlay("split-workers"), "Service", "nats")["spec"]["clusterIP"] == "None"


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("name", OVERLAYS)
def test_metrics_service_selects_every_rollouts_pod_and_not_nats(name: str) -> None:
    objects = overlay(name)
    selector = named(objects, "Service", "rollouts-metrics")["spec"]["selector"]
    for workload in workloads(name):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        is_rollouts = workload["kind"] == "Deployment"
        assert _matches(selector, labels) is is_rollouts, workload["metadata"]["name"]


@pytest.mark.parametrize("name", OVERLAYS)
def test_network_policy_lets_only_rollouts_pods_reach_nats(name: str) -> None:
    objects = overlay(name)
    policy = named(objects, "NetworkPolicy", "nats-clients")["spec"]
    nats = named(objects, "StatefulSet", "nats")["spec"]["template"]["metadata"]["labels"]
    assert _matches(policy["podSelector"]["matchLabels"], nats)
    client_rule = next(rule for rule in policy["ingress"] if rule.get("ports"))
    assert client_rule["ports"] == [{"port": 4222, "protocol": "TCP"}]
    (source,) = client_rule["from"]
    for deployment in of_kind(objects, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert _matches(source["podSelector"]["matchLabels"], labels)
    for rule in policy["ingress"]:
        for peer in rule["from"]:
            assert "ipBlock" not in peer and "namespaceSelector" not in peer


def test_deployment_selectors_match_their_pods_and_do_not_overlap() -> None:
    deployments = of_kind(overlay("split-workers"), "Deployment")
    for deployment in deployments:
        selector = deployment["spec"]["selector"]["matchLabels"]
        for other in deployments:
            labels = other["spec"]["template"]["metadata"]["labels"]
            assert _matches(selector, labels) is (other is deployment)
