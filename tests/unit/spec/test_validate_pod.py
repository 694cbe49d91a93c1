"""Pod template rules Kubernetes would enforce: containers, names, images, quantities."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.spec.validate.pod import quantity_problem
from tests.unit.spec.helpers import base_rollout, base_template, errors_of, has_problem, with_fields

M = "spec.metrics[0]"
GOOD_POD = {"containers": [{"name": "c", "image": "alpine"}], "restartPolicy": "Never"}


def job(pod_spec: dict[str, Any], **job_spec: Any) -> dict[str, Any]:
    config = {"spec": {"template": {"spec": pod_spec}, **job_spec}}
    return base_template([{"name": "m", "provider": {"job": config}}])


def rollout(changes: dict[str, Any]) -> dict[str, Any]:
    return with_fields(base_rollout(), changes)


CONTAINER = "spec.template.spec.containers[0]"


def container(**fields: Any) -> dict[str, Any]:
    return rollout({"spec.template.spec.containers.0": {"name": "demo", "image": "x", **fields}})


INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "no containers",
        rollout({"spec.template.spec.containers": []}),
        "spec.template.spec.containers",
        "at least one container",
    ),
    (
        "container without name",
        rollout({"spec.template.spec.containers": [{"image": "x"}]}),
        f"{CONTAINER}.name",
        "needs a name",
    ),
    (
        "container without image",
        rollout({"spec.template.spec.containers": [{"name": "x"}]}),
        f"{CONTAINER}.image",
        "needs an image",
    ),
    (
        "duplicate container names",
        rollout({"spec.template.spec.initContainers": [{"name": "demo", "image": "x"}]}),
        f"{CONTAINER}.name",
        "duplicate container name",
    ),
    (
        "bad quantity",
        container(resources={"limits": {"cpu": "lots"}}),
        f"{CONTAINER}.resources.limits.cpu",
        "quantities must match",
    ),
    (
        "negative quantity",
        container(resources={"requests": {"cpu": "-1"}}),
        f"{CONTAINER}.resources.requests.cpu",
        "greater than or equal to 0",
    ),
    (
        "resources not a mapping",
        container(resources=["cpu"]),
        f"{CONTAINER}.resources",
        "must be a mapping",
    ),
    (
        "rollout restart policy",
        rollout({"spec.template.spec.restartPolicy": "Never"}),
        "spec.template.spec.restartPolicy",
        "must be Always",
    ),
    (
        "job without template",
        base_template([{"name": "m", "provider": {"job": {"spec": {}}}}]),
        f"{M}.provider.job.spec.template.spec",
        "needs a pod template",
    ),
    (
        "job restart policy",
        job({"containers": [{"name": "c", "image": "i"}]}),
        f"{M}.provider.job.spec.template.spec.restartPolicy",
        "must be Never or OnFailure",
    ),
    (
        "job bad quantity",
        job(
            {
                **GOOD_POD,
                "containers": [
                    {"name": "c", "image": "i", "resources": {"requests": {"memory": "invalid"}}}
                ],
            }
        ),
        f"{M}.provider.job.spec.template.spec.containers[0].resources.requests.memory",
        "quantities must match",
    ),
    (
        "job negative backoff",
        job(GOOD_POD, backoffLimit=-1),
        f"{M}.provider.job.spec.backoffLimit",
        "greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(
    ("name", "doc", "path", "message"), INVALID, ids=[case[0] for case in INVALID]
)
def test_invalid_pods_are_reported(name: str, doc: dict[str, Any], path: str, message: str) -> None:
    found = errors_of(doc)
    assert has_problem(found, path, message), found


VALID: list[tuple[str, dict[str, Any]]] = [
    (
        "good quantities",
        container(
            resources={
                "limits": {"cpu": "500m", "memory": "128Mi"},
                "requests": {"cpu": 1, "memory": "1e3"},
            }
        ),
    ),
    ("restart policy Always", rollout({"spec.template.spec.restartPolicy": "Always"})),
    ("job", job(GOOD_POD, backoffLimit=0)),
    ("job on failure", job({**GOOD_POD, "restartPolicy": "OnFailure"})),
]


@pytest.mark.parametrize(("name", "doc"), VALID, ids=[case[0] for case in VALID])
def test_valid_pods_pass(name: str, doc: dict[str, Any]) -> None:
    assert errors_of(doc) == []


@pytest.mark.parametrize(
    "quantity", ["1", 1, 0.5, "500m", "128Mi", "1Gi", "1e3", "1E-3", ".5", "2k"]
)
def test_kubernetes_quantities_are_accepted(quantity: object) -> None:
    assert quantity_problem(quantity) is None


@pytest.mark.parametrize("quantity", ["invalid", "1 Gi", "1GB", "Mi", "", "1.2.3", True, None, [1]])
def test_malformed_quantities_are_refused(quantity: object) -> None:
    assert quantity_problem(quantity) is not None
