"""Least privilege: each worker's ServiceAccount is granted exactly what that worker calls.

The expected grants are data, derived from what each worker does against the Kubernetes API
(the Kubernetes adapters are not written yet; when they are, this table is what they may call).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.deploy.kustomize import Manifest
from tests.deploy.manifests import NAMESPACE, OVERLAYS, named, of_kind, overlay, pod_spec

Grant = tuple[str, str, str]  # (apiGroup, resource, verb)
ALL_WRITE = ("get", "list", "watch", "create", "update", "patch")


def grants(group: str, resources: tuple[str, ...], verbs: tuple[str, ...]) -> set[Grant]:
    return {(group, resource, verb) for resource in resources for verb in verbs}


EXPECTED: dict[str, set[Grant]] = {
    "controller": grants("argoproj.io", ("rollouts",), ("get", "list", "watch"))
    | grants("apps", ("deployments", "replicasets"), ("get", "list", "watch"))
    | grants("", ("podtemplates",), ("get", "list", "watch"))
    | grants("apps", ("deployments/scale",), ("get", "patch"))
    | grants("argoproj.io", ("rollouts/status",), ("update", "patch"))
    | grants("", ("events",), ("create",))
    | grants("argoproj.io", ("analysisruns",), (*ALL_WRITE, "delete"))
    | grants("batch", ("jobs",), ("delete",)),
    "scaler": grants("apps", ("replicasets",), (*ALL_WRITE, "delete"))
    | grants("", ("services",), ("get", "patch"))
    | grants("argoproj.io", ("rollouts",), ("get",))
    | grants("", ("pods",), ("list",))
    | grants("", ("pods/eviction",), ("create",)),
    "traffic": grants("networking.istio.io", ("virtualservices", "destinationrules"), ALL_WRITE)
    | grants("networking.k8s.io", ("ingresses",), ALL_WRITE)
    | grants("split.smi-spec.io", ("trafficsplits",), ALL_WRITE)
    | grants("gateway.networking.k8s.io", ("httproutes",), ALL_WRITE)
    | grants("traefik.io", ("traefikservices",), ("get", "update"))
    | grants("traefik.containo.us", ("traefikservices",), ("get", "update"))
    | grants("argoproj.io", ("rollouts",), ("get",)),
    "analysis": grants(
        "argoproj.io", ("analysistemplates", "clusteranalysistemplates"), ("get", "list", "watch")
    )
    | grants("", ("secrets",), ("get",))
    | grants("batch", ("jobs",), ("create", "get", "delete")),
    "notifier": grants("", ("configmaps", "secrets"), ("get",)),
    "timer": set(),
}
# Namespaced workers: their grants hold in the rollouts namespace only (a Role, not a
# ClusterRole), and only on the named objects.
NAMESPACED = {"notifier": ("rollouts-notifications",)}
WORKERS = tuple(EXPECTED)


def _rules_grants(rules: list[dict[str, Any]]) -> set[Grant]:
    found: set[Grant] = set()
    for rule in rules:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    found.add((group, resource, verb))
    return found


def effective_grants(objects: tuple[Manifest, ...], service_account: str) -> dict[str, set[Grant]]:
    """Grants of a ServiceAccount by scope: "cluster" or the namespace of a RoleBinding."""
    roles = {(m["kind"], m["metadata"]["name"]): m for m in objects if m["kind"].endswith("Role")}
    result: dict[str, set[Grant]] = defaultdict(set)
    for binding in objects:
        if binding["kind"] not in {"RoleBinding", "ClusterRoleBinding"}:
            continue
        subjects = binding.get("subjects", [])
        if not any(
            s["kind"] == "ServiceAccount"
            and s["name"] == service_account
            and s.get("namespace") == NAMESPACE
            for s in subjects
        ):
            continue
        ref = binding["roleRef"]
        role = roles[(ref["kind"], ref["name"])]
        scope = "cluster" if binding["kind"] == "ClusterRoleBinding" else NAMESPACE
        result[scope] |= _rules_grants(role["rules"])
    return dict(result)


def expected_scopes(workers: tuple[str, ...]) -> dict[str, set[Grant]]:
    scopes: dict[str, set[Grant]] = defaultdict(set)
    for worker in workers:
        if EXPECTED[worker]:
            scopes[NAMESPACE if worker in NAMESPACED else "cluster"] |= EXPECTED[worker]
    return dict(scopes)


@pytest.mark.parametrize("worker", WORKERS)
def test_split_worker_is_granted_exactly_what_it_calls(worker: str) -> None:
    objects = overlay("split-workers")
    deployment = named(objects, "Deployment", f"rollouts-{worker}")
    account = pod_spec(deployment)["serviceAccountName"]
    assert account == f"rollouts-{worker}"
    assert effective_grants(objects, account) == expected_scopes((worker,))


def test_all_in_one_is_granted_the_union_of_the_workers() -> None:
    objects = overlay("all-in-one")
    (deployment,) = of_kind(objects, "Deployment")
    account = pod_spec(deployment)["serviceAccountName"]
    assert effective_grants(objects, account) == expected_scopes(WORKERS)


@pytest.mark.parametrize("name", OVERLAYS)
def test_no_wildcards_and_no_escalation_verbs(name: str) -> None:
    for role in overlay(name):
        if not role["kind"].endswith("Role"):
            continue
        for rule in role["rules"]:
            for field in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule[field], (role["metadata"]["name"], field)
            assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"])
            assert "nonResourceURLs" not in rule


def test_namespaced_grants_are_limited_to_named_objects() -> None:
    objects = overlay("split-workers")
    for worker, names in NAMESPACED.items():
        role = named(objects, "Role", f"rollouts-{worker}")
        assert role["metadata"]["namespace"] == NAMESPACE
        for rule in role["rules"]:
            assert tuple(rule.get("resourceNames", ())) == names


def test_secrets_are_never_listed_or_watched() -> None:
    for name in OVERLAYS:
        for role in overlay(name):
            if role["kind"].endswith("Role") and not role["kind"].endswith("Binding"):
                for group, resource, verb in _rules_grants(role["rules"]):
                    if (group, resource) == ("", "secrets"):
                        assert verb == "get", role["metadata"]["name"]


@pytest.mark.parametrize("name", OVERLAYS)
def test_only_kubernetes_clients_mount_a_token(name: str) -> None:
    objects = overlay(name)
    accounts = {m["metadata"]["name"]: m for m in of_kind(objects, "ServiceAccount")}
    for workload in [*of_kind(objects, "Deployment"), *of_kind(objects, "StatefulSet")]:
        spec = pod_spec(workload)
        account = spec["serviceAccountName"]
        assert account in accounts, f"{workload['metadata']['name']}: no ServiceAccount {account}"
        has_grants = bool(effective_grants(objects, account))
        assert spec["automountServiceAccountToken"] is has_grants, workload["metadata"]["name"]
        assert accounts[account].get("automountServiceAccountToken") is has_grants


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_binding_refers_to_a_role_and_account_that_exist(name: str) -> None:
    objects = overlay(name)
    roles = {(m["kind"], m["metadata"]["name"]) for m in objects if m["kind"].endswith("Role")}
    accounts = {m["metadata"]["name"] for m in of_kind(objects, "ServiceAccount")}
    for binding in objects:
        if binding["kind"].endswith("Binding"):
            assert (binding["roleRef"]["kind"], binding["roleRef"]["name"]) in roles
            for subject in binding["subjects"]:
                assert subject["kind"] == "ServiceAccount"
                assert subject["name"] in accounts
