"""The Argo CD resource actions for Rollouts, run in Lua 5.1 (Argo CD's gopher-lua dialect)
against Rollout objects: each makes the kubectl-argo-rollouts plugin's patch
(argo-semantics §2.5), and discovery offers only the actions that make sense."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from tests.deploy.manifests import DEPLOY

lua51 = pytest.importorskip("lupa.lua51", reason="lupa (dev dependency) is not installed")

CONFIG = DEPLOY / "argocd" / "argocd-cm-rollout-actions.yaml"
KEY = "resource.customizations.actions.argoproj.io_Rollout"


def actions_config() -> dict[str, Any]:
    configmap = yaml.safe_load(CONFIG.read_text())
    parsed: dict[str, Any] = yaml.safe_load(configmap["data"][KEY])
    return parsed


def action_source(name: str) -> str:
    (definition,) = [d for d in actions_config()["definitions"] if d["name"] == name]
    source: str = definition["action.lua"]
    return source


def to_python(value: Any) -> Any:
    if lua51.lua_type(value) != "table":
        return value
    items = dict(value.items())
    if items and set(items) == set(range(1, len(items) + 1)):
        return [to_python(items[index]) for index in range(1, len(items) + 1)]
    return {key: to_python(item) for key, item in items.items()}


def run(source: str, rollout: dict[str, Any]) -> Any:
    lua = lua51.LuaRuntime(unpack_returned_tuples=True)
    lua.globals().obj = lua.table_from(copy.deepcopy(rollout), recursive=True)
    function = lua.eval(f"function()\n{source}\nend")
    return to_python(function())


def rollout(spec: dict[str, Any] | None = None, **status: Any) -> dict[str, Any]:
    canary = {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 60}, {"pause": {}}]}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "guestbook", "namespace": "default"},
        "spec": {"replicas": 3, "strategy": {"canary": canary}, **(spec or {})},
        "status": status,
    }


PAUSED_AT_STEP = rollout(
    currentPodHash="new",
    stableRS="old",
    currentStepIndex=1,
    controllerPause=True,
    pauseConditions=[{"reason": "CanaryPauseStep", "startTime": "2026-01-01T00:00:00Z"}],
)
HEALTHY = rollout(currentPodHash="old", stableRS="old", currentStepIndex=4, phase="Healthy")
PROGRESSING = rollout(currentPodHash="new", stableRS="old", currentStepIndex=0)
ABORTED = rollout(currentPodHash="new", stableRS="old", currentStepIndex=0, abort=True)
MANUALLY_PAUSED = rollout(
    {"paused": True}, currentPodHash="new", stableRS="old", currentStepIndex=2
)
INCONCLUSIVE = rollout(
    currentPodHash="new",
    stableRS="old",
    currentStepIndex=0,
    controllerPause=True,
    pauseConditions=[{"reason": "InconclusiveAnalysisRun", "startTime": "2026-01-01T00:00:00Z"}],
    canary={"currentStepAnalysisRunStatus": {"name": "run", "status": "Inconclusive"}},
)


def test_every_action_discovery_offers_is_defined() -> None:
    config = actions_config()
    offered = set(run(config["discovery.lua"], HEALTHY))
    assert offered == {d["name"] for d in config["definitions"]}
    assert offered == {"promote", "promote-full", "abort", "retry", "pause", "resume"}


ENABLED = [
    ("healthy", HEALTHY, {"pause"}),
    ("progressing", PROGRESSING, {"promote", "promote-full", "abort", "pause"}),
    ("paused at a step", PAUSED_AT_STEP, {"promote", "promote-full", "abort", "pause", "resume"}),
    ("aborted", ABORTED, {"promote-full", "retry", "pause"}),
    ("manually paused", MANUALLY_PAUSED, {"promote", "promote-full", "abort", "resume"}),
]


@pytest.mark.parametrize(("case", "obj", "enabled"), ENABLED, ids=[e[0] for e in ENABLED])
def test_discovery_enables_what_applies(case: str, obj: dict[str, Any], enabled: set[str]) -> None:
    actions = run(actions_config()["discovery.lua"], obj)
    assert {name for name, action in actions.items() if not action["disabled"]} == enabled


def status_of(result: dict[str, Any]) -> dict[str, Any]:
    status: dict[str, Any] = result.get("status", {})
    return status


def test_promote_ends_a_pause_step_by_clearing_pause_conditions() -> None:
    result = run(action_source("promote"), PAUSED_AT_STEP)
    assert "pauseConditions" not in status_of(result)
    assert status_of(result)["currentStepIndex"] == 1  # the controller completes the step


def test_promote_skips_the_current_step_when_nothing_pauses() -> None:
    result = run(action_source("promote"), PROGRESSING)
    assert status_of(result)["currentStepIndex"] == 1


def test_promote_after_inconclusive_analysis_moves_past_the_step() -> None:
    result = run(action_source("promote"), INCONCLUSIVE)
    status = status_of(result)
    assert "pauseConditions" not in status
    assert status["controllerPause"] is False
    assert status["currentStepIndex"] == 1


def test_promote_unpauses_a_manual_pause_and_skips_the_step() -> None:
    result = run(action_source("promote"), MANUALLY_PAUSED)
    assert result["spec"]["paused"] is False
    assert status_of(result)["currentStepIndex"] == 3


def test_promote_never_moves_past_the_last_step() -> None:
    done = rollout(currentPodHash="new", stableRS="old", currentStepIndex=4)
    assert status_of(run(action_source("promote"), done))["currentStepIndex"] == 4


def test_promote_full_requests_full_promotion_of_an_update() -> None:
    result = run(action_source("promote-full"), MANUALLY_PAUSED)
    assert status_of(result)["promoteFull"] is True
    assert result["spec"]["paused"] is False


def test_promote_full_is_a_no_op_when_stable() -> None:
    assert "promoteFull" not in status_of(run(action_source("promote-full"), HEALTHY))


def test_abort_and_retry_set_status_abort() -> None:
    assert status_of(run(action_source("abort"), PROGRESSING))["abort"] is True
    assert status_of(run(action_source("retry"), ABORTED))["abort"] is False


def test_abort_works_on_a_rollout_without_status() -> None:
    bare = rollout()
    del bare["status"]
    assert status_of(run(action_source("abort"), bare))["abort"] is True


def test_pause_sets_spec_paused_only() -> None:
    result = run(action_source("pause"), PROGRESSING)
    assert result["spec"]["paused"] is True
    assert status_of(result) == PROGRESSING["status"]


def test_resume_clears_both_pauses() -> None:
    both = copy.deepcopy(PAUSED_AT_STEP)
    both["spec"]["paused"] = True
    result = run(action_source("resume"), both)
    assert result["spec"]["paused"] is False
    assert "pauseConditions" not in status_of(result)


@pytest.mark.parametrize("name", ["promote", "promote-full", "abort", "retry", "pause", "resume"])
def test_actions_leave_the_rest_of_the_object_alone(name: str) -> None:
    result = run(action_source(name), PAUSED_AT_STEP)
    assert result["metadata"] == PAUSED_AT_STEP["metadata"]
    assert result["spec"]["strategy"] == PAUSED_AT_STEP["spec"]["strategy"]
    assert result["spec"]["replicas"] == 3
