"""Istio subset-level splitting with the seed article's payments-api DestinationRule and
VirtualService (tests/data/conformance/seed/payments-api-istio.yaml)."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.kubernetes import MANAGED_BY, POD_TEMPLATE_HASH
from adapters.traffic import KubernetesTrafficRouter
from rollouts.ports import PortError
from tests.integration.traffic.objects import (
    CANARY_HASH,
    STABLE_HASH,
    payments_routing,
    payments_weight,
    seed_payments,
    typed,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration
NS = "production"


def primary(kube: FakeKube) -> list[tuple[str, int]]:
    vs = kube.get("virtualservices", NS, "payments-api-vsvc")
    assert vs is not None
    (route,) = vs["spec"]["http"]
    assert route["name"] == "primary"
    return [(d["destination"]["subset"], d["weight"]) for d in route["route"]]


async def test_weight_5_is_the_seed_virtual_service_and_labels_the_subsets(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    rule, vs = seed_payments(fake_kube)
    await router.set_weight(payments_weight(5))
    held = fake_kube.get("virtualservices", NS, "payments-api-vsvc")
    assert held is not None and held["spec"] == vs["spec"]
    assert fake_kube.requests_for("update", "virtualservices") == []
    held_rule = fake_kube.get("destinationrules", NS, "payments-api-destrule")
    assert held_rule is not None
    assert held_rule["metadata"]["annotations"] == {MANAGED_BY: "payments-api"}
    assert held_rule["spec"]["trafficPolicy"] == rule["spec"]["trafficPolicy"]
    assert held_rule["spec"]["host"] == "payments-api"
    assert held_rule["spec"]["subsets"] == [
        {"name": "stable", "labels": {"version": "stable", POD_TEMPLATE_HASH: STABLE_HASH}},
        {"name": "canary", "labels": {"version": "canary", POD_TEMPLATE_HASH: CANARY_HASH}},
    ]
    assert await router.verify_weight(payments_weight(5)) is True


async def test_the_weights_follow_the_steps_and_abort_returns_to_100_0(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    for canary in (5, 25, 60, 100):
        await router.set_weight(payments_weight(canary))
        assert primary(fake_kube) == [("stable", 100 - canary), ("canary", canary)]
        assert await router.verify_weight(payments_weight(canary)) is True
    await router.set_weight(payments_weight(0))
    assert primary(fake_kube) == [("stable", 100), ("canary", 0)]
    assert await router.verify_weight(payments_weight(0)) is True
    assert await router.verify_weight(payments_weight(5)) is False


async def test_verify_detects_a_hand_edited_virtual_service(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    await router.set_weight(payments_weight(25))
    vs = fake_kube.get("virtualservices", NS, "payments-api-vsvc")
    assert vs is not None
    vs["spec"]["http"][0]["route"][0]["weight"] = 100
    vs["spec"]["http"][0]["route"][1]["weight"] = 0
    fake_kube.patch("virtualservices", NS, "payments-api-vsvc", {"spec": vs["spec"]})
    assert await router.verify_weight(payments_weight(25)) is False
    assert await router.read_weight(payments_weight(25)) == 0
    await router.set_weight(payments_weight(25))
    assert primary(fake_kube) == [("stable", 75), ("canary", 25)]
    assert await router.read_weight(payments_weight(25)) == 25


async def test_verify_detects_a_subset_pointing_at_another_hash(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    await router.set_weight(payments_weight(5))
    assert await router.verify_weight(payments_weight(5, canary_hash="0ther")) is False
    await router.set_weight(payments_weight(5, canary_hash=""))
    held = fake_kube.get("destinationrules", NS, "payments-api-destrule")
    assert held is not None
    assert held["spec"]["subsets"][1]["labels"] == {"version": "canary"}


async def test_unknown_subsets_are_dropped_except_additional_ones(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    rule, _ = seed_payments(fake_kube)
    extra = [{"name": "legacy", "labels": {"v": "0"}}, {"name": "shadow", "labels": {"v": "s"}}]
    fake_kube.patch(
        "destinationrules",
        NS,
        "payments-api-destrule",
        {"spec": {"subsets": rule["spec"]["subsets"] + extra}},
    )
    routing = payments_routing()
    routing["istio"]["destinationRule"]["additionalSubsetNames"] = ["shadow"]
    await router.set_weight(dataclasses.replace(payments_weight(5), routing=typed(routing)))
    held = fake_kube.get("destinationrules", NS, "payments-api-destrule")
    assert held is not None
    assert [s["name"] for s in held["spec"]["subsets"]] == ["stable", "canary", "shadow"]


async def test_a_conflicting_write_is_read_again_and_retried(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    fault = fake_kube.fail_next(409, resource="virtualservices")
    await router.set_weight(payments_weight(40))
    assert fault.hits == 1
    assert len(fake_kube.requests_for("update", "virtualservices")) == 2
    assert len(fake_kube.requests_for("get", "virtualservices")) == 2
    assert primary(fake_kube) == [("stable", 60), ("canary", 40)]


async def test_endless_conflicts_end_in_a_clear_error(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    fake_kube.fail_next(409, times=10, resource="destinationrules")
    with pytest.raises(
        PortError, match=r"update DestinationRule production/payments-api-destrule: gave up after 3"
    ):
        await router.set_weight(payments_weight(40))


async def test_missing_objects_are_clear_errors(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    with pytest.raises(
        PortError, match="DestinationRule production/payments-api-destrule not found"
    ):
        await router.set_weight(payments_weight(5))
    rule, _ = seed_payments(fake_kube)
    fake_kube.delete("virtualservices", NS, "payments-api-vsvc")
    with pytest.raises(
        PortError,
        match=r"VirtualService production/payments-api-vsvc not found \(rollout production/",
    ):
        await router.set_weight(payments_weight(5))
    fake_kube.patch(
        "destinationrules",
        NS,
        "payments-api-destrule",
        {"spec": {"subsets": rule["spec"]["subsets"][:1]}},
    )
    with pytest.raises(PortError, match="payments-api-destrule has no subset 'canary'"):
        await router.set_weight(payments_weight(5))


async def test_api_errors_name_the_object(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed_payments(fake_kube)
    fake_kube.fail_next(403, resource="virtualservices")
    with pytest.raises(PortError) as caught:
        await router.set_weight(payments_weight(40))
    message = str(caught.value)
    assert message.startswith("update VirtualService production/payments-api-vsvc: 403")
    assert "\n" not in message
