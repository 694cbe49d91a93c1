"""Who is subscribed to what: Argo's annotations, default triggers and global subscriptions."""

from __future__ import annotations

import pytest

from adapters.notify.conditions import ConditionFailed, holds
from adapters.notify.config import config_from_configmap
from adapters.notify.planner import trigger_name
from adapters.notify.subscriptions import Destination, destinations, selector_matches

PREFIX = "notifications.argoproj.io/subscribe."


def test_annotations_map_triggers_to_destinations() -> None:
    config = config_from_configmap(
        {"defaultTriggers": "[on-rollout-completed, on-rollout-aborted]"}
    )
    annotations = {
        f"{PREFIX}on-rollout-step-completed.slack": "deploys; releases",
        f"{PREFIX}on-rollout-aborted.github": "",
        f"{PREFIX}teams": "ops",
        f"{PREFIX}.pagerduty": "shop",
        "unrelated/annotation": "x",
        f"{PREFIX}too.many.parts": "x",
    }
    table = destinations(config, annotations, {})
    assert table["on-rollout-step-completed"] == [
        Destination("slack", "deploys"),
        Destination("slack", "releases"),
    ]
    assert table["on-rollout-aborted"] == [
        Destination("github", ""),
        Destination("teams", "ops"),
        Destination("pagerduty", "shop"),
    ]
    assert table["on-rollout-completed"] == [
        Destination("teams", "ops"),
        Destination("pagerduty", "shop"),
    ]


def test_service_default_triggers_win_over_global_ones() -> None:
    config = config_from_configmap(
        {
            "defaultTriggers": "[on-rollout-completed]",
            "defaultTriggers.slack": "[on-rollout-paused]",
        }
    )
    table = destinations(config, {f"{PREFIX}slack": "c"}, {})
    assert table == {"on-rollout-paused": [Destination("slack", "c")]}


def test_global_subscriptions_follow_label_selectors() -> None:
    config = config_from_configmap(
        {
            "subscriptions": "- recipients: [slack:shop, github]\n"
            "  triggers: [on-rollout-aborted]\n  selector: team=shop,tier!=test\n"
        }
    )
    matching = destinations(config, {}, {"team": "shop", "tier": "prod"})
    assert matching == {
        "on-rollout-aborted": [Destination("slack", "shop"), Destination("github", "")]
    }
    assert destinations(config, {}, {"team": "shop", "tier": "test"}) == {}
    assert destinations(config, {}, {"team": "other"}) == {}


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("a=b", {"a": "b"}, True),
        ("a==b", {"a": "c"}, False),
        ("a!=b", {}, True),
        ("a", {"a": ""}, True),
        ("!a", {"a": "x"}, False),
        ("a=b, c", {"a": "b", "c": "1"}, True),
        ("a in (b)", {"a": "b"}, False),
    ],
)
def test_selectors(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert selector_matches(selector, labels) is expected


@pytest.mark.parametrize(
    ("reason", "trigger"),
    [
        ("RolloutStepCompleted", "on-rollout-step-completed"),
        ("AnalysisRunFailed", "on-analysis-run-failed"),
        ("ScalingReplicaSet", "on-scaling-replica-set"),
        ("RolloutAddedToInformer", "on-rollout-added-to-informer"),
        ("SwitchService", "on-switch-service"),
        ("TrafficWeightUpdated", "on-traffic-weight-updated"),
    ],
)
def test_trigger_names_follow_argo(reason: str, trigger: str) -> None:
    assert trigger_name(reason) == trigger


ROLLOUT = {
    "rollout": {
        "spec": {
            "template": {"spec": {"containers": [{"image": "argoproj/rollouts-demo:purple"}]}}
        },
        "status": {"phase": "Degraded", "currentStepIndex": 2},
    }
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("", True),
        ("rollout.spec.template.spec.containers[0].image == 'argoproj/rollouts-demo:purple'", True),
        ("rollout.status.phase in ['Healthy', 'Progressing']", False),
        ("rollout.status.currentStepIndex >= 2 and rollout.status.phase == 'Degraded'", True),
        ("rollout.status.missing == nil", True),
    ],
)
def test_when_conditions_read_the_rollout(condition: str, expected: bool) -> None:
    assert holds(condition, ROLLOUT) is expected


def test_bad_conditions_are_reported() -> None:
    with pytest.raises(ConditionFailed, match="trigger condition"):
        holds("rollout.status.phase ==", ROLLOUT)
    with pytest.raises(ConditionFailed, match="expected bool"):
        holds("rollout.status.phase", ROLLOUT)
