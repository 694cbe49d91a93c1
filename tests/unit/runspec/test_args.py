"""Arguments: Rollout-side values and MergeArgs (Argo: utils/analysis/factory_test.go
TestBuildArgumentsForRolloutAnalysisRun, Test_extractValueFromRollout; helpers_test.go
TestMergeArgs)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.analysis.runspec.args import (
    go_value_text,
    metadata_field,
    rollout_argument_values,
    rollout_field,
)
from rollouts.analysis.runspec.build import RunSpecError
from rollouts.analysis.runspec.merge import apply_rollout_args
from rollouts.spec import AnalysisRunArgument, Argument

REVISION = "rollout.argoproj.io/revision"
ROLLOUT: dict[str, Any] = {
    "metadata": {
        "name": "test",
        "namespace": "default",
        "uid": "u-1",
        "annotations": {REVISION: "1"},
        "labels": {"app": "app", "env": "test"},
    },
    "spec": {
        "template": {"metadata": {"labels": {"version": "v1"}}},
        "replicas": 1,
        "paused": False,
        "ratio": 0.25,
        "big": 1000000,
    },
    "status": {"pauseConditions": [{"reason": "test-reason"}]},
}


def rollout_args(*args: dict[str, Any]) -> dict[str, str]:
    parsed = tuple(AnalysisRunArgument.model_validate(arg) for arg in args)
    return rollout_argument_values(parsed, ROLLOUT, stable_hash="abcdef", latest_hash="123456")


def field_arg(path: str) -> dict[str, Any]:
    return {"name": path, "valueFrom": {"fieldRef": {"fieldPath": path}}}


def test_build_arguments_like_argo() -> None:
    annotation = f"metadata.annotations['{REVISION}']"
    values = rollout_args(
        {"name": "hard-coded-value-key", "value": "hard-coded-value"},
        {"name": "stable-key", "valueFrom": {"podTemplateHashValue": "Stable"}},
        {"name": "new-key", "valueFrom": {"podTemplateHashValue": "Latest"}},
        field_arg("metadata.labels['app']"),
        field_arg("metadata.labels['env']"),
        field_arg(annotation),
        field_arg("status.pauseConditions[0].reason"),
    )
    assert values == {
        "hard-coded-value-key": "hard-coded-value",
        "stable-key": "abcdef",
        "new-key": "123456",
        "metadata.labels['app']": "app",
        "metadata.labels['env']": "test",
        annotation: "1",
        "status.pauseConditions[0].reason": "test-reason",
    }


def test_an_argument_without_value_is_the_empty_string() -> None:
    assert rollout_args({"name": "x"}) == {"x": ""}


EXTRACT_CASES: list[tuple[str, str, str]] = [
    ("metadata.name", "test", ""),
    ("metadata.labels.app", "app", ""),
    ("metadata.labels['app']", "", "invalid path metadata.labels['app'] in rollout"),
    ("status.pauseConditions[0].reason", "test-reason", ""),
    ("status.pauseConditions[blah].reason", "", "invalid index 'blah'"),
    ("status.pauseConditions[12].reason", "", "index 12 out of range"),
    (
        "status.pauseConditions[0].startTime",
        "",
        "invalid path status.pauseConditions[0].startTime in rollout",
    ),
    (
        "some.invalid[2].non.existing.path",
        "",
        "invalid path some.invalid[2].non.existing.path in rollout",
    ),
    (
        "status.pauseConditions[0]",
        "",
        "path status.pauseConditions[0] in rollout must terminate in a primitive value",
    ),
    ("spec.template.metadata.labels.version", "v1", ""),
    ("spec.replicas", "1", ""),
    ("spec.paused", "false", ""),
    ("spec.ratio", "0.25", ""),
    ("spec.big", "1e+06", ""),
]


@pytest.mark.parametrize(
    ("path", "want", "error"), EXTRACT_CASES, ids=[c[0] for c in EXTRACT_CASES]
)
def test_extract_value_from_rollout(path: str, want: str, error: str) -> None:
    if error:
        with pytest.raises(RunSpecError) as raised:
            rollout_field(ROLLOUT, path)
        assert str(raised.value) == error
    else:
        assert rollout_field(ROLLOUT, path) == want


DOWNWARD_CASES: list[tuple[str, str, str]] = [
    ("metadata.name", "test", ""),
    ("metadata.namespace", "default", ""),
    ("metadata.uid", "u-1", ""),
    ("metadata.labels['missing']", "", ""),
    ("metadata.labels", 'app="app"\nenv="test"', ""),
    ("metadata.labels.app", "", "unsupported fieldPath: metadata.labels.app"),
    ("metadata.generateName", "", "unsupported fieldPath: metadata.generateName"),
    ("metadata.name['x']", "", "fieldPath \"metadata.name['x']\" does not support subscript"),
]


@pytest.mark.parametrize(
    ("path", "want", "error"), DOWNWARD_CASES, ids=[c[0] for c in DOWNWARD_CASES]
)
def test_metadata_fields_use_the_downward_api(path: str, want: str, error: str) -> None:
    if error:
        with pytest.raises(RunSpecError) as raised:
            metadata_field(ROLLOUT, path)
        assert str(raised.value) == error
    else:
        assert metadata_field(ROLLOUT, path) == want


def test_a_bad_field_reference_fails_the_whole_run() -> None:
    with pytest.raises(RunSpecError, match="index 12 out of range"):
        rollout_args(field_arg("status.pauseConditions[12].reason"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (0.5, "0.5"),
        (123456, "123456"),
        (1234567, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (True, "true"),
        ("s", "s"),
    ],
)
def test_numbers_read_as_go_prints_them(value: Any, text: str) -> None:
    assert go_value_text(value) == text


def template_args(*args: dict[str, Any]) -> tuple[Argument, ...]:
    return tuple(Argument.model_validate(arg) for arg in args)


SECRET = {"secretKeyRef": {"name": "name", "key": "key"}}


def test_merge_args_uses_template_defaults() -> None:
    merged = apply_rollout_args(
        template_args({"name": "foo", "value": "bar"}, {"name": "my-secret", "valueFrom": SECRET}),
        {},
    )
    assert [(a.name, a.value) for a in merged] == [("foo", "bar"), ("my-secret", None)]
    assert merged[1].value_from is not None


def test_merge_args_rollout_values_override_defaults_and_extra_ones_are_ignored() -> None:
    merged = apply_rollout_args(
        template_args({"name": "foo", "value": "bar"}),
        {"foo": "overwrite", "extra-arg": "extra-value"},
    )
    assert [(a.name, a.value) for a in merged] == [("foo", "overwrite")]


def test_merge_args_refuses_an_argument_nobody_gives() -> None:
    with pytest.raises(RunSpecError) as raised:
        apply_rollout_args(template_args({"name": "foo"}), {})
    assert str(raised.value) == "args.foo was not resolved"


def test_merge_args_of_nothing_is_nothing() -> None:
    assert apply_rollout_args((), {}) == ()
