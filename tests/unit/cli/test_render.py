"""`get rollout`: the view (numbers) and its rendering (the tree), on simulated rollouts."""

from __future__ import annotations

from datetime import timedelta

from adapters.cli.render import age, render_rollout
from adapters.cli.view import build_view
from events.phases import RolloutPhase
from tests.support.sim import T0, Sim
from tests.unit.cli import scenarios
from tests.unit.cli.fakes import render_text


def rendered(sim: Sim) -> str:
    return render_text(render_rollout(build_view(sim.state, sim.events), sim.now))


def rs_name(sim: Sim, revision: int) -> str:
    return f"{sim.name}-{sim.rs(revision).pod_template_hash}"


def test_canary_paused_mid_rollout() -> None:
    sim = scenarios.canary_paused()
    view = build_view(sim.state, sim.events)
    assert view.phase is RolloutPhase.PAUSED and view.status == "॥ Paused"
    assert (view.step, view.set_weight, view.actual_weight) == ("1/4", "20", "20")
    assert view.images == (("nginx:1.19", ("stable",)), ("nginx:2", ("canary",)))
    assert view.replicas == (4, 5, 1, 5, 5)
    assert [row.revision for row in view.revisions] == [2, 1]
    text = rendered(sim)
    lines = text.splitlines()
    assert lines[:8] == [
        "Name:           demo",
        "Namespace:      default",
        "Status:         ॥ Paused",
        "Message:        CanaryPauseStep",
        "Strategy:       Canary",
        "  Step:         1/4",
        "  SetWeight:    20",
        "  ActualWeight: 20",
    ]
    assert "Images:         nginx:1.19 (stable)" in lines
    assert "                nginx:2 (canary)" in lines
    tree = lines[lines.index("") + 1 :]
    assert tree[0].split() == ["NAME", "KIND", "STATUS", "AGE", "INFO"]
    assert tree[1].split() == ["⟳", "demo", "Rollout", "॥", "Paused", "10m"]
    assert tree[2].strip() == "├──# revision:2"
    assert tree[3].split() == [
        "│",
        "└──⧉",
        rs_name(sim, 2),
        "ReplicaSet",
        "✔",
        "Healthy",
        "45s",
        "canary",
        "ready:1/1",
    ]
    assert tree[4].split() == ["│", "└──□", "pod", "Pod", "✔", "Ready"]
    assert tree[5].strip() == "└──# revision:1"
    assert tree[6].split()[1:] == [
        rs_name(sim, 1),
        "ReplicaSet",
        "✔",
        "Healthy",
        "10m",
        "stable",
        "ready:4/4",
    ]


def test_fully_promoted_canary_shows_the_old_revision_scaled_down() -> None:
    sim = scenarios.canary_promoted()
    view = build_view(sim.state, sim.events)
    assert view.status == "✔ Healthy" and view.message == ""
    assert (view.step, view.set_weight, view.actual_weight) == ("4/4", "100", "100")
    assert view.images == (("nginx:2", ("stable",)),)
    text = rendered(sim)
    assert "Message:" not in text
    old = next(line for line in text.splitlines() if rs_name(sim, 1) in line)
    assert "• ScaledDown" in old and "ready:0/0" in old


def test_aborted_canary_is_degraded_with_weight_zero() -> None:
    sim = scenarios.canary_aborted()
    view = build_view(sim.state, sim.events)
    assert view.status == "✖ Degraded"
    assert view.message == "RolloutAborted: Rollout aborted update to revision 2"
    assert (view.step, view.set_weight, view.actual_weight) == ("0/4", "0", "0")
    text = rendered(sim)
    assert "Status:         ✖ Degraded" in text
    canary = next(line for line in text.splitlines() if rs_name(sim, 2) in line)
    assert "canary" in canary and "delay:30s" in canary


def test_analysis_runs_hang_under_their_revision() -> None:
    sim = scenarios.canary_analysing()
    (run,) = build_view(sim.state, sim.events).revisions[0].runs
    assert (run.status, run.message, run.kind) == ("◌ Running", "1 of 3 measurements", "Step")
    lines = rendered(sim).splitlines()
    index = next(i for i, line in enumerate(lines) if "AnalysisRun" in line)
    assert lines[index - 2].lstrip("│ ").startswith("├──⧉ " + rs_name(sim, 2))
    assert lines[index - 1].startswith("│  │  └──□ pod")
    assert lines[index].split()[2:] == [
        f"{rs_name(sim, 2)}-2-1",
        "AnalysisRun",
        "◌",
        "Running",
        "0s",
        "1",
        "of",
        "3",
        "measurements",
    ]
    assert lines[index].startswith("│  └──\u03b1 ")


def test_basic_canary_actual_weight_follows_available_pods() -> None:
    view = build_view(scenarios.basic_canary_paused().state)
    assert (view.set_weight, view.actual_weight) == ("25", "25")


def test_blue_green_preview_roles_and_no_canary_fields() -> None:
    sim = scenarios.blue_green_preview()
    view = build_view(sim.state, sim.events)
    assert view.strategy == "BlueGreen" and view.status == "॥ Paused"
    assert (view.step, view.set_weight, view.actual_weight) == (None, None, None)
    assert view.images == (("nginx:1.19", ("stable", "active")), ("nginx:2", ("preview",)))
    text = rendered(sim)
    assert "SetWeight" not in text and "Message:        BlueGreenPause" in text
    assert "preview ready:3/3" in text and "stable,active ready:3/3" in text


def test_replay_note_is_shown_first() -> None:
    sim = scenarios.canary_paused()
    text = render_text(render_rollout(build_view(sim.state), sim.now, note="as of event #3"))
    assert text.splitlines()[0] == "as of event #3"


def test_ages_are_short_like_kubectl() -> None:
    cases = {
        5: "5s",
        119: "119s",
        150: "2m30s",
        900: "15m",
        4 * 3600 + 60: "4h1m",
        10 * 3600: "10h",
    }
    cases |= {3 * 86400 + 3600: "3d1h", 9 * 86400: "9d"}
    for seconds, expected in cases.items():
        assert age(T0, T0 + timedelta(seconds=seconds)) == expected
    assert age(None, T0) == ""
