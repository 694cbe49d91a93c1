"""Multi-document loading, document numbering, YAML errors and path formatting."""

from __future__ import annotations

import textwrap

import pytest

from rollouts.spec import (
    AnalysisTemplate,
    ClusterAnalysisTemplate,
    ObjectLocation,
    Rollout,
    load_manifests,
)

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: demo
        image: demo:1
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {duration: 30s}
"""

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: rate
spec:
  metrics:
  - name: up
    provider:
      prometheus: {query: up}
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: demo
"""


def test_multi_document_file_loads_every_object_in_order() -> None:
    cluster = TEMPLATE.replace("kind: AnalysisTemplate", "kind: ClusterAnalysisTemplate")
    text = f"---\n{ROLLOUT}---\n# just a comment\n---\n{TEMPLATE}---\n{cluster}"
    result = load_manifests(text, source="all.yaml")
    assert result.problems == ()
    assert result.ok
    assert [type(obj) for obj in result.objects] == [
        Rollout,
        AnalysisTemplate,
        ClusterAnalysisTemplate,
    ]
    assert result.locations == (
        ObjectLocation("all.yaml", 1),
        ObjectLocation("all.yaml", 2),
        ObjectLocation("all.yaml", 3),
    )


def test_empty_text_gives_nothing() -> None:
    result = load_manifests("\n---\n# nothing\n")
    assert result.objects == () and result.problems == ()


def test_unknown_kinds_are_problems_unless_ignored() -> None:
    text = f"{SERVICE}---\n{ROLLOUT}"
    strict = load_manifests(text, source="f.yaml")
    assert [str(p) for p in strict.problems] == [
        "f.yaml#1: kind: Service (apiVersion v1) is not a Rollout, AnalysisTemplate or "
        "ClusterAnalysisTemplate; pass --ignore-unknown-kinds to skip it"
    ]
    assert len(strict.objects) == 1
    relaxed = load_manifests(text, source="f.yaml", ignore_unknown_kinds=True)
    assert relaxed.problems == ()
    assert relaxed.locations == (ObjectLocation("f.yaml", 2),)


def test_a_yaml_error_is_a_problem_with_the_file_line_and_other_documents_still_load() -> None:
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: oops\n"
    text = f"{ROLLOUT}---\n{broken}"
    result = load_manifests(text, source="f.yaml")
    assert len(result.objects) == 1
    (problem,) = result.problems
    assert problem.document == 2
    assert problem.path == ""
    line_of_bad_key = ROLLOUT.count("\n") + 1 + 5
    assert f"YAML syntax error at line {line_of_bad_key}" in problem.message


def test_duplicate_keys_are_errors() -> None:
    text = ROLLOUT.replace(
        "      - setWeight: 20\n", "      - setWeight: 20\n        setWeight: 30\n"
    )
    (problem,) = load_manifests(text).problems
    assert "found duplicate key 'setWeight'" in problem.message
    assert "line 19" in problem.message


def test_merge_keys_are_not_duplicates() -> None:
    text = "base: &b {a: 1}\nderived:\n  <<: *b\n  a: 2\n"
    (problem,) = load_manifests(text).problems
    assert problem.path == "kind"


@pytest.mark.parametrize(
    ("text", "message"),
    [("- a\n- b\n", "not a mapping (got a list)"), ("just text\n", "not a mapping (got str)")],
)
def test_a_document_must_be_a_mapping(text: str, message: str) -> None:
    (problem,) = load_manifests(text, ignore_unknown_kinds=True).problems
    assert message in problem.message


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        ("kind: Rollout\nmetadata: {name: x}\n", "apiVersion", "required field is missing"),
        (
            "apiVersion: argoproj.io/v1alpha1\nmetadata: {name: x}\n",
            "kind",
            "required field is missing",
        ),
        (
            "apiVersion: argoproj.io/v1beta1\nkind: Rollout\n",
            "apiVersion",
            "must use apiVersion argoproj.io/v1alpha1",
        ),
    ],
)
def test_kind_and_api_version_are_required(text: str, path: str, message: str) -> None:
    (problem,) = load_manifests(text, ignore_unknown_kinds=True).problems
    assert (problem.path, message in problem.message) == (path, True)


def test_structural_errors_use_argo_camel_case_paths() -> None:
    text = ROLLOUT.replace("- setWeight: 20", "- setWieght: 20").replace(
        "- pause: {duration: 30s}", "- pause: {duration: 1z}"
    )
    text = text.replace("  name: demo\nspec:", "  name: demo\nspec:\n  replicas: many")
    result = load_manifests(text, source="r.yaml")
    assert [str(p) for p in result.problems] == [
        "r.yaml#1: spec.replicas: must be an integer, got str 'many'",
        "r.yaml#1: spec.strategy.canary.steps[0].setWieght: "
        "unknown field (did you mean setWeight?)",
        "r.yaml#1: spec.strategy.canary.steps[1].pause.duration: "
        "Duration needs to be greater than 0: "
        "'1z' is neither whole seconds nor a duration such as 30s, 10m or 1h30m",
    ]
    assert result.objects == ()


def test_missing_required_fields_are_named() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {}\n"
        "spec:\n  metrics:\n  - provider: {web: {}}\n"
    )
    problems = {(p.path, p.message) for p in load_manifests(text).problems}
    assert problems == {
        ("metadata.name", "required field is missing"),
        ("spec.metrics[0].name", "required field is missing"),
        ("spec.metrics[0].provider.web.url", "required field is missing"),
    }


def test_several_errors_in_several_documents_of_one_file() -> None:
    bad_rollout = ROLLOUT.replace("setWeight: 20", "setWeight: 120").replace(
        "  selector:\n    matchLabels: {app: demo}\n", ""
    )
    bad_template = TEMPLATE.replace(
        "prometheus: {query: up}", "prometheus: {query: up}\n      web: {url: 'http://x'}"
    )
    result = load_manifests(textwrap.dedent(f"{bad_rollout}---\n{bad_template}"), source="x.yaml")
    assert [str(p) for p in result.problems] == [
        "x.yaml#1: spec.selector: Rollout has missing field '.spec.selector'",
        "x.yaml#1: spec.strategy.canary.steps[0].setWeight: "
        "SetWeight needs to be between 0 and 100",
        "x.yaml#2: spec.metrics[0].provider: multiple providers specified: prometheus, web",
    ]
    assert not result.ok
    assert len(result.errors) == 3 and result.warnings == ()
    assert len(result.objects) == 2
