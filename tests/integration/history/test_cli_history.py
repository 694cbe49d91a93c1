"""audit, stats, export, import and schema through the CLI, against a running system."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nats
import pytest
from typer.testing import CliRunner

from adapters.analysis.templates import KvTemplateStore
from adapters.cli.main import app as cli_app
from adapters.history.schema import documents
from adapters.notify.config import load_config
from adapters.runtime.embedded import EmbeddedNats
from rollouts.spec import AnalysisTemplate
from tests.integration.cli.conftest import System, manifest_yaml
from tests.support.nats import NatsServer

pytestmark = pytest.mark.integration


async def deployed_then_aborted(system: System) -> None:
    applied = await system.cli("apply", "-f", system.write("v1.yaml", manifest_yaml()))
    assert applied.exit_code == 0, applied.output
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.stdout.splitlines()[-1] == "Healthy", healthy.output
    updated = await system.cli("set", "image", "demo", "demo=nginx:2")
    assert updated.exit_code == 0, updated.output
    await system.until(
        lambda r: r.stdout == "Paused - CanaryPauseStep\n", "status", "demo", "--no-watch"
    )
    aborted = await system.cli("abort", "demo")
    assert aborted.exit_code == 0, aborted.output
    await system.until(lambda r: r.stdout.startswith("Degraded"), "status", "demo", "--no-watch")
    await system.settled()


async def test_audit_names_who_did_what(system: System, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLOUTS_ACTOR", "alice")
    await deployed_then_aborted(system)

    markdown = await system.cli("audit", "demo", "-o", "markdown")
    assert markdown.exit_code == 0, markdown.output
    lines = markdown.stdout.splitlines()
    assert lines[0] == "# Rollout audit: default/demo"
    assert "## Revision 2: nginx:2 " in markdown.stdout
    abort = next(line for line in lines if "| user alice@cli: abort |" in line)
    assert "ABORTED revision 2" in abort and "phase Paused -> Degraded (abort)" in abort
    assert any("| user alice@cli: set image demo=nginx:2 |" in line for line in lines)

    document = json.loads((await system.cli("audit", "demo", "-o", "json")).stdout)
    second = document["revisions"][1]
    assert (second["revision"], second["outcome"]) == (2, "aborted")
    causes = [entry["cause"] for entry in second["timeline"]]
    abort_cause = next(c for c in causes if c["summary"] == "abort")
    assert abort_cause["from_inputs_stream"] and abort_cause["input_type"] == "Abort"
    assert abort_cause["actor"] == "alice@cli" and abort_cause["published_at"]
    assert {c["kind"] for c in causes} >= {"command", "replicaset", "router"}

    # the actor: the OS user (here ROLLOUTS_ACTOR) @ the NATS user the server authenticated
    events = (await system.cli("events", "demo")).stdout
    assert "command abort accepted by alice@cli" in events
    assert "command apply accepted by alice@cli" in events
    assert "command set image container=demo image=nginx:2 accepted by alice@cli" in events

    text = await system.cli("audit", "demo", "--since", "1h")
    assert text.exit_code == 0 and "REVISION 2  nginx:2" in text.stdout
    future = await system.cli("audit", "demo", "--since", "2999-01-01")
    assert future.stdout.startswith("Rollout default/demo: 0 revision(s), events #1-#")
    bad = await system.cli("audit", "demo", "--since", "last tuesday")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: bad time 'last tuesday'")
    missing = await system.cli("audit", "ghost")
    assert (missing.exit_code, missing.stderr) == (3, "error: rollout default/ghost not found\n")

    stats = json.loads((await system.cli("stats", "-o", "json")).stdout)
    overall = stats["overall"]
    assert (overall["deployments"], overall["failed_deployments"]) == (2, 1)
    assert overall["change_failure_rate"] == 0.5
    assert overall["time_to_restore_seconds"]["unresolved"] == 1
    table = await system.cli("stats")
    assert table.stdout.splitlines()[2].split()[:5] == ["default/demo", "2", "2.00", "1", "50%"]


async def test_export_then_import_elsewhere(system: System, tmp_path: Path) -> None:
    await deployed_then_aborted(system)
    file = tmp_path / "demo.jsonl"
    exported = await system.cli("export", "demo", "-o", str(file))
    assert exported.exit_code == 0, exported.output
    count = len(file.read_text().splitlines())
    assert (
        exported.stderr == f"exported {count} events of 1 rollout(s) and 0 template(s) to {file}\n"
    )
    piped = await system.cli("export")
    assert piped.stdout == file.read_text()

    refused = await system.cli("import", "-f", str(file))
    assert refused.exit_code == 1
    assert "already has events of default/demo" in refused.stderr

    with NatsServer() as empty:
        imported = await system.cli("import", "-f", str(file), "--nats-url", empty.url)
        assert imported.exit_code == 0, imported.output
        assert imported.stdout.startswith(f"imported {count} events of 1 rollout(s), ")
        assert imported.stdout.endswith("in 1 atomic batch(es), and 0 template(s)\n")
        copy = await system.cli("export", "--nats-url", empty.url)
        assert copy.stdout == file.read_text()
        shown = await system.cli("get", "rollout", "demo", "--nats-url", empty.url)
        assert "Degraded" in shown.stdout

    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text(file.read_text().splitlines()[1] + "\n")
    bad = await system.cli("import", "-f", str(damaged))
    assert bad.exit_code == 1 and "line 1:" in bad.stderr and "nothing was imported" in bad.stderr


async def test_import_needs_no_running_server(system: System, tmp_path: Path) -> None:
    """Into a fresh data directory with nothing running: the embedded server is started for
    the import's duration, and what it stored is there for the next `serve`."""
    await deployed_then_aborted(system)
    file = tmp_path / "demo.jsonl"
    assert (await system.cli("export", "demo", "-o", str(file))).exit_code == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    runner_args = ("--data-dir", str(fresh))
    imported = await asyncio.to_thread(
        CliRunner().invoke, cli_app, ["import", "-f", str(file), *runner_args]
    )
    assert imported.exit_code == 0, imported.output
    assert not (fresh / "server.json").exists()  # stopped again
    server = EmbeddedNats(fresh)
    await server.start()  # what `serve` would start on that directory
    try:
        again = await asyncio.to_thread(CliRunner().invoke, cli_app, ["export", *runner_args])
    finally:
        await server.stop()
    assert again.exit_code == 0, again.output
    assert again.stdout == file.read_text()


NOTIFICATIONS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: argo-rollouts-notification-configmap}
data:
  service.webhook.hook: |
    url: http://127.0.0.1:9/hook
    headers:
    - name: Authorization
      value: $hook-token
  template.done: |
    webhook:
      hook:
        method: POST
        body: '{{.rollout.metadata.name}}'
  trigger.on-rollout-completed: |
    - send: [done]
---
apiVersion: v1
kind: Secret
metadata: {name: argo-rollouts-notification-secret}
stringData:
  hook-token: s3cr3t-token
"""


async def test_templates_and_notifications_travel(system: System, tmp_path: Path) -> None:
    """Templates (every one of the bucket) and the notification configuration (without its
    Secret) go with the export and arrive with the import."""
    await deployed_then_aborted(system)
    assert system.app.connection is not None
    smoke = AnalysisTemplate.model_validate(
        {
            "metadata": {"name": "smoke", "namespace": "default"},
            "spec": {"metrics": [{"name": "m", "provider": {"prometheus": {"query": "up"}}}]},
        }
    )
    await KvTemplateStore(system.app.connection.js).put(smoke)
    config = Path(system.write("notifications.yaml", NOTIFICATIONS))
    file = tmp_path / "demo.jsonl"
    exported = await system.cli("export", "-o", str(file), "--notifications", str(config))
    assert exported.exit_code == 0, exported.output
    assert "1 template(s)" in exported.stderr
    assert "s3cr3t-token" not in file.read_text()

    written = tmp_path / "out" / "notifications.yaml"
    with NatsServer() as empty:
        url = ("--nats-url", empty.url)
        imported = await system.cli(
            "import", "-f", str(file), "--notifications-out", str(written), *url
        )
        assert imported.exit_code == 0, imported.output
        assert "and 1 template(s)\n" in imported.stdout
        assert f"notification config written to {written}" in imported.stdout
        client = await nats.connect(empty.url)
        try:
            copy = await KvTemplateStore(client.jetstream()).get(
                "AnalysisTemplate", "default", "smoke"
            )
        finally:
            await client.close()
    assert copy == smoke
    loaded = load_config(written, {"hook-token": "t"})
    assert "done" in loaded.templates and "s3cr3t-token" not in written.read_text()


async def test_schema_needs_no_server(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from adapters.cli.main import app

    result = CliRunner().invoke(app, ["schema", "events", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {len(documents())} files to {tmp_path / 'out'}\n"
    assert json.loads((tmp_path / "out" / "asyncapi.json").read_text())["asyncapi"] == "3.0.0"
