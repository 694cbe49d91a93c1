"""NGINX: the canary Ingress beside each stable Ingress, and its annotations."""

from __future__ import annotations

import pytest

from adapters.kubernetes import MANAGED_BY
from adapters.traffic import KubernetesTrafficRouter, canary_ingress_name
from rollouts.ports import PortError
from tests.integration.traffic.objects import Obj, ingress, ingress_rule, weight
from tests.support.kube import FakeKube
from tests.support.kube_objects import rollout

pytestmark = pytest.mark.integration
P = "nginx.ingress.kubernetes.io"


def nginx(**config: object) -> Obj:
    return {"nginx": {"stableIngress": "web", **config}}


def canary(kube: FakeKube, name: str = "demo-web-canary") -> Obj:
    found = kube.get("ingresses", "default", name)
    assert found is not None, f"no Ingress {name}"
    return found


@pytest.fixture
def web(fake_kube: FakeKube) -> Obj:
    stable = ingress(
        "web",
        ingress_rule("demo.example", ("/", "demo-stable"), ("/static", "cdn")),
        ingress_rule("other.example", ("/", "other")),
        ingressClassName="nginx",
        tls=[{"hosts": ["demo.example"], "secretName": "demo-tls"}],
    )
    stable["metadata"]["annotations"] = {
        "kubernetes.io/ingress.class": "nginx",
        f"{P}/rewrite-target": "/",
    }
    return fake_kube.create(stable)


async def test_the_canary_ingress_copies_the_matching_rules_and_is_annotated(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    routing = nginx(
        additionalIngressAnnotations={"canary-by-header": "X-Canary", f"{P}/load-balance": "ewma"},
        canaryIngressAnnotations={"example.com/team": "payments", f"{P}/canary-by-header": "X-C"},
    ) | {"maxTrafficWeight": 1000}
    await router.set_weight(weight(routing, 50, total=1000))
    held = canary(fake_kube)
    assert held["metadata"]["annotations"] == {
        MANAGED_BY: "demo",
        "kubernetes.io/ingress.class": "nginx",
        f"{P}/canary": "true",
        f"{P}/canary-weight": "50",
        f"{P}/canary-weight-total": "1000",
        f"{P}/canary-by-header": "X-C",
        f"{P}/load-balance": "ewma",
        "example.com/team": "payments",
    }
    rules = held["spec"]["rules"]
    assert [r["host"] for r in rules] == ["demo.example"]
    backends = [p["backend"]["service"]["name"] for p in rules[0]["http"]["paths"]]
    assert backends == ["demo-canary", "cdn"]
    assert held["spec"]["ingressClassName"] == "nginx"
    assert held["spec"]["tls"] == web["spec"]["tls"]
    assert "ownerReferences" not in held["metadata"]
    assert await router.verify_weight(weight(routing, 50, total=1000)) is True


async def test_the_weight_is_patched_and_others_annotations_stay(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    await router.set_weight(weight(nginx(), 10))
    fake_kube.patch(
        "ingresses", "default", "demo-web-canary", {"metadata": {"annotations": {"x/y": "z"}}}
    )
    await router.set_weight(weight(nginx(), 30))
    (patch,) = [r.body for r in fake_kube.requests_for("patch", "ingresses")]
    assert patch == {"metadata": {"annotations": {f"{P}/canary-weight": "30"}}}
    annotations = canary(fake_kube)["metadata"]["annotations"]
    assert annotations["x/y"] == "z" and annotations[f"{P}/canary-weight"] == "30"
    await router.set_weight(weight(nginx(), 30))
    assert len(fake_kube.requests_for("patch", "ingresses")) == 1
    await router.set_weight(weight(nginx(), 0))
    assert canary(fake_kube)["metadata"]["annotations"][f"{P}/canary-weight"] == "0"
    assert await router.verify_weight(weight(nginx(), 0)) is True


async def test_a_hand_edited_weight_is_detected(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    assert await router.verify_weight(weight(nginx(), 20)) is False
    assert await router.read_weight(weight(nginx(), 20)) is None
    await router.set_weight(weight(nginx(), 20))
    edit = {"metadata": {"annotations": {f"{P}/canary-weight": "0"}}}
    fake_kube.patch("ingresses", "default", "demo-web-canary", edit)
    assert await router.verify_weight(weight(nginx(), 20)) is False
    assert await router.read_weight(weight(nginx(), 20)) == 0


async def test_several_stable_ingresses_and_an_owning_rollout(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    fake_kube.create(ingress("api", ingress_rule("api.example", ("/", "demo-stable"))))
    owner = fake_kube.create(rollout("demo"))
    routing = {"nginx": {"stableIngresses": ["web", "api"], "annotationPrefix": "custom.io"}}
    await router.set_weight(weight(routing, 5))
    for name in ("demo-web-canary", "demo-api-canary"):
        held = canary(fake_kube, name)
        assert held["metadata"]["annotations"]["custom.io/canary-weight"] == "5"
        (reference,) = held["metadata"]["ownerReferences"]
        assert (reference["kind"], reference["uid"]) == ("Rollout", owner["metadata"]["uid"])
    assert await router.verify_weight(weight(routing, 5)) is True


async def test_a_canary_ingress_of_someone_else_is_refused(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    fake_kube.create(ingress("demo-web-canary", ingress_rule("x", ("/", "x"))))
    with pytest.raises(PortError, match="canary Ingress `demo-web-canary` controlled by different"):
        await router.set_weight(weight(nginx(), 5))
    assert fake_kube.requests_for("patch") == []


async def test_missing_or_unusable_stable_ingresses_are_clear_errors(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    with pytest.raises(PortError, match=r"Ingress default/web not found \(rollout default/demo"):
        await router.set_weight(weight(nginx(), 5))
    fake_kube.create(ingress("web", ingress_rule("demo.example", ("/", "elsewhere"))))
    with pytest.raises(PortError, match="Ingress `web` has no rules using service demo-stable"):
        await router.set_weight(weight(nginx(), 5))
    with pytest.raises(PortError, match="needs both canaryService and stableService"):
        await router.set_weight(weight(nginx(), 5, canary_service=""))


async def test_a_lost_create_race_becomes_a_patch(
    router: KubernetesTrafficRouter, fake_kube: FakeKube, web: Obj
) -> None:
    fake_kube.fail_next(409, verbs=["create"], resource="ingresses")
    await router.set_weight(weight(nginx(), 5))
    assert canary(fake_kube)["metadata"]["annotations"][f"{P}/canary-weight"] == "5"


def test_long_names_are_trimmed_to_253_characters() -> None:
    name = canary_ingress_name("r" * 200, "s" * 100)
    assert len(name) == 253 and name.endswith("-canary") and name.startswith("r" * 200 + "-s")
