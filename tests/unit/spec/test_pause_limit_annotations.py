"""The maximum pause annotations and setting: read, combined, and refused in one line."""

from __future__ import annotations

import pytest

import events.inputs as inp
from adapters.runtime.pause_settings import PauseSettingError, pause_limit_from_env
from events.pause_limit import PauseLimit
from rollouts.errors import InvalidSpec
from rollouts.spec import parse_object
from rollouts.spec.pause_limit import effective_limit, parse_limit_seconds
from tests.support.sim import Sim, rollout_manifest

DEFAULT = PauseLimit(seconds=600, action="abort")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("600", 600), ("10m", 600), ("1h30m", 5400), ("1.5h", 5400), (" 30s ", 30), ("off", None)],
)
def test_limit_texts(text: str, seconds: int | None) -> None:
    assert parse_limit_seconds(text, "x") == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-5m", "10x", "1.5s", "500ms", "9000h", "ten"])
def test_bad_limit_texts_name_the_source(text: str) -> None:
    with pytest.raises(ValueError, match=r"^ROLLOUTS_MAX_PAUSE: .* is not a pause limit"):
        parse_limit_seconds(text, "ROLLOUTS_MAX_PAUSE")


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, DEFAULT),
        ({"rollouts.dev/max-pause": "off"}, None),
        (
            {"rollouts.dev/max-pause": "5m"},
            PauseLimit(seconds=300, action="abort", source="annotation"),
        ),
        (
            {"rollouts.dev/max-pause-action": "notify"},
            PauseLimit(seconds=600, action="notify", source="annotation"),
        ),
        (
            {"rollouts.dev/max-pause": "1h", "rollouts.dev/max-pause-action": "promote"},
            PauseLimit(seconds=3600, action="promote", source="annotation"),
        ),
    ],
)
def test_annotations_override_each_half_of_the_default(
    annotations: dict[str, str], expected: PauseLimit | None
) -> None:
    assert effective_limit(annotations, DEFAULT) == expected


def test_without_a_default_an_action_alone_sets_no_limit() -> None:
    assert effective_limit({"rollouts.dev/max-pause-action": "abort"}, None) is None
    assert effective_limit({"rollouts.dev/max-pause": "2m"}, None) == PauseLimit(
        seconds=120, action="notify", source="annotation"
    )


def _with(annotations: dict[str, str]) -> dict[str, object]:
    manifest = rollout_manifest(replicas=1)
    manifest["metadata"]["annotations"] = annotations
    return manifest


@pytest.mark.parametrize(
    ("annotations", "message"),
    [
        (
            {"rollouts.dev/max-pause": "soon"},
            "metadata.annotations[rollouts.dev/max-pause]: 'soon' is not a pause limit; use "
            "whole seconds or a duration of at least 1s and at most 8784h, such as 600, 30m or "
            "2h, or `off`",
        ),
        (
            {"rollouts.dev/max-pause-action": "rollback"},
            "metadata.annotations[rollouts.dev/max-pause-action]: 'rollback' is not an action; "
            "use one of notify, abort, promote",
        ),
    ],
)
def test_bad_annotations_are_refused_at_validation(
    annotations: dict[str, str], message: str
) -> None:
    _, problems = parse_object(_with(annotations))
    assert [str(p) for p in problems if p.is_error] == [message]


def test_apply_refuses_a_bad_annotation_and_appends_nothing() -> None:
    sim = Sim()
    with pytest.raises(InvalidSpec) as refused:
        sim.command(inp.ApplySpec, manifest=_with({"rollouts.dev/max-pause": "0"}))
    assert "metadata.annotations[rollouts.dev/max-pause]" in str(refused.value)
    assert sim.events == [] and sim.state.spec is None


def test_the_controller_setting_from_the_environment() -> None:
    assert pause_limit_from_env({}) is None
    assert pause_limit_from_env({"ROLLOUTS_MAX_PAUSE": "off"}) is None
    env = {"ROLLOUTS_MAX_PAUSE": "30m", "ROLLOUTS_MAX_PAUSE_ACTION": "Promote"}
    assert pause_limit_from_env(env) == PauseLimit(seconds=1800, action="promote")
    with pytest.raises(PauseSettingError, match=r"^ROLLOUTS_MAX_PAUSE_ACTION: 'later' is not"):
        pause_limit_from_env({"ROLLOUTS_MAX_PAUSE": "30m", "ROLLOUTS_MAX_PAUSE_ACTION": "later"})
