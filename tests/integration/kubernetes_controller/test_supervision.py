"""The Kubernetes loops under the app's supervisor, with injected faults: a dead watch is
restarted and resumes, a status write that crashes is logged, counted and retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from structlog.testing import capture_logs

from adapters.kubernetes.informer import Informer
from adapters.kubernetes.status import writer as status_writer
from tests.integration.kubernetes_controller.harness import System, payments, status

pytestmark = pytest.mark.integration


def failures(system: System, task: str) -> float | None:
    assert system.app is not None
    registry = system.app.app.metrics.registry
    labels = {"task": task, "action": "restarted"}
    return registry.get_sample_value("rollouts_task_failures_total", labels)


def fail_once(method: Callable[..., Any]) -> Callable[..., Any]:
    failed = False

    async def faulty(self: Informer) -> None:
        nonlocal failed
        if not failed and self.resource.name.startswith("rollouts."):
            failed = True
            raise RuntimeError("injected fault in the Rollout watch")
        await method(self)

    return faulty


async def test_a_dead_rollout_watch_is_restarted_and_sees_new_rollouts(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    await system.stop()
    monkeypatch.setattr(Informer, "run", fail_once(Informer.run))
    with capture_logs() as logs:
        await system.start()  # waits until every watch has listed: after the restart
        system.kube.create(payments(replicas=2))
        await system.wait(lambda o: status(o).get("phase") == "Healthy")
    (failed,) = [line for line in logs if line["event"] == "task.failed"]
    assert failed["task"] == "watch-rollouts.argoproj.io in all namespaces"
    assert failed["action"] == "restarted"
    assert str(failed["exc_info"]) == "injected fault in the Rollout watch"
    assert failures(system, failed["task"]) == 1.0
    assert system.app is not None and system.app.ready


async def test_a_crashing_status_write_is_logged_counted_and_retried(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = status_writer.rollout_status  # type: ignore[attr-defined]  # patched where used
    calls = 0

    def crashes_once(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise KeyError("injected fault in the status computation")
        return real(*args)

    monkeypatch.setattr(status_writer, "rollout_status", crashes_once)
    with capture_logs() as logs:
        system.kube.create(payments(replicas=2))
        await system.wait(lambda o: status(o).get("phase") == "Healthy")
    (crashed,) = [line for line in logs if line["event"] == "kubernetes.status_write_crashed"]
    assert crashed["rollout"] == "production/payments-api" and crashed["exc_info"] is True
    assert failures(system, "status-writer") == 1.0
