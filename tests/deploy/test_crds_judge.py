"""The judge extension in the AnalysisTemplate CRDs: the documented example is accepted, and the
API server can refuse what is plainly wrong (direction, bounds, missing queries)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.test_crds import errors

EXAMPLE = Path(__file__).parents[1] / "data" / "judge" / "error-rate-judge.yaml"


def example(kind: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["kind"] = kind
    return doc


@pytest.mark.parametrize("kind", ["AnalysisTemplate", "ClusterAnalysisTemplate"])
def test_judge_example_is_accepted(kind: str) -> None:
    assert errors(example(kind)) == []


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("direction", "up", "is not one of"),
        ("confidence", 1.5, "maximum"),
        ("allowedIncrease", 0.5, "minimum"),
        ("weight", -1, "minimum"),
        ("baseline", None, "'baseline' is a required property"),
        ("typo", 1, "Additional properties"),
    ],
)
def test_bad_judge_fields_are_rejected(field: str, value: Any, fragment: str) -> None:
    doc = copy.deepcopy(example("AnalysisTemplate"))
    judge = doc["spec"]["metrics"][0]["judge"]
    if value is None:
        judge.pop(field)
    else:
        judge[field] = value
    found = errors(doc)
    assert any(fragment in problem for problem in found), found


def test_thresholds_are_bounded() -> None:
    doc = example("AnalysisTemplate")
    doc["spec"]["judge"]["pass"] = 150
    assert any("maximum" in problem for problem in errors(doc))
