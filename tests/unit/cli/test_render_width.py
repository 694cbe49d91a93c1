"""`get rollout` on narrow terminals: names are never cut, whole columns go instead; pods."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

import events.inputs as inp
from adapters.cli.render import MAX_POD_ROWS, TreeRow, fitting_columns, render_rollout
from adapters.cli.view import build_view
from events.phases import AnalysisPhase, AnalysisRunKind
from tests.support.sim import Sim, istio_canary, rollout_manifest
from tests.unit.cli.scenarios import ANALYSIS_STEPS

NAME = "checkout-payments-gateway"
LONG_MESSAGE = "metric error-rate failed: value 0.31 above the limit 0.05 on 3 of 3 measurements"


def long_named_rollout() -> Sim:
    sim = Sim(name=NAME)
    canary = istio_canary(ANALYSIS_STEPS)
    sim.deploy(rollout_manifest(NAME, replicas=4, canary=canary))
    sim.advance(700)
    sim.deploy(rollout_manifest(NAME, replicas=4, image="nginx:2", canary=canary))
    sim.observe_run(AnalysisRunKind.STEP, AnalysisPhase.RUNNING, LONG_MESSAGE)
    return sim


def shown(sim: Sim, width: int) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(render_rollout(build_view(sim.state, sim.events), sim.now))
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def identifiers(sim: Sim) -> list[str]:
    view = build_view(sim.state, sim.events)
    names = [NAME]
    for revision in view.revisions:
        names.append(revision.replica_set)
        names.extend(run.name for run in revision.runs)
    return names


@pytest.mark.parametrize("width", [80, 120, 200])
def test_every_identifier_and_status_appears_whole(width: int) -> None:
    sim = long_named_rollout()
    text = shown(sim, width)
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    rows = text.splitlines()
    for identifier in identifiers(sim):
        assert any(identifier in row.split() for row in rows), (identifier, text)
    for status in ("✔ Healthy", "◌ Running", "◌ Progressing"):
        assert status in text


def header_at(sim: Sim, width: int) -> list[str]:
    return next(line for line in shown(sim, width).splitlines() if line.startswith("NAME")).split()


def test_narrow_terminals_drop_whole_columns_and_wrap_info() -> None:
    sim = long_named_rollout()
    assert header_at(sim, 80) == ["NAME", "STATUS", "INFO"]
    assert header_at(sim, 120) == ["NAME", "KIND", "STATUS", "AGE", "INFO"]
    for width in (80, 120):
        text = " ".join(shown(sim, width).split())
        assert LONG_MESSAGE in text, "the long message wraps at words, whole"
        assert "canary ready:1/1" in text


def test_kind_goes_before_age() -> None:
    rows = [TreeRow("⧉ " + "x" * 40, "ReplicaSet", "✔ Healthy", "10m", "stable ready:1/1")]  # type: ignore[arg-type]
    # name 42 + status 9 + info 16 + age 3 + kind 10, with 2-cell gaps
    assert fitting_columns(rows, 42 + 2 + 9 + 2 + 16 + 2 + 3) == ("name", "status", "age", "info")
    assert fitting_columns(rows, 42 + 2 + 9 + 2 + 10) == ("name", "status", "info")


def test_columns_keep_name_and_status_even_when_nothing_else_fits() -> None:
    rows = [TreeRow("⧉ " + "x" * 60, "ReplicaSet", "✔ Healthy", "10m", "stable ready:1/1")]  # type: ignore[arg-type]
    assert fitting_columns(rows, 40) == ("name", "status")
    assert fitting_columns(rows, 200) == ("name", "kind", "status", "age", "info")


def test_pods_hang_under_their_replica_set_with_readiness() -> None:
    sim = long_named_rollout()
    rs = sim.rs(1).pod_template_hash
    sim.send(
        inp.ReplicaSetObserved(
            input_id=sim.next_id(),
            pod_template_hash=rs,
            replicas=4,
            ready_replicas=3,
            available_replicas=3,
        )
    )
    lines = shown(sim, 200).splitlines()
    start = next(i for i, line in enumerate(lines) if f"{NAME}-{rs}" in line)
    pods = lines[start + 1 : start + 5]
    assert [line.split()[-3:] for line in pods] == [["Pod", "✔", "Ready"]] * 3 + [
        ["Pod", "◌", "NotReady"]
    ]
    assert pods[0].strip().startswith("├──□ pod") and pods[-1].strip().startswith("└──□ pod")
    assert not any("□" in line for line in lines[start + 5 :])


def test_many_pods_end_in_a_count() -> None:
    sim = Sim(name=NAME)
    sim.deploy(rollout_manifest(NAME, replicas=25, canary={"steps": [{"setWeight": 20}]}))
    lines = shown(sim, 120).splitlines()
    pods = [line for line in lines if "□" in line]
    assert len(pods) == MAX_POD_ROWS
    assert pods[-1].split()[1:5] == ["…", str(25 - MAX_POD_ROWS + 1), "more", "pods"]
