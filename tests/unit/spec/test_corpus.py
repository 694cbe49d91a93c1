"""Every conformance manifest (Argo examples, Argo e2e fixtures, the seed article) is loaded.

The exact set of files expected to fail is listed with the reason, so any change of behaviour
(a newly rejected Argo example, or a malformed fixture that starts passing) fails this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rollouts.spec import (
    ObjectLocation,
    SpecObject,
    SpecProblem,
    check_references,
    load_manifests,
)

CONFORMANCE = Path(__file__).parents[2] / "data" / "conformance"
CORPUS = sorted(
    path.relative_to(CONFORMANCE).as_posix()
    for folder in ("argo-examples", "argo-e2e", "seed")
    for path in (CONFORMANCE / folder).glob("*.yaml")
)

EXPERIMENT_STEP = "experiment steps are not supported yet"
EXPERIMENT_KIND = "kind Experiment is not supported yet"
ANALYSIS_RUN_KIND = "kind AnalysisRun is not supported yet"
PING_PONG = "pingPong is not supported yet"
PLUGIN_STEP = "plugin steps are not supported yet"
YAML = "YAML syntax error"
NO_KIND = "every manifest needs apiVersion and kind"
BAD_QUANTITY = "quantities must match the regular expression"
APISIX = "APISIX traffic router is not supported yet"
ROUTING_EXPERIMENT = "argo-examples/traffic-routing-experiment-step__"

# file -> a message fragment one of its errors must contain (the reason it fails).
EXPECTED_FAILURES: dict[str, str] = {
    # Experiments (steps and the Experiment kind) are not implemented yet.
    "argo-e2e/alb__rollout-alb-experiment-no-setweight.yaml": EXPERIMENT_STEP,
    "argo-e2e/alb__rollout-alb-experiment.yaml": EXPERIMENT_STEP,
    "argo-e2e/alb__rollout-alb-multi-ingress-experiment-no-setweight.yaml": EXPERIMENT_STEP,
    "argo-e2e/alb__rollout-alb-multi-ingress-experiment.yaml": EXPERIMENT_STEP,
    "argo-e2e/functional__rollout-experiment-analysis.yaml": EXPERIMENT_STEP,
    "argo-e2e/istio__istio-host-split-experiment-step.yaml": EXPERIMENT_STEP,
    "argo-e2e/istio__istio-subset-split-experiment-step.yaml": EXPERIMENT_STEP,
    "argo-e2e/smi__rollout-smi-experiment.yaml": EXPERIMENT_STEP,
    "argo-examples/rollout-baseline-vs-canary.yaml": EXPERIMENT_STEP,
    "argo-examples/rollout-canary-preview.yaml": EXPERIMENT_STEP,
    "argo-examples/rollout-experiment-step.yaml": EXPERIMENT_STEP,
    f"{ROUTING_EXPERIMENT}istio-host-split-experiment-step.yaml": EXPERIMENT_STEP,
    f"{ROUTING_EXPERIMENT}rollout-alb-experiment-step.yaml": EXPERIMENT_STEP,
    f"{ROUTING_EXPERIMENT}rollout-smi-experiment-step.yaml": EXPERIMENT_STEP,
    "argo-e2e/expectedfailures__experiment-degrade.yaml": EXPERIMENT_KIND,
    "argo-e2e/expectedfailures__experiment-error-template-missing.yaml": EXPERIMENT_KIND,
    "argo-e2e/expectedfailures__experiment-failed-analysis.yaml": EXPERIMENT_KIND,
    "argo-e2e/expectedfailures__experiment-invalid.yaml": EXPERIMENT_KIND,
    "argo-e2e/expectedfailures__malformed-experiment.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-basic.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-dry-run-analysis.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-measurement-retention-analysis.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-same-template.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-with-multiport-service.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-with-service-name.yaml": EXPERIMENT_KIND,
    "argo-e2e/functional__experiment-with-service.yaml": EXPERIMENT_KIND,
    "argo-examples/experiment-with-analysis.yaml": EXPERIMENT_KIND,
    # Bare AnalysisRun objects are created by the controller, not accepted as input (yet).
    "argo-e2e/expectedfailures__analysis-run-prometheus-bad-server.yaml": ANALYSIS_RUN_KIND,
    "argo-e2e/expectedfailures__malformed-analysisrun.yaml": ANALYSIS_RUN_KIND,
    "argo-e2e/functional__analysis-run-job.yaml": ANALYSIS_RUN_KIND,
    # Traffic routers other than Istio, NGINX, SMI, ALB, Traefik and the Gateway API plugin.
    "argo-e2e/functional__alb-pingpong-multi-ingress-rollout.yaml": PING_PONG,
    "argo-e2e/functional__alb-pingpong-rollout.yaml": PING_PONG,
    "argo-e2e/functional__albmesh-pingpong-stablecanary-rollout.yaml": PING_PONG,
    "argo-e2e/apisix__rollout-apisix-canary-set-header.yaml": APISIX,
    "argo-e2e/apisix__rollout-apisix-canary.yaml": APISIX,
    "argo-examples/apisix__rollout.yaml": APISIX,
    "argo-e2e/appmesh__appmesh-canary-rollout.yaml": "App Mesh traffic router is not supported yet",
    "argo-examples/appmesh__canary-rollout.yaml": "App Mesh traffic router is not supported yet",
    "argo-examples/ambassador__rollout.yaml": "Ambassador traffic router is not supported yet",
    "argo-e2e/istio__istio-host-split-ping-pong.yaml": PING_PONG,
    # Step plugins.
    "argo-e2e/step-plugin__disabled-rollout.yaml": PLUGIN_STEP,
    "argo-e2e/step-plugin__invalid-rollout.yaml": PLUGIN_STEP,
    "argo-e2e/step-plugin__template-rollout.yaml": PLUGIN_STEP,
    # Malformed on purpose: invalid resource quantities (Kubernetes refuses them).
    "argo-e2e/expectedfailures__malformed-analysistemplate.yaml": BAD_QUANTITY,
    "argo-e2e/expectedfailures__malformed-clusteranalysistemplate.yaml": BAD_QUANTITY,
    "argo-e2e/expectedfailures__malformed-rollout-ephemeral.yaml": BAD_QUANTITY,
    "argo-e2e/expectedfailures__malformed-rollout.yaml": BAD_QUANTITY,
    # Not plain YAML: a mis-indented fixture, Helm templates, `{{args.x}}` unquoted in a flow.
    "argo-e2e/expectedfailures__analysis-run-failfast.yaml": YAML,
    "argo-examples/helm-blue-green__templates__rollout.yaml": YAML,
    "argo-examples/helm-blue-green__templates__services.yaml": YAML,
    "argo-examples/traffic-management__rollout-linkerd.yaml": YAML,
    # Helm chart metadata and values are not Kubernetes objects.
    "argo-examples/helm-blue-green__Chart.yaml": NO_KIND,
    "argo-examples/helm-blue-green__values.yaml": NO_KIND,
    # The seed article left selector and template out of two Rollouts.
    "seed/checkout-api-bluegreen.yaml": "missing field '.spec.selector'",
    "seed/checkout-api-rollout.yaml": "missing field '.spec.template'",
}
DOCUMENT_LEVEL = (YAML, NO_KIND, "not a mapping")


def _problems(name: str) -> tuple[SpecProblem, ...]:
    text = (CONFORMANCE / name).read_text(encoding="utf-8")
    result = load_manifests(text, source=name, ignore_unknown_kinds=True)
    return result.problems + check_references(result.objects, result.locations)


def test_corpus_is_complete() -> None:
    assert len(CORPUS) > 120
    assert set(EXPECTED_FAILURES) <= set(CORPUS)


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_file_passes_or_fails_for_the_listed_reason(name: str) -> None:
    problems = _problems(name)
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        assert problem.message.strip(), problem
        assert problem.source == name and problem.document is not None
        # Only whole-document problems (YAML syntax, not a mapping, no kind) have no field path.
        assert problem.path or problem.message.startswith(DOCUMENT_LEVEL), problem
    if name not in EXPECTED_FAILURES:
        assert errors == [], [str(p) for p in errors]
        return
    reason = EXPECTED_FAILURES[name]
    assert any(reason in p.message for p in errors), [str(p) for p in errors]


@pytest.mark.parametrize("name", [n for n in CORPUS if "expectedfailures__malformed-" in n])
def test_malformed_fixtures_are_rejected(name: str) -> None:
    assert any(p.is_error for p in _problems(name))


def test_seed_manifests_together_name_the_missing_templates() -> None:
    objects: list[SpecObject] = []
    locations: list[ObjectLocation] = []
    for name in (n for n in CORPUS if n.startswith("seed/")):
        result = load_manifests(
            (CONFORMANCE / name).read_text(), source=name, ignore_unknown_kinds=True
        )
        objects.extend(result.objects)
        locations.extend(result.locations)
    missing = {
        p.message.split("'")[1]
        for p in check_references(objects, locations)
        if "not among" in p.message
    }
    assert missing == {
        "checkout-smoke-test",
        "checkout-integration-test",
        "checkout-p99-latency",
        "payments-p99-latency",
        "payments-business-metrics",
    }
