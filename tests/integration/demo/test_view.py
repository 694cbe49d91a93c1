"""The demo's measurements and views, without running the scenario: the traffic window and
the live panel (the piped test of the scenario never draws it)."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console

from adapters.demo.panel import render
from adapters.demo.split import TrafficSplit, TrafficWindow
from adapters.demo.view import status_line
from adapters.local import LoadGenerator
from events.phases import RolloutPhase
from rollouts.state import ReplicaSetState, RolloutState, TrafficState


def replica_set(
    pod_hash: str, image: str, revision: int, ready: int, desired: int
) -> ReplicaSetState:
    template = {"spec": {"containers": [{"name": "demo", "image": image}]}}
    return ReplicaSetState(
        pod_template_hash=pod_hash,
        revision=revision,
        template=template,
        created_order=revision,
        desired=desired,
        replicas=desired,
        ready=ready,
        available=ready,
    )


def canary_state() -> RolloutState:
    return RolloutState(
        namespace="default",
        name="demo",
        replica_sets={
            "a": replica_set("a", "demo:v1", 1, ready=5, desired=5),
            "b": replica_set("b", "demo:v2", 2, ready=1, desired=3),
        },
        stable_rs="a",
        current_pod_hash="b",
        traffic=TrafficState(
            requested_canary=50,
            canary_hash="b",
            stable_hash="a",
            applied_canary=20,
            applied_canary_hash="b",
            applied_stable_hash="a",
        ),
        phase=RolloutPhase.PROGRESSING,
        message="more replicas need to be updated",
    )


def test_the_window_counts_only_the_last_second_of_answers() -> None:
    load = LoadGenerator("http://127.0.0.1:9", rps=1)
    window = TrafficWindow(load, seconds=1.0)
    load.counts.update({("demo:v1", 200): 100})
    window.sample(0.0)
    load.counts.update({("demo:v1", 200): 30, ("demo:v2", 200): 15, ("demo:v2", 500): 5})
    window.sample(0.5)
    load.counts.update({("demo:v2", 200): 50})
    window.sample(1.5)

    split = window.recent()

    assert split.answers == Counter({"v2": 50})
    assert split.error_rate == 0.0
    window.sample(1.6)
    assert window.recent().total == 50


def test_the_split_reports_shares_and_errors_per_version() -> None:
    split = TrafficSplit(Counter({"v2": 80, "v3": 20}), errors=4)

    assert split.share("v3") == 20.0
    assert split.error_rate == 4.0
    assert split.describe() == "v2 80% / v3 20%, errors 4.0% (100 answers)"


def test_the_panel_shows_phase_weights_replica_sets_and_traffic() -> None:
    output = io.StringIO()
    console = Console(file=output, force_terminal=True, width=120, color_system=None)
    split = TrafficSplit(Counter({"v1": 80, "v2": 20}))

    console.print(render(canary_state(), split, ["  1.00s #7 RolloutPhaseChanged"], "rollout x"))

    text = output.getvalue()
    for expected in (
        "Progressing",
        "v1 80% / v2 20% (moving to v1 50% / v2 50%)",
        "rev 1",
        "stable",
        "5/5 ready",
        "canary",
        "1/3 ready",
        "v1 80%",
        "v2 20%",
        "errors 0.0%",
        "#7 RolloutPhaseChanged",
    ):
        assert expected in text


def test_the_status_line_says_the_same_in_one_line() -> None:
    line = status_line(canary_state())

    assert "\n" not in line
    assert "weight v1 80% / v2 20% (moving to v1 50% / v2 50%)" in line
    assert "RS rev1 v1 stable 5/5, rev2 v2 canary 1/3" in line
