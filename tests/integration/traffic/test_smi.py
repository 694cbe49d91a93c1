"""SMI: the rollout's TrafficSplit, created, updated and never taken from someone else."""

from __future__ import annotations

import pytest

from adapters.kubernetes import MANAGED_BY
from adapters.traffic import KubernetesTrafficRouter
from rollouts.ports import PortError
from tests.integration.traffic.objects import Obj, weight
from tests.support.kube import FakeKube
from tests.support.kube_objects import custom

pytestmark = pytest.mark.integration


def split(kube: FakeKube, name: str = "demo", version: str = "v1alpha1") -> Obj:
    found = kube.get(f"split.smi-spec.io/{version}/trafficsplits", "default", name)
    assert found is not None, f"no TrafficSplit {name}"
    return found


async def test_created_with_string_weights_in_v1alpha1_then_updated(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    await router.set_weight(weight({"smi": {}}, 10))
    held = split(fake_kube)
    assert held["metadata"]["annotations"] == {MANAGED_BY: "demo"}
    assert held["spec"] == {
        "service": "demo-stable",
        "backends": [
            {"service": "demo-canary", "weight": "10"},
            {"service": "demo-stable", "weight": "90"},
        ],
    }
    assert await router.verify_weight(weight({"smi": {}}, 10)) is True
    await router.set_weight(weight({"smi": {}}, 60))
    assert [b["weight"] for b in split(fake_kube)["spec"]["backends"]] == ["60", "40"]
    assert await router.verify_weight(weight({"smi": {}}, 10)) is False
    await router.set_weight(weight({"smi": {}}, 60))
    assert len(fake_kube.requests_for("patch", "trafficsplits")) == 1


@pytest.mark.parametrize("version", ["v1alpha2", "v1alpha3"])
async def test_later_versions_write_integers_to_the_named_split(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, version: str
) -> None:
    routing = {"smi": {"trafficSplitName": "shop", "rootService": "shop", "apiVersion": version}}
    await router.set_weight(weight(routing, 25))
    held = split(fake_kube, "shop", version)
    assert held["apiVersion"] == f"split.smi-spec.io/{version}"
    assert held["spec"] == {
        "service": "shop",
        "backends": [
            {"service": "demo-canary", "weight": 25},
            {"service": "demo-stable", "weight": 75},
        ],
    }
    assert await router.read_weight(weight(routing, 25)) == 25


async def test_a_split_of_someone_else_is_refused(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    fake_kube.create(
        custom("split.smi-spec.io/v1alpha1", "TrafficSplit", "demo", service="x", backends=[])
    )
    with pytest.raises(PortError, match="does not own TrafficSplit `demo`"):
        await router.set_weight(weight({"smi": {}}, 10))
    assert split(fake_kube)["spec"] == {"service": "x", "backends": []}


async def test_a_hand_edit_is_detected_and_an_unknown_version_refused(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    assert await router.verify_weight(weight({"smi": {}}, 10)) is False
    await router.set_weight(weight({"smi": {}}, 10))
    backends = [
        {"service": "demo-canary", "weight": "0"},
        {"service": "demo-stable", "weight": "100"},
    ]
    fake_kube.patch(
        "split.smi-spec.io/v1alpha1/trafficsplits",
        "default",
        "demo",
        {"spec": {"backends": backends}},
    )
    assert await router.verify_weight(weight({"smi": {}}, 10)) is False
    assert await router.read_weight(weight({"smi": {}}, 10)) == 0
    with pytest.raises(PortError, match="Unsupported TrafficSplit API version `v2`"):
        await router.set_weight(weight({"smi": {"apiVersion": "v2"}}, 10))
