"""Rollout-level rules (spec, selector/template, strategy choice, blue-green)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.spec.helpers import (
    DELETE,
    base_rollout,
    errors_of,
    has_problem,
    warnings_of,
    with_fields,
)

BLUE_GREEN = {"blueGreen": {"activeService": "active", "previewService": "preview"}}


def test_base_documents_are_valid() -> None:
    assert errors_of(base_rollout()) == []
    assert errors_of(base_rollout(BLUE_GREEN)) == []
    assert warnings_of(base_rollout()) == []


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("negative replicas", {"spec.replicas": -1}, "spec.replicas", "greater than or equal to 0"),
    (
        "missing selector",
        {"spec.selector": DELETE},
        "spec.selector",
        "Rollout has missing field '.spec.selector'",
    ),
    ("empty selector", {"spec.selector": {}}, "spec.selector", "empty selector is invalid"),
    (
        "selector does not match labels",
        {"spec.selector": {"matchLabels": {"app": "other"}}},
        "spec.template.metadata.labels",
        "`selector` does not match template `labels`",
    ),
    (
        "In without values",
        {"spec.selector": {"matchExpressions": [{"key": "app", "operator": "In"}]}},
        "spec.selector.matchExpressions[0].values",
        "must be specified",
    ),
    (
        "Exists with values",
        {
            "spec.selector": {
                "matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]
            }
        },
        "spec.selector.matchExpressions[0].values",
        "may not be specified",
    ),
    (
        "missing template",
        {"spec.template": DELETE},
        "spec.template",
        "Rollout has missing field '.spec.template'",
    ),
    (
        "negative minReadySeconds",
        {"spec.minReadySeconds": -1},
        "spec.minReadySeconds",
        "greater than or equal to 0",
    ),
    (
        "minReadySeconds not below deadline",
        {"spec.minReadySeconds": 600},
        "spec.progressDeadlineSeconds",
        "must be greater than minReadySeconds",
    ),
    (
        "negative history",
        {"spec.revisionHistoryLimit": -1},
        "spec.revisionHistoryLimit",
        "greater than or equal to 0",
    ),
    (
        "negative rollback window",
        {"spec.rollbackWindow": {"revisions": -1}},
        "spec.rollbackWindow.revisions",
        "greater than or equal to 0",
    ),
    (
        "negative run history",
        {"spec.analysis": {"successfulRunHistoryLimit": -2}},
        "spec.analysis.successfulRunHistoryLimit",
        "greater than or equal to 0",
    ),
    (
        "no strategy",
        {"spec.strategy": {}},
        "spec.strategy",
        ".spec.strategy.canary or .spec.strategy.blueGreen",
    ),
    (
        "two strategies",
        {"spec.strategy": {"canary": {}, **BLUE_GREEN}},
        "spec.strategy",
        "Multiple Strategies can not be listed",
    ),
]


@pytest.mark.parametrize(
    ("name", "changes", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_rollouts_are_reported(
    name: str, changes: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(with_fields(base_rollout(), changes))
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    ("zero replicas", {"spec.replicas": 0}),
    (
        "selector with expressions",
        {
            "spec.selector": {
                "matchExpressions": [{"key": "app", "operator": "In", "values": ["demo"]}]
            }
        },
    ),
    (
        "selector subset of labels",
        {"spec.template.metadata.labels": {"app": "demo", "version": "1"}},
    ),
    ("rollback window", {"spec.rollbackWindow": {"revisions": 3}}),
]


@pytest.mark.parametrize(("name", "changes"), VALID, ids=[case[0] for case in VALID])
def test_valid_variants_pass(name: str, changes: dict[str, Any]) -> None:
    assert errors_of(with_fields(base_rollout(), changes)) == []


def test_all_problems_are_collected_not_just_the_first() -> None:
    doc = with_fields(
        base_rollout(),
        {
            "spec.replicas": -3,
            "spec.selector": DELETE,
            "spec.template.spec.containers": [],
            "spec.strategy.canary.steps": [{"setWeight": 150}, {}],
            "spec.strategy.canary.maxSurge": 0,
            "spec.strategy.canary.maxUnavailable": 0,
        },
    )
    paths = [path for path, _ in errors_of(doc)]
    assert paths == [
        "spec.replicas",
        "spec.selector",
        "spec.template.spec.containers",
        "spec.strategy.canary.maxSurge",
        "spec.strategy.canary.steps[0].setWeight",
        "spec.strategy.canary.steps[1]",
    ]
