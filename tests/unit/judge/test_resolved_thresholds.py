"""A run's judge metrics carry their template's `spec.judge` thresholds: merging keeps metrics
only, and the core holds each judgment to the thresholds of the metric it follows."""

from __future__ import annotations

from typing import Any

from adapters.analysis.resolve import with_judge_thresholds
from tests.unit.runspec.builders import analysis, library, refs, resolve, template

PROMETHEUS = {"prometheus": {"address": "http://prometheus:9090"}}


def judged(name: str, **judge: Any) -> dict[str, Any]:
    return {
        "name": name,
        "provider": PROMETHEUS,
        "judge": {"baseline": "a", "canary": "b", **judge},
    }


def test_each_metric_gets_its_own_templates_thresholds_unless_it_sets_some() -> None:
    own = {"marginal": 10, "pass": 20}
    first = template(
        "first",
        judge={"marginal": 50, "pass": 60},
        metrics=[judged("a"), judged("b", thresholds=own)],
    )
    second = template("second", metrics=[judged("c")])
    run = resolve(analysis(*refs("first", "second")), with_judge_thresholds(library(first, second)))
    by_name = {m["name"]: m["judge"].get("thresholds") for m in run.metrics}
    assert by_name == {"a": {"marginal": 50, "pass": 60}, "b": own, "c": None}


def test_templates_without_judge_are_left_as_they_are() -> None:
    plain = template("plain")
    assert with_judge_thresholds(library(plain)) == library(plain)
