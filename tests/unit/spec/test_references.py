"""Cross-object checks: missing templates (warnings) and analyses that could never finish."""

from __future__ import annotations

from typing import Any

from rollouts.spec import ObjectLocation, SpecObject, check_references
from tests.unit.spec.helpers import base_rollout, base_template, parse, with_fields

STEP = "spec.strategy.canary.steps[0].analysis.templates[0].templateName"


def objects(*docs: dict[str, Any]) -> list[SpecObject]:
    parsed = []
    for doc in docs:
        obj, _ = parse(doc)
        assert obj is not None
        parsed.append(obj)
    return parsed


def rollout_with_step(
    *refs: dict[str, Any], args: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    analysis: dict[str, Any] = {"templates": list(refs)}
    if args:
        analysis["args"] = args
    return with_fields(base_rollout(), {"spec.strategy.canary.steps": [{"analysis": analysis}]})


def template(name: str, kind: str = "AnalysisTemplate", **spec: Any) -> dict[str, Any]:
    doc = with_fields(base_template(kind=kind), {"metadata.name": name})
    doc["spec"].update(spec)
    return doc


def test_present_templates_raise_nothing() -> None:
    found = check_references(
        objects(
            rollout_with_step(
                {"templateName": "rate"}, {"templateName": "global", "clusterScope": True}
            ),
            template("rate"),
            template("global", kind="ClusterAnalysisTemplate"),
        )
    )
    assert found == ()


def test_missing_template_is_a_warning_naming_it_and_the_referencing_path() -> None:
    found = check_references(
        objects(rollout_with_step({"templateName": "absent"})), [ObjectLocation("r.yaml", 3)]
    )
    assert [str(p) for p in found] == [
        f"r.yaml#3: {STEP}: Rollout demo references AnalysisTemplate 'absent', "
        "which is not among the given manifests"
    ]
    assert found[0].severity == "warning"


def test_cluster_scope_selects_the_cluster_template() -> None:
    found = check_references(
        objects(rollout_with_step({"templateName": "rate", "clusterScope": True}), template("rate"))
    )
    assert len(found) == 1
    assert "ClusterAnalysisTemplate 'rate'" in found[0].message


def test_namespaces_must_agree_when_both_are_given() -> None:
    other_namespace = with_fields(template("rate"), {"metadata.namespace": "staging"})
    found = check_references(objects(rollout_with_step({"templateName": "rate"}), other_namespace))
    assert len(found) == 1
    unnamespaced = template("rate")
    assert (
        check_references(objects(rollout_with_step({"templateName": "rate"}), unnamespaced)) == ()
    )


def test_blue_green_and_background_references_are_checked() -> None:
    strategy = {
        "blueGreen": {
            "activeService": "a",
            "prePromotionAnalysis": {"templates": [{"templateName": "pre"}]},
            "postPromotionAnalysis": {"templates": [{"templateName": "post"}]},
        }
    }
    found = check_references(objects(base_rollout(strategy)))
    assert [p.path for p in found] == [
        "spec.strategy.blueGreen.prePromotionAnalysis.templates[0].templateName",
        "spec.strategy.blueGreen.postPromotionAnalysis.templates[0].templateName",
    ]
    background = with_fields(
        base_rollout(), {"spec.strategy.canary.analysis": {"templates": [{"templateName": "bg"}]}}
    )
    assert [p.path for p in check_references(objects(background))] == [
        "spec.strategy.canary.analysis.templates[0].templateName"
    ]


def test_nested_template_references_are_checked() -> None:
    parent = template("parent", templates=[{"templateName": "child"}])
    found = check_references(objects(parent))
    assert [(p.path, p.severity) for p in found] == [("spec.templates[0].templateName", "warning")]
    assert "AnalysisTemplate parent references AnalysisTemplate 'child'" in found[0].message


def test_required_template_arguments_must_be_passed() -> None:
    needs_service = template("rate", args=[{"name": "service"}, {"name": "window", "value": "5m"}])
    missing = check_references(objects(rollout_with_step({"templateName": "rate"}), needs_service))
    assert [(p.path, p.severity) for p in missing] == [(STEP, "warning")]
    assert "needs argument 'service'" in missing[0].message
    passed = rollout_with_step({"templateName": "rate"}, args=[{"name": "service", "value": "web"}])
    assert check_references(objects(passed, needs_service)) == ()


def test_step_analysis_that_never_ends_is_an_error_but_background_is_fine() -> None:
    forever = template(
        "forever",
        metrics=[{"name": "m", "interval": "1m", "provider": {"web": {"url": "http://x"}}}],
    )
    found = check_references(objects(rollout_with_step({"templateName": "forever"}), forever))
    assert [(p.path, p.severity) for p in found] == [(STEP, "error")]
    assert (
        "has metric m which runs indefinitely. Invalid value for count: <nil>" in found[0].message
    )
    background = with_fields(
        base_rollout(),
        {"spec.strategy.canary.analysis": {"templates": [{"templateName": "forever"}]}},
    )
    assert check_references(objects(background, forever)) == ()


def test_nested_metrics_count_and_cycles_terminate() -> None:
    parent = template("parent", metrics=[], templates=[{"templateName": "child"}])
    child = template(
        "child",
        metrics=[
            {"name": "m", "interval": "1m", "count": 0, "provider": {"web": {"url": "http://x"}}}
        ],
        templates=[{"templateName": "parent"}],
    )
    found = check_references(objects(rollout_with_step({"templateName": "parent"}), parent, child))
    assert [(p.severity, "child has metric m" in p.message) for p in found] == [("error", True)]
