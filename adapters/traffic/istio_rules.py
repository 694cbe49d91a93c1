"""The DestinationRule of Istio subset-level splitting. Pure.

The canary subset selects `rollouts-pod-template-hash: <canary hash>`, the stable subset the
stable hash (an empty hash removes the label); the rule is annotated
`argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>`; subsets other than the canary,
stable and `additionalSubsetNames` ones are dropped. Everything else (traffic policies, the
subsets' other labels and fields) is kept as written.
"""

from __future__ import annotations

import copy

from adapters.kubernetes.manifests import MANAGED_BY, POD_TEMPLATE_HASH
from adapters.traffic.api import Obj
from rollouts.spec.traffic import IstioDestinationRule


def with_hashes(
    rule: Obj, config: IstioDestinationRule, canary_hash: str, stable_hash: str, rollout: str
) -> Obj:
    updated = copy.deepcopy(rule)
    metadata = updated.setdefault("metadata", {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), MANAGED_BY: rollout}
    hashes = {config.canary_subset_name: canary_hash, config.stable_subset_name: stable_hash}
    subsets = []
    for subset in (updated.get("spec") or {}).get("subsets") or []:
        name = subset.get("name")
        if name in hashes:
            labels = dict(subset.get("labels") or {})
            if hashes[name]:
                labels[POD_TEMPLATE_HASH] = hashes[name]
            else:
                labels.pop(POD_TEMPLATE_HASH, None)
            subsets.append({**subset, "labels": labels})
        elif name in config.additional_subset_names:
            subsets.append(subset)
    updated.setdefault("spec", {})["subsets"] = subsets
    return updated


def holds_hashes(
    rule: Obj, config: IstioDestinationRule, canary_hash: str, stable_hash: str
) -> bool:
    labels = {
        subset.get("name"): (subset.get("labels") or {}).get(POD_TEMPLATE_HASH, "")
        for subset in (rule.get("spec") or {}).get("subsets") or []
    }
    return (
        labels.get(config.canary_subset_name) == canary_hash
        and labels.get(config.stable_subset_name) == stable_hash
    )


def missing_subsets(rule: Obj, config: IstioDestinationRule) -> list[str]:
    names = {subset.get("name") for subset in (rule.get("spec") or {}).get("subsets") or []}
    wanted = (config.canary_subset_name, config.stable_subset_name)
    return [name for name in wanted if name not in names]
