"""The router objects the tests seed: the seed article's payments-api Istio objects, and small
builders for VirtualServices, Ingresses and HTTPRoutes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from adapters.workers.traffic import route_spec
from rollouts.ports import ManagedRoute, RolloutRef, WeightRequest
from rollouts.spec.traffic import TrafficRouting
from tests.support.kube import FakeKube

Obj = dict[str, Any]
SEED = Path(__file__).parents[2] / "data" / "conformance" / "seed"
ISTIO = "networking.istio.io/v1beta1"
PAYMENTS = RolloutRef("production", "payments-api")
DEMO = RolloutRef("default", "demo")
CANARY_HASH, STABLE_HASH = "7d9f8c6b5", "5c4b3a291"


def seed(name: str) -> list[Obj]:
    with (SEED / name).open() as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc]


def payments_istio(namespace: str = "production") -> tuple[Obj, Obj]:
    """The seed's DestinationRule and VirtualService, served as v1beta1 in `namespace`."""
    rule, vs = seed("payments-api-istio.yaml")
    for obj in (rule, vs):
        obj["apiVersion"] = ISTIO
        obj["metadata"]["namespace"] = namespace
    return rule, vs


def payments_routing() -> Obj:
    (rollout,) = seed("payments-api-rollout.yaml")
    routing: Obj = rollout["spec"]["strategy"]["canary"]["trafficRouting"]
    return routing


def seed_payments(kube: FakeKube) -> tuple[Obj, Obj]:
    rule, vs = payments_istio()
    kube.create(copy.deepcopy(rule))
    kube.create(copy.deepcopy(vs))
    return rule, vs


def typed(routing: Obj) -> TrafficRouting:
    """A `trafficRouting` block as the traffic worker hands it to the router."""
    return TrafficRouting.model_validate(routing)


def payments_weight(canary: int, canary_hash: str = CANARY_HASH) -> WeightRequest:
    return WeightRequest(
        PAYMENTS, canary, 100 - canary, canary_hash, STABLE_HASH, routing=typed(payments_routing())
    )


def weight(
    routing: Obj,
    canary: int,
    rollout: RolloutRef = DEMO,
    *,
    canary_service: str = "demo-canary",
    stable_service: str = "demo-stable",
    total: int = 100,
) -> WeightRequest:
    return WeightRequest(
        rollout,
        canary,
        total - canary,
        CANARY_HASH,
        STABLE_HASH,
        canary_service,
        stable_service,
        typed(routing),
    )


def header(routing: Obj, name: str, *matches: tuple[str, str, str]) -> ManagedRoute:
    """A setHeaderRoute step: (header, kind, value) matches; none removes the route."""
    body = None
    if matches:
        match = [{"headerName": h, "headerValue": {kind: value}} for h, kind, value in matches]
        body = {"name": name, "match": match}
    return ManagedRoute(DEMO, name, "header", route_spec("header", body), typed(routing))


def destination(host: str, weight: int | None = None, subset: str = "", port: int = 0) -> Obj:
    target: Obj = {"host": host}
    if subset:
        target["subset"] = subset
    if port:
        target["port"] = {"number": port}
    found: Obj = {"destination": target}
    if weight is not None:
        found["weight"] = weight
    return found


def virtual_service(name: str, namespace: str = "default", **spec: Any) -> Obj:
    metadata = {"name": name, "namespace": namespace}
    return {"apiVersion": ISTIO, "kind": "VirtualService", "metadata": metadata, "spec": spec}


def ingress(name: str, *rules: Obj, namespace: str = "default", **spec: Any) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"rules": list(rules), **spec},
    }


def ingress_rule(host: str, *paths: tuple[str, str]) -> Obj:
    """A rule for `host` with (path, service) backends on port 80."""
    return {
        "host": host,
        "http": {
            "paths": [
                {
                    "path": path,
                    "pathType": "Prefix",
                    "backend": {"service": {"name": svc, "port": {"number": 80}}},
                }
                for path, svc in paths
            ]
        },
    }


def http_route(name: str, *rules: Obj, namespace: str = "default") -> Obj:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": list(rules)},
    }


def backends(*refs: tuple[str, int], **rule: Any) -> Obj:
    return {
        "backendRefs": [{"name": svc, "port": 80, "weight": w} for svc, w in refs],
        **rule,
    }
