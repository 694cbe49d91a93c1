"""The pure pieces: which status changes are commands, the status patch, the manifest applied,
who made a change, and finding the cluster configuration. No servers needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import events.inputs as inp
from adapters.kubernetes.commands import StatusCommand, status_commands
from adapters.kubernetes.config import KubernetesConfigError, load_api_client
from adapters.kubernetes.objects import LAST_APPLIED, newer, spec_manifest
from adapters.kubernetes.status.patch import fingerprint, merge_diff
from adapters.kubernetes.watcher import FIELD_MANAGER, actor_of

Obj = dict[str, Any]
TEST_CA = """\
-----BEGIN CERTIFICATE-----
MIIBezCCASGgAwIBAgIUMQxSJOHy2tSU3FHlF0wLXYopfQkwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHdGVzdC1jYTAgFw0yNjExMjYwODQxNDdaGA8yMTI2MTEwMjA4
NDE0N1owEjEQMA4GA1UEAwwHdGVzdC1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABDYi18e2wZuTMHd3xzBkyYjvxJfqS0rmBSejnYh/yl+kMC5NYC04NhnCyGv1
Xu/O7ynMzdlF/OXXwrfyw0i5IWCjUzBRMB0GA1UdDgQWBBSnVj6aS+tKICRS0zDr
YlT4AVjaJjAfBgNVHSMEGDAWgBSnVj6aS+tKICRS0zDrYlT4AVjaJjAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIE/1AEmvfqjG1MGjrDHzgy3yXtxx
arXTiOTR44MZuRCuAiEAwLi6+uIZMqEqwGGYODZaLFpeZFL/4i2sXgDmqJaMsKQ=
-----END CERTIFICATE-----
"""
"""A self-signed CA certificate (no key kept), standing in for the pod's service-account CA."""
PAUSED = [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T00:00:00Z"}]
CURRENT = {"observedGeneration": "2", "currentPodHash": "new", "stableRS": "old"}
AT_PAUSE = {**CURRENT, "currentStepIndex": 1, "pauseConditions": PAUSED, "controllerPause": True}
AT_STEP = {**CURRENT, "currentStepIndex": 1}
ABORTED = {**CURRENT, "currentStepIndex": 0, "abort": True}

# (case, old status (None: first sight), new status, wanted status, expected commands)
CASES: list[tuple[str, Obj | None, Obj, Obj, list[str]]] = [
    ("abort", AT_STEP, {**AT_STEP, "abort": True}, AT_STEP, ["abort"]),
    ("abort already wanted", AT_STEP, {**AT_STEP, "abort": True}, ABORTED, []),
    ("retry", ABORTED, {**ABORTED, "abort": False}, ABORTED, ["retry"]),
    (
        "retry by Argo CD (field removed)",
        ABORTED,
        CURRENT | {"currentStepIndex": 0},
        ABORTED,
        ["retry"],
    ),
    ("retry already done", ABORTED, {**ABORTED, "abort": False}, AT_STEP, []),
    ("promote --full", AT_STEP, {**AT_STEP, "promoteFull": True}, AT_STEP, ["promote-full"]),
    (
        "promote ends a pause",
        AT_PAUSE,
        {**AT_PAUSE, "pauseConditions": None},
        AT_PAUSE,
        ["promote"],
    ),
    ("pause already over", AT_PAUSE, {**AT_PAUSE, "pauseConditions": None}, AT_STEP, []),
    (
        "promote skips a step",
        AT_STEP,
        {**AT_STEP, "pauseConditions": None, "currentStepIndex": 2},
        AT_STEP,
        ["promote"],
    ),
    (
        "promote past an inconclusive run",
        AT_PAUSE,
        {**AT_PAUSE, "pauseConditions": None, "controllerPause": False, "currentStepIndex": 2},
        AT_PAUSE,
        ["promote"],
    ),
    ("skip all steps", AT_STEP, {**AT_STEP, "currentStepIndex": 4}, AT_STEP, ["promote-full"]),
    ("step index moved back", AT_STEP, {**AT_STEP, "currentStepIndex": 0}, AT_STEP, []),
    (
        "our own late write",
        AT_STEP,
        {**AT_STEP, "currentStepIndex": 2},
        {**AT_STEP, "currentStepIndex": 3},
        [],
    ),
    (
        "the controller got there first",
        AT_STEP,
        {**AT_STEP, "currentStepIndex": 2},
        {**AT_STEP, "currentStepIndex": 2},
        [],
    ),
    ("nothing changed", AT_STEP, AT_STEP, AT_STEP, []),
    ("first sight: abort", None, {**AT_STEP, "abort": True}, AT_STEP, ["abort"]),
    (
        "first sight: promote --full",
        None,
        {**AT_STEP, "promoteFull": True},
        AT_STEP,
        ["promote-full"],
    ),
    (
        "first sight: stale status",
        None,
        {**AT_STEP, "abort": True, "observedGeneration": "1"},
        AT_STEP,
        [],
    ),
    ("first sight: pause cleared", None, {**AT_PAUSE, "pauseConditions": None}, AT_PAUSE, []),
    ("first sight: retried", None, {**ABORTED, "abort": False}, ABORTED, []),
]


@pytest.mark.parametrize(
    ("old", "new", "wanted", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_which_status_changes_are_commands(
    old: Obj | None, new: Obj, wanted: Obj, expected: list[str]
) -> None:
    found = status_commands(old, new, wanted, step_count=4)
    assert [command.name for command in found] == expected


def test_commands_become_inputs() -> None:
    assert isinstance(StatusCommand("abort", "").to_input("i", "a"), inp.Abort)
    assert isinstance(StatusCommand("retry", "").to_input("i", "a"), inp.Retry)
    promote = StatusCommand("promote-full", "").to_input("i", "kubernetes")
    assert isinstance(promote, inp.Promote) and promote.full and promote.actor == "kubernetes"


def test_the_status_patch_carries_only_what_differs() -> None:
    current = {
        "phase": "Paused",
        "pauseConditions": PAUSED,
        "canary": {"weights": {"canary": {"weight": 5}}, "stablePingPong": "ping"},
        "restartedAt": "kept",
    }
    wanted = {
        "phase": "Progressing",
        "pauseConditions": None,
        "abort": None,
        "canary": {"weights": {"canary": {"weight": 5}}, "currentStepAnalysisRunStatus": None},
        "blueGreen": {"activeSelector": None},
    }
    assert merge_diff(current, wanted) == {
        "phase": "Progressing",
        "pauseConditions": None,
        "blueGreen": {},
    }
    assert merge_diff({**current, "phase": "Progressing", "blueGreen": {}}, wanted) == {
        "pauseConditions": None
    }


def test_a_fingerprint_sees_through_what_a_merge_patch_drops() -> None:
    wanted = {"phase": "Healthy", "abort": None, "canary": {"weights": None}, "blueGreen": {}}
    applied = {"phase": "Healthy", "canary": {}, "someOtherControllersField": "not ours"}
    assert fingerprint(wanted) == fingerprint(applied)
    assert fingerprint(wanted) != fingerprint({**applied, "abort": True})


def test_the_manifest_applied_has_no_server_fields() -> None:
    obj = {
        "apiVersion": "example.com/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "prod",
            "uid": "u",
            "resourceVersion": "9",
            "generation": 4,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "kubectl"}],
            "labels": {"team": "a"},
            "annotations": {LAST_APPLIED: "{...}", "note": "kept"},
        },
        "spec": {"replicas": 2},
        "status": {"phase": "Healthy"},
    }
    assert spec_manifest(obj) == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "prod",
            "generation": 4,
            "labels": {"team": "a"},
            "annotations": {"note": "kept"},
        },
        "spec": {"replicas": 2},
    }


def test_later_versions_and_recreated_objects_win() -> None:
    def version(uid: str, rv: str) -> Obj:
        return {"metadata": {"uid": uid, "resourceVersion": rv}}

    assert newer(version("a", "10"), version("a", "9"))
    assert not newer(version("a", "9"), version("a", "10"))
    assert newer(version("b", "1"), version("a", "10"))
    assert newer(version("a", "1"), None)


def test_the_actor_is_the_last_manager_of_the_changed_part() -> None:
    fields = [
        {"manager": "argocd-controller", "operation": "Update", "time": "2026-01-01T00:00:01Z"},
        {"manager": FIELD_MANAGER, "subresource": "status", "time": "2026-01-01T00:00:09Z"},
        {
            "manager": "kubectl-argo-rollouts",
            "subresource": "status",
            "time": "2026-01-01T00:00:05Z",
        },
    ]
    obj = {"metadata": {"managedFields": fields}}
    assert actor_of(obj, "status", "kubernetes") == "kubernetes:kubectl-argo-rollouts"
    assert actor_of(obj, None, "kubernetes") == "kubernetes:argocd-controller"
    assert actor_of({"metadata": {}}, None, "kubernetes") == "kubernetes"


async def test_no_configuration_is_one_clear_line(tmp_path: Path) -> None:
    token = tmp_path / "token"
    environ = {"HOME": str(tmp_path)}
    with pytest.raises(KubernetesConfigError, match=r"\.kube/config does not exist and this is"):
        await load_api_client(environ=environ, token_file=token)
    with pytest.raises(KubernetesConfigError, match=r"^kubeconfig /nowhere does not exist$"):
        await load_api_client(Path("/nowhere"), environ=environ, token_file=token)
    broken = tmp_path / "config"
    broken.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n")
    with pytest.raises(KubernetesConfigError, match=r"^kubeconfig .*config: ") as caught:
        await load_api_client(broken, "missing", environ=environ, token_file=token)
    assert "\n" not in str(caught.value)


async def test_a_pod_uses_its_service_account(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("secret-token")
    environ = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    with pytest.raises(KubernetesConfigError, match=r"^in-cluster configuration: .*cert"):
        await load_api_client(environ=environ, token_file=token)
    (tmp_path / "ca.crt").write_text(TEST_CA)
    async with await load_api_client(environ=environ, token_file=token) as api_client:
        assert api_client.configuration.host == "https://10.0.0.1:443"
        assert api_client.configuration.api_key["BearerToken"] == "Bearer secret-token"
