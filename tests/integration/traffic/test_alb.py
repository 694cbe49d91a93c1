"""ALB: the `actions.<service>` annotation on the Ingress, byte for byte as Argo writes it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.kubernetes.errors import KubernetesError
from adapters.traffic import KubernetesTrafficRouter
from adapters.traffic.alb_actions import MANAGED_ANNOTATIONS
from rollouts.ports import PortError
from tests.integration.traffic.objects import (
    DEMO,
    Obj,
    header,
    ingress,
    ingress_rule,
    typed,
    weight,
)
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration

KEY = "alb.ingress.kubernetes.io/actions.demo-stable"
ALB: Obj = {"alb": {"ingress": "web", "servicePort": 80}}


def alb(**fields: Any) -> Obj:
    return {"alb": {**ALB["alb"], **fields}}


def seed(kube: FakeKube, name: str = "web", service: str = "demo-stable") -> None:
    """An Ingress routed by the ALB controller: the backend names the action (use-annotation)."""
    body = ingress(name, ingress_rule("demo.example", ("/", service)))
    body["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "alb", "keep": "me"}
    kube.create(body)


def held_annotations(kube: FakeKube, name: str = "web") -> dict[str, str]:
    found = kube.get("ingresses", "default", name)
    assert found is not None
    result: dict[str, str] = found["metadata"]["annotations"]
    return result


async def test_the_action_is_argos_json_and_follows_the_weight(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube)
    assert await router.verify_weight(weight(ALB, 10)) is False
    assert await router.read_weight(weight(ALB, 10)) is None
    await router.set_weight(weight(ALB, 10))
    held = held_annotations(fake_kube)
    assert held[KEY] == (
        '{"Type":"forward","ForwardConfig":{"TargetGroups":['
        '{"ServiceName":"demo-canary","ServicePort":"80","Weight":10},'
        '{"ServiceName":"demo-stable","ServicePort":"80","Weight":90}]}}'
    )
    assert held[MANAGED_ANNOTATIONS] == '{"demo":["' + KEY + '"]}'
    assert held["keep"] == "me" and held["kubernetes.io/ingress.class"] == "alb"
    assert await router.verify_weight(weight(ALB, 10)) is True
    assert await router.verify_weight(weight(ALB, 20)) is False
    await router.set_weight(weight(ALB, 0))
    action = json.loads(held_annotations(fake_kube)[KEY])
    assert [g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]] == [0, 100]
    assert await router.read_weight(weight(ALB, 0)) == 0


async def test_prefix_root_service_and_stickiness(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube, service="root")
    sticky = {"enabled": True, "durationSeconds": 3600}
    routing = alb(annotationPrefix="custom.alb", rootService="root", stickinessConfig=sticky)
    await router.set_weight(weight(routing, 25))
    held = held_annotations(fake_kube)
    assert KEY not in held
    assert json.loads(held["custom.alb/actions.root"])["ForwardConfig"] == {
        "TargetGroups": [
            {"ServiceName": "demo-canary", "ServicePort": "80", "Weight": 25},
            {"ServiceName": "demo-stable", "ServicePort": "80", "Weight": 75},
        ],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 3600},
    }
    assert await router.verify_weight(weight(routing, 25)) is True


async def test_every_ingress_of_a_multi_ingress_rollout(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube, "web")
    seed(fake_kube, "api")
    routing = {"alb": {"ingresses": ["web", "api"], "servicePort": 8080}}
    await router.set_weight(weight(routing, 30))
    for name in ("web", "api"):
        assert '"ServicePort":"8080","Weight":30' in held_annotations(fake_kube, name)[KEY]
    edit = {"metadata": {"annotations": {KEY: held_annotations(fake_kube, "web")[KEY][:-5]}}}
    fake_kube.patch("ingresses", "default", "api", edit)
    assert await router.verify_weight(weight(routing, 30)) is False


async def test_other_rollouts_entries_in_the_managed_record_are_kept(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube)
    other = {"zeta": ["alb.ingress.kubernetes.io/actions.zeta"]}
    edit = {"metadata": {"annotations": {MANAGED_ANNOTATIONS: json.dumps(other)}}}
    fake_kube.patch("ingresses", "default", "web", edit)
    await router.set_weight(weight(ALB, 5))
    assert json.loads(held_annotations(fake_kube)[MANAGED_ANNOTATIONS]) == {"demo": [KEY], **other}


async def test_an_ingress_without_the_service_or_missing_is_a_clear_error(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    with pytest.raises(PortError, match="Ingress default/web not found"):
        await router.set_weight(weight(ALB, 10))
    seed(fake_kube, service="elsewhere")
    with pytest.raises(PortError, match="does not have service `demo-stable` in rules"):
        await router.set_weight(weight(ALB, 10))
    assert KEY not in held_annotations(fake_kube)


async def test_a_conflicting_writer_makes_it_read_again(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    """The patch carries the resourceVersion read: a 409 makes it read, recompute, retry."""
    seed(fake_kube)
    fake_kube.faults.fail_next(409, 2, verbs=["patch"], resource="ingresses", name="web")
    await router.set_weight(weight(ALB, 40))
    assert '"Weight":40' in held_annotations(fake_kube)[KEY]
    fake_kube.faults.fail_next(409, 5, verbs=["patch"], resource="ingresses", name="web")
    with pytest.raises(KubernetesError, match="gave up after 3 conflicting writes"):
        await router.set_weight(weight(ALB, 50))
    assert DEMO.name in held_annotations(fake_kube)[MANAGED_ANNOTATIONS]


ROUTED: Obj = {**alb(), "managedRoutes": [{"name": "beta"}, {"name": "gamma"}]}
ACTION, CONDITION = (f"alb.ingress.kubernetes.io/{k}.beta" for k in ("actions", "conditions"))


def paths(kube: FakeKube) -> list[tuple[str, str]]:
    found = kube.get("ingresses", "default", "web")
    assert found is not None
    listed = found["spec"]["rules"][0]["http"]["paths"]
    return [(p["path"], p["backend"]["service"]["name"]) for p in listed]


async def test_a_header_route_is_an_action_a_condition_and_a_path(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube)
    await router.set_weight(weight(ROUTED, 10))
    matches = [("X-Beta", "exact", "yes"), ("X-Beta", "exact", "sure"), ("X-Team", "exact", "a")]
    await router.set_route(header(ROUTED, "gamma", ("X-Team", "exact", "b")))
    await router.set_route(header(ROUTED, "beta", *matches))
    held = held_annotations(fake_kube)
    assert held[ACTION] == (
        '{"Type":"forward","ForwardConfig":{"TargetGroups":['
        '{"ServiceName":"demo-canary","ServicePort":"80","Weight":100}]}}'
    )
    assert held[CONDITION] == (
        '[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Beta",'
        '"values":["yes","sure"]}},{"field":"http-header","httpHeaderConfig":'
        '{"httpHeaderName":"X-Team","values":["a"]}}]'
    )
    record = json.loads(held[MANAGED_ANNOTATIONS])["demo"]
    assert record[0] == KEY and ACTION in record and CONDITION in record
    assert paths(fake_kube) == [("/*", "beta"), ("/*", "gamma"), ("/", "demo-stable")]
    found = fake_kube.get("ingresses", "default", "web")
    assert found is not None
    assert found["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] == {
        "name": "use-annotation"
    }
    assert await router.verify_weight(weight(ROUTED, 10)) is True

    await router.set_route(header(ROUTED, "beta"))
    held = held_annotations(fake_kube)
    assert ACTION not in held and CONDITION not in held
    assert ACTION not in json.loads(held[MANAGED_ANNOTATIONS])["demo"]
    assert paths(fake_kube) == [("/*", "gamma"), ("/", "demo-stable")]

    await router.remove_managed_routes(DEMO, typed(ROUTED))
    held = held_annotations(fake_kube)
    assert not [key for key in held if "gamma" in key]
    assert json.loads(held[MANAGED_ANNOTATIONS]) == {"demo": [KEY]}
    assert paths(fake_kube) == [("/", "demo-stable")]
    assert held[KEY].endswith('"Weight":90}]}}') and held["keep"] == "me"
    await router.remove_managed_routes(DEMO, typed(ROUTED))  # nothing left: still fine


async def test_only_exact_header_values_on_alb(
    router: KubernetesTrafficRouter, fake_kube: FakeKube
) -> None:
    seed(fake_kube)
    with pytest.raises(PortError, match="ALB supports 'exact' value only"):
        await router.set_route(header(ROUTED, "beta", ("X-Beta", "prefix", "y")))
    assert ACTION not in held_annotations(fake_kube)
