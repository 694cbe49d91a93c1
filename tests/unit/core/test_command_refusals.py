"""Refused commands: the right DomainError, a message that says why, and nothing decided."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import events.inputs as inp
from events.base import Command
from rollouts.decide import decide
from rollouts.errors import CommandRejected, DomainError, InvalidSpec, UnknownRollout
from tests.support.sim import Sim, istio_canary, rollout_manifest

STEPS = [{"setWeight": 25}, {"pause": {}}]


def _healthy() -> Sim:
    sim = Sim()
    sim.deploy(rollout_manifest(replicas=2, canary=istio_canary(STEPS)))
    return sim


def _updated() -> Sim:
    sim = _healthy()
    sim.deploy(rollout_manifest(replicas=2, image="app:2", canary=istio_canary(STEPS)))
    return sim


def _aborted() -> Sim:
    sim = _updated()
    sim.command(inp.Abort)
    return sim


def _paused() -> Sim:
    sim = _updated()
    sim.command(inp.Pause)
    return sim


def _full_promotion_pending() -> Sim:
    sim = _updated()
    sim.ready = False
    sim.command(inp.Promote, full=True)
    return sim


Setup = Callable[[], Sim]
CASES: list[tuple[str, Setup, Command, type[DomainError], str]] = [
    (
        "promote-unknown",
        Sim,
        inp.Promote(input_id="c"),
        UnknownRollout,
        "not found; apply it first",
    ),
    ("abort-unknown", Sim, inp.Abort(input_id="c"), UnknownRollout, "default/demo not found"),
    ("undo-unknown", Sim, inp.Undo(input_id="c"), UnknownRollout, "apply it first"),
    (
        "promote-healthy",
        _healthy,
        inp.Promote(input_id="c"),
        CommandRejected,
        "nothing to promote: rollout default/demo is fully promoted at revision 1",
    ),
    (
        "promote-full-healthy",
        _healthy,
        inp.Promote(input_id="c", full=True),
        CommandRejected,
        "is fully promoted",
    ),
    (
        "promote-full-twice",
        _full_promotion_pending,
        inp.Promote(input_id="c", full=True),
        CommandRejected,
        "full promotion of rollout default/demo is already in progress",
    ),
    (
        "promote-aborted",
        _aborted,
        inp.Promote(input_id="c"),
        CommandRejected,
        "is aborted; use `retry` to run it again or `promote --full`",
    ),
    (
        "abort-healthy",
        _healthy,
        inp.Abort(input_id="c"),
        CommandRejected,
        "nothing to abort: rollout default/demo is fully promoted at revision 1",
    ),
    ("abort-twice", _aborted, inp.Abort(input_id="c"), CommandRejected, "is already aborted"),
    ("retry-not-aborted", _updated, inp.Retry(input_id="c"), CommandRejected, "is not aborted"),
    ("pause-twice", _paused, inp.Pause(input_id="c"), CommandRejected, "is already paused"),
    ("resume-running", _healthy, inp.Resume(input_id="c"), CommandRejected, "is not paused"),
    (
        "set-image-unknown-container",
        _healthy,
        inp.SetImage(input_id="c", container="web", image="x:1"),
        CommandRejected,
        "container 'web' not found (containers: demo)",
    ),
    (
        "set-image-unchanged",
        _healthy,
        inp.SetImage(input_id="c", container="demo", image="nginx:1.19"),
        CommandRejected,
        "container 'demo' already runs image nginx:1.19",
    ),
    (
        "undo-no-previous",
        _healthy,
        inp.Undo(input_id="c"),
        CommandRejected,
        "has no previous revision to undo to",
    ),
    (
        "undo-unknown-revision",
        _updated,
        inp.Undo(input_id="c", to_revision=7),
        CommandRejected,
        "revision 7 not found (known revisions: 1, 2)",
    ),
    (
        "undo-to-current",
        _updated,
        inp.Undo(input_id="c", to_revision=2),
        CommandRejected,
        "already runs revision 2",
    ),
]


@pytest.mark.parametrize(
    ("setup", "command", "error", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_refusals(setup: Setup, command: Command, error: type[DomainError], message: str) -> None:
    sim = setup()
    before = sim.state
    with pytest.raises(error) as refused:
        decide(before, command, sim.now)
    assert message in str(refused.value)
    assert sim.state == before


def _invalid_manifest() -> dict[str, Any]:
    manifest = rollout_manifest(
        canary={"steps": [{"setWeight": 150}], "maxSurge": 0, "maxUnavailable": 0}
    )
    del manifest["spec"]["selector"]
    return manifest


def test_invalid_manifest_is_refused_with_every_problem() -> None:
    sim = _healthy()
    with pytest.raises(InvalidSpec) as refused:
        decide(sim.state, inp.ApplySpec(input_id="c", manifest=_invalid_manifest()), sim.now)
    problems = refused.value.problems
    assert len(problems) == 3
    assert any(p.startswith("spec.selector:") for p in problems)
    assert any("MaxSurge and MaxUnavailable both can not be zero" in p for p in problems)
    assert any("SetWeight needs to be between 0 and 100" in p for p in problems)
    assert str(refused.value).startswith("invalid spec: ")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"kind": "Rollout"}, "every manifest needs apiVersion and kind"),
        ({**rollout_manifest(), "kind": "Deployment"}, "is not a Rollout"),
    ],
    ids=["no-api-version", "wrong-kind"],
)
def test_non_rollout_manifests_are_refused(manifest: dict[str, Any], message: str) -> None:
    sim = Sim()
    with pytest.raises(InvalidSpec, match=message):
        decide(sim.state, inp.ApplySpec(input_id="c", manifest=manifest), sim.now)


@pytest.mark.parametrize(
    ("name", "namespace", "message"),
    [
        ("other", None, "manifest is for rollout default/other, not default/demo"),
        ("demo", "prod", "manifest is for rollout prod/demo, not default/demo"),
    ],
)
def test_a_manifest_for_another_rollout_is_refused(
    name: str, namespace: str | None, message: str
) -> None:
    manifest = rollout_manifest(name)
    if namespace:
        manifest["metadata"]["namespace"] = namespace
    with pytest.raises(CommandRejected, match=message):
        decide(Sim().state, inp.ApplySpec(input_id="c", manifest=manifest), Sim().now)


def test_a_refused_command_can_be_sent_again_later() -> None:
    """A refusal appends nothing, so the input id is not remembered as decided."""
    sim = _updated()
    retry = inp.Retry(input_id="retry-1")
    with pytest.raises(CommandRejected):
        sim.send(retry)
    sim.command(inp.Abort)
    assert sim.send(retry) and not sim.state.abort
