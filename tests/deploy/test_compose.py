"""compose.yaml: what `docker compose up` starts must work with today's CLI (no Docker here, so
the file is checked, not run): images, volumes, health checks, dependencies, command lines."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.deploy.cli_lines import parse
from tests.deploy.manifests import COMPOSE, DEPLOY, HTTP_PORT, ROOT

PREVIEW = "preview"  # services whose command needs a CLI feature not written yet


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


SERVICES: dict[str, dict[str, Any]] = compose()["services"]
ROLLOUTS = {name: s for name, s in SERVICES.items() if s.get("image") == "rollouts:dev"}
LONG_RUNNING = {name: s for name, s in ROLLOUTS.items() if s.get("restart") == "unless-stopped"}


def test_services() -> None:
    assert set(SERVICES) == {
        "nats",
        "controller",
        "timer",
        "platform",
        "analysis",
        "prometheus",
        "cli",
        "demo",
    }
    assert set(ROLLOUTS) == {"controller", "timer", "platform", "analysis", "cli", "demo"}


def test_nats_runs_jetstream_on_a_named_volume_with_a_health_check() -> None:
    nats = SERVICES["nats"]
    assert nats["image"] == "nats:2.15.1-alpine"
    command = nats["command"]
    assert "-js" in command
    assert command[command.index("-sd") + 1] == "/data"
    assert "nats-data:/data" in nats["volumes"]
    assert "nats-data" in compose()["volumes"]
    assert "/healthz" in " ".join(nats["healthcheck"]["test"])


@pytest.mark.parametrize("name", sorted(ROLLOUTS))
def test_rollouts_services_are_built_from_the_dockerfile_and_locked_down(name: str) -> None:
    service = ROLLOUTS[name]
    assert service["build"] == "."
    assert service["read_only"] is True
    assert service["tmpfs"] == ["/tmp"]
    assert service["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in service["security_opt"]


@pytest.mark.parametrize("name", sorted(set(ROLLOUTS) - {"demo"}))
def test_services_share_the_compose_nats_once_it_is_healthy(name: str) -> None:
    service = ROLLOUTS[name]
    assert service["environment"]["ROLLOUTS_NATS_URL"] == "nats://nats:4222"
    assert service["depends_on"] == {"nats": {"condition": "service_healthy"}}


def test_demo_uses_its_own_embedded_server() -> None:
    demo = SERVICES["demo"]
    assert "ROLLOUTS_NATS_URL" not in demo["environment"]
    assert "depends_on" not in demo
    assert parse(demo["command"]).params == parse(["demo"]).params


@pytest.mark.parametrize("name", sorted(LONG_RUNNING))
def test_long_running_services_check_readyz(name: str) -> None:
    test = " ".join(LONG_RUNNING[name]["healthcheck"]["test"])
    assert f"127.0.0.1:{HTTP_PORT}/readyz" in test


@pytest.mark.parametrize("name", sorted(ROLLOUTS))
def test_command_is_accepted_by_the_cli(name: str) -> None:
    service = ROLLOUTS[name]
    parsed = parse(service["command"])
    if parsed.pending:
        assert PREVIEW in service.get("profiles", []), (
            f"{name} needs {parsed.pending}: keep it out of a plain `docker compose up`"
        )


def test_plain_up_starts_only_what_works_today() -> None:
    started = {name for name, s in SERVICES.items() if not s.get("profiles")}
    assert started == {"nats", "controller", "timer", "platform", "prometheus"}
    for name in started & set(ROLLOUTS):
        assert parse(SERVICES[name]["command"]).pending == []


def test_traffic_and_scaler_share_the_process_that_holds_the_local_platform() -> None:
    """The local platform's pods live in one process: the workers driving it must be there."""
    for name, service in ROLLOUTS.items():
        command = service["command"]
        if command[0] == "worker" and {"traffic", "scaler"} & set(command):
            assert {"traffic", "scaler"} <= set(command), name


def test_every_worker_runs_somewhere() -> None:
    running = {
        word
        for name, service in ROLLOUTS.items()
        if service["command"][0] == "worker"
        for word in service["command"][1:]
    }
    assert {"controller", "timer", "traffic", "scaler", "analysis"} <= running


def test_published_ports_are_loopback_only() -> None:
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_prometheus_scrapes_the_workers_it_can_reach() -> None:
    prometheus = SERVICES["prometheus"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in prometheus["volumes"]}
    config_path = ROOT / mounts["/etc/prometheus/prometheus.yml"]
    assert config_path == DEPLOY / "compose" / "prometheus.yml"
    config = yaml.safe_load(config_path.read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    workers = {f"{name}:{HTTP_PORT}" for name, s in LONG_RUNNING.items() if not s.get("profiles")}
    assert workers <= targets
    for target in targets - workers:
        assert target.startswith("127.0.0.1:"), f"{target} is not a service of compose.yaml"
    assert "prometheus-data:/prometheus" in prometheus["volumes"]


def test_cli_service_mounts_the_examples() -> None:
    cli = SERVICES["cli"]
    assert "./deploy/examples:/examples:ro" in cli["volumes"]
    assert (ROOT / "deploy" / "examples" / "canary.yaml").exists()
    assert parse(["apply", "-f", "/examples/canary.yaml"]).params["files"]
