"""Blue-green strategy rules (Argo's ValidateRolloutStrategyBlueGreen)."""

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
BG = "spec.strategy.blueGreen"
BG_INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "missing active",
        {f"{BG}.activeService": DELETE},
        f"{BG}.activeService",
        "missing field '.spec.strategy.blueGreen.activeService'",
    ),
    (
        "same services",
        {f"{BG}.previewService": "active"},
        f"{BG}.activeService",
        "same service for the active and preview",
    ),
    (
        "revision limit",
        {f"{BG}.scaleDownDelayRevisionLimit": 11},
        f"{BG}.scaleDownDelayRevisionLimit",
        "revision history limit can not be smaller",
    ),
    (
        "negative delay",
        {f"{BG}.scaleDownDelaySeconds": -1},
        f"{BG}.scaleDownDelaySeconds",
        "greater than or equal to 0",
    ),
    (
        "negative abort delay",
        {f"{BG}.abortScaleDownDelaySeconds": -1},
        f"{BG}.abortScaleDownDelaySeconds",
        "greater than or equal to 0",
    ),
    (
        "negative preview count",
        {f"{BG}.previewReplicaCount": -1},
        f"{BG}.previewReplicaCount",
        "greater than or equal to 0",
    ),
    (
        "bad maxUnavailable",
        {f"{BG}.maxUnavailable": "a lot"},
        f"{BG}.maxUnavailable",
        "percentage such as 25%",
    ),
    (
        "analysis without templates",
        {f"{BG}.prePromotionAnalysis": {"args": []}},
        f"{BG}.prePromotionAnalysis.templates",
        "at least one template",
    ),
    (
        "anti affinity both",
        {
            f"{BG}.antiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {},
                "preferredDuringSchedulingIgnoredDuringExecution": {"weight": 5},
            }
        },
        f"{BG}.antiAffinity",
        "exactly one strategy",
    ),
    (
        "anti affinity weight",
        {
            f"{BG}.antiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": {"weight": 101}
            }
        },
        f"{BG}.antiAffinity.weight",
        "between 1-100",
    ),
]


@pytest.mark.parametrize(
    ("name", "changes", "path", "message"), BG_INVALID, ids=[case[0] for case in BG_INVALID]
)
def test_invalid_blue_green_is_reported(
    name: str, changes: dict[str, Any], path: str, message: str
) -> None:
    found = errors_of(with_fields(base_rollout(BLUE_GREEN), changes))
    assert has_problem(found, path, message), found


def test_blue_green_valid_variants() -> None:
    doc = with_fields(
        base_rollout(BLUE_GREEN),
        {
            f"{BG}.previewService": DELETE,
            f"{BG}.scaleDownDelayRevisionLimit": 10,
            f"{BG}.antiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": {"weight": 100}
            },
            f"{BG}.postPromotionAnalysis": {"templates": [{"templateName": "t"}]},
        },
    )
    assert errors_of(doc) == []


def test_auto_promotion_seconds_without_auto_promotion_is_a_warning() -> None:
    doc = with_fields(
        base_rollout(BLUE_GREEN),
        {f"{BG}.autoPromotionEnabled": False, f"{BG}.autoPromotionSeconds": 30},
    )
    assert errors_of(doc) == []
    assert has_problem(warnings_of(doc), f"{BG}.autoPromotionSeconds", "no effect")
