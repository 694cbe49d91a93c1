"""Depth and size limits of a manifest: refused at the loader with file, document and path.

Regressions of issue 15: `replicas: [[[...]]]` a few hundred levels deep, a deep `jsonBody`,
alias bombs and huge documents crashed with RecursionError or pydantic's serialisation depth,
or took seconds; each must be a one-line problem within 100 ms.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from events.inputs import ApplySpec
from rollouts.decide import decide
from rollouts.errors import InvalidSpec
from rollouts.spec import load_manifests, parse_object
from rollouts.spec.limits import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES, check_data_bounds
from rollouts.spec.problems import MAX_PROBLEMS
from rollouts.state import initial_state
from tests.support.cpu import cpu_ms, within
from tests.unit.spec.helpers import base_rollout, base_template

BUDGET_S = 0.1
"""CPU seconds of this thread (not wall time, which a loaded machine stretches)."""
HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n"


def nested_list(levels: int) -> str:
    return "[" * levels + "]" * levels


def timed_load(text: str) -> tuple[Any, float]:
    """The load and its CPU seconds, with the cyclic GC paused (`cpu_ms`). In CI's test process,
    after thousands of tests, this 4 ms load once counted 690 ms of this thread's CPU: the
    collector walking that process's heap is the one cost in the thread that varies run to
    run, and it is not the loader's."""
    loaded: list[Any] = []
    spent_ms = cpu_ms(lambda: loaded.append(load_manifests(text, source="deep.yaml")))
    return loaded[0], spent_ms / 1000


@pytest.mark.parametrize("levels", [62, 63])
def test_nesting_up_to_the_limit_reaches_validation(levels: int) -> None:
    # root mapping and spec are two levels: 62 lists more is exactly MAX_DEPTH.
    result, _ = timed_load(HEAD + f"  replicas: {nested_list(levels)}\n")
    (problem,) = [p for p in result.problems if p.path.startswith("spec.replicas")]
    if levels + 2 <= MAX_DEPTH:
        assert problem.path == "spec.replicas" and "must be an integer" in problem.message
    else:
        assert f"nested deeper than {MAX_DEPTH} levels" in problem.message


@pytest.mark.parametrize("levels", [63, 300, 999, 5_000, 200_000])
def test_a_deep_field_is_refused_quickly_with_file_document_and_path(levels: int) -> None:
    text = "apiVersion: v1\nkind: Service\n---\n" + HEAD + f"  replicas: {nested_list(levels)}\n"
    result, elapsed = timed_load(text)
    (problem,) = [p for p in result.errors if p.document != 1]  # 1: a Service, not ours
    assert (problem.source, problem.document) == ("deep.yaml", 2)
    assert f"nested deeper than {MAX_DEPTH} levels" in problem.message
    assert "line 8" in problem.message
    assert problem.path == "spec.replicas" + "[0]" * (MAX_DEPTH - 2)
    assert str(problem).startswith("deep.yaml#2: ")
    assert within(elapsed * 1000, BUDGET_S * 1000), f"{elapsed * 1000:.0f} ms"


def test_deep_block_style_is_refused_too() -> None:
    body = "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)) + "  " * 201 + "x: 1\n"
    result, elapsed = timed_load(HEAD.replace("spec:\n", "") + "spec:\n" + body)
    (problem,) = result.errors
    assert problem.path == ".".join(["spec", *(f"k{i}" for i in range(MAX_DEPTH - 1))])
    assert elapsed < BUDGET_S


def test_a_deep_json_body_of_a_web_metric_is_refused_with_its_path() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\n"
        "spec:\n  metrics:\n  - name: w\n    provider:\n      web:\n        url: http://x\n"
        f"        jsonBody: {{a: {nested_list(400)}}}\n"
    )
    result, elapsed = timed_load(text)
    (problem,) = result.errors
    assert problem.path.startswith("spec.metrics[0].provider.web.jsonBody.a[0]")
    assert elapsed < BUDGET_S


def test_a_json_body_just_under_the_limit_validates_and_serialises() -> None:
    depth_used = 7  # root, spec, metrics, [0], provider, web, jsonBody
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\n"
        "spec:\n  metrics:\n  - name: w\n    provider:\n      web:\n        url: http://x\n"
        "        method: POST\n"
        f"        jsonBody: {nested_list(MAX_DEPTH - depth_used + 1)}\n"
    )
    result, _ = timed_load(text)
    assert result.ok, result.problems
    (template,) = result.objects
    assert template.model_dump_json()  # no "Maximum serialization depth"


def test_an_alias_bomb_is_refused_by_its_expanded_size() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    result, elapsed = timed_load("\n".join(lines) + "\n")
    (problem,) = result.errors
    assert f"more than {MAX_NODES:,} values" in problem.message and problem.path.startswith("a")
    assert elapsed < BUDGET_S


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    huge = HEAD + "  x: [" + "1," * (MAX_DOCUMENT_BYTES // 2) + "1]\n"
    result, elapsed = timed_load(huge + "---\n" + HEAD + "  replicas: 1\n")
    assert result.errors[0].document == 1 and "over the limit of" in result.errors[0].message
    assert all(p.document == 2 for p in result.errors[1:])  # the next document is still read
    assert elapsed < BUDGET_S * 3  # splitting 1 MiB into lines is the only work


def test_decoded_data_is_held_to_the_same_limits() -> None:
    deep: Any = []
    for _ in range(5_000):
        deep = [deep]
    manifest = base_rollout()
    manifest["spec"]["replicas"] = deep
    parsed, problems = parse_object(manifest)
    assert parsed is None
    (problem,) = problems
    assert problem.path == "spec.replicas" + "[0]" * (MAX_DEPTH - 2)
    wide = base_template()
    wide["spec"]["metrics"][0]["provider"] = {"web": {"url": "u", "jsonBody": [0] * MAX_NODES}}
    assert "values" in parse_object(wide)[1][0].message
    assert check_data_bounds(copy.deepcopy(base_rollout())) is None


def test_a_deep_manifest_over_the_bus_is_an_invalid_spec_not_a_crash() -> None:
    manifest = base_rollout()
    manifest["metadata"]["namespace"] = "default"
    node: Any = {}
    manifest["spec"]["template"]["spec"]["containers"][0]["env"] = [node]
    for _ in range(3_000):
        node["x"] = {}
        node = node["x"]
    item = ApplySpec(input_id="i-1", actor="test", manifest=manifest)
    with pytest.raises(InvalidSpec) as refusal:
        decide(initial_state("default", "demo"), item, datetime(2026, 1, 1, tzinfo=UTC))
    assert "nested deeper than" in refusal.value.problems[0]


def test_thousands_of_schema_problems_are_capped_and_quick() -> None:
    fields = "".join(f"  unknown{i}: {i}\n" for i in range(5_000))
    result, _ = timed_load(HEAD + "  replicas: 1\n" + fields)
    spent = cpu_ms(lambda: load_manifests(HEAD + fields))
    assert within(spent, 500)  # was seconds of "did you mean" searches
    errors = [p for p in result.errors if p.path.startswith("spec.unknown") or "more" in p.message]
    assert len(errors) == MAX_PROBLEMS + 1
    assert errors[-1].message.endswith("more problem(s) not shown")
