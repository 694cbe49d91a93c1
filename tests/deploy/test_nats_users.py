"""deploy/nats carries the embedded server's roles as NATS users with the same permissions, and
every rollouts workload connects as one of them."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import yaml

from adapters.runtime.auth import IDENTITIES, permissions
from tests.deploy.manifests import named, of_kind, overlay, pod_spec
from tests.support.nats import nats_server_binary

CONFIG = Path(__file__).parents[2] / "deploy" / "nats" / "config.yaml"
PASSWORD = re.compile(r"\$NATS_PW_([a-z]+)")


def conf() -> str:
    text: str = yaml.safe_load(CONFIG.read_text())["data"]["nats.conf"]
    return text


def users() -> dict[str, dict[str, object]]:
    lines = [line.strip() for line in conf().splitlines() if line.strip().startswith('{"user"')]
    found = [json.loads(PASSWORD.sub(r'"\1"', line)) for line in lines]
    return {entry["user"]: entry for entry in found}


def test_each_role_is_a_user_with_the_embedded_servers_permissions() -> None:
    found = users()
    assert set(found) == set(IDENTITIES)
    for identity, entry in found.items():
        assert entry["permissions"] == permissions(identity), identity
        assert entry["password"] == identity  # $NATS_PW_<user>: the Secret's key <user>


def test_the_configuration_is_valid_for_the_pinned_server(tmp_path: Path) -> None:
    path = tmp_path / "nats.conf"
    path.write_text(conf())
    env = {**os.environ, **{f"NATS_PW_{identity}": "x" for identity in IDENTITIES}}
    checked = subprocess.run(
        [str(nats_server_binary()), "-c", str(path), "-t"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout


def test_every_workload_connects_as_a_user_of_its_role() -> None:
    for name in ("split-workers", "all-in-one"):
        nats = named(overlay(name), "StatefulSet", "nats")
        (server,) = pod_spec(nats)["containers"]
        assert server["args"][:2] == ["--config", "/etc/nats/nats.conf"]
        assert server["envFrom"] == [
            {"prefix": "NATS_PW_", "secretRef": {"name": "rollouts-nats-users"}}
        ]
        for workload in of_kind(overlay(name), "Deployment"):
            (container,) = pod_spec(workload)["containers"]
            env = {item["name"]: item for item in container.get("env", [])}
            user = env["ROLLOUTS_NATS_USER"]["value"]
            role = container["args"][1] if container["args"][0] == "worker" else "serve"
            assert user == role, workload["metadata"]["name"]
            secret = env["ROLLOUTS_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]
            assert secret == {"name": "rollouts-nats-users", "key": user}
