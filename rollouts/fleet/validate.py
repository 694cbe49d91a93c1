"""Parse and validate a FleetRollout, and render the Rollout manifest each cluster receives.

Problems carry Argo-style paths (`spec.waves[1].clusters[0].name`), like every other manifest
problem, so `rollouts lint` prints them the same way. The Rollout template is validated by the
same functions that validate a Rollout on its own, with its problems under `spec.template`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from rollouts.fleet.spec import VOCABULARY, FleetCluster, FleetRollout
from rollouts.spec import Rollout, parse_object
from rollouts.spec.problems import (
    ProblemList,
    SpecProblem,
    join_path,
    problems_from_validation_error,
)


def parse_fleet(data: Mapping[str, Any]) -> tuple[FleetRollout | None, tuple[SpecProblem, ...]]:
    """The fleet and every problem found in it; the fleet is None when it did not parse."""
    try:
        fleet = FleetRollout.model_validate(data)
    except ValidationError as error:
        return None, problems_from_validation_error(error, vocabulary=VOCABULARY)
    problems = ProblemList()
    _check_waves(fleet, problems)
    _check_template(fleet, problems)
    return fleet, problems.freeze()


def _check_waves(fleet: FleetRollout, problems: ProblemList) -> None:
    spec = fleet.spec
    if spec.generators:
        _check_generator_waves(fleet, problems)
    seen: dict[str, int] = {}
    for k, wave in enumerate(fleet.waves):
        if not wave.clusters:
            problems.error(join_path("spec", "waves", k, "clusters"), "a wave needs a cluster")
        for i, cluster in enumerate(wave.clusters):
            if cluster.name in seen:
                path = join_path("spec", "waves", k, "clusters", i, "name")
                if spec.generators:
                    path = "spec.generators"
                problems.error(
                    path, f"cluster {cluster.name} is already in wave {seen[cluster.name]}"
                )
            seen.setdefault(cluster.name, k)
    for i, gate in enumerate(spec.manual_gates):
        if not 0 <= gate < len(fleet.waves):
            problems.error(
                join_path("spec", "manualGates", i),
                f"wave {gate} does not exist (waves are 0 to {len(fleet.waves) - 1})",
            )


def _check_generator_waves(fleet: FleetRollout, problems: ProblemList) -> None:
    numbers = {e.wave for g in fleet.spec.generators for e in g.list.elements}
    if not numbers:
        problems.error("spec.generators", "the list generator has no elements")
        return
    missing = sorted(set(range(max(numbers) + 1)) - numbers)
    if missing:
        problems.error(
            "spec.generators",
            f"waves are numbered from 0 without gaps; no element is in wave {missing[0]}",
        )


def _check_template(fleet: FleetRollout, problems: ProblemList) -> None:
    template = fleet.spec.template
    parsed, found = parse_object(template)
    for problem in found:
        path = join_path("spec", "template", problem.path) if problem.path else "spec.template"
        problems.extend([SpecProblem(path, problem.message, severity=problem.severity)])
    if parsed is None:
        return
    if not isinstance(parsed, Rollout):
        problems.error("spec.template.kind", "must be a Rollout")
        return
    canary = parsed.spec.strategy.canary
    steps = canary.steps if canary else ()
    wants_weight = any(c.canary_weight is not None for c in fleet.clusters())
    if wants_weight and not any(step.set_weight is not None for step in steps):
        problems.error(
            "spec.template.spec.strategy",
            "clusters override canaryWeight, but the template has no canary setWeight step",
        )


ROLLBACK_WINDOW = 10
"""Revisions within which a rollback skips the canary steps (Argo's rollbackWindow)."""


def rollback_manifest(fleet: FleetRollout, cluster: FleetCluster) -> dict[str, Any]:
    """The manifest that sends a cluster back to `fleet` (its last completed revision) at once:
    Argo's rollbackWindow makes the controller skip the steps of a rollback to a recent
    revision, so the aborted revision stops serving without a new canary."""
    manifest = cluster_manifest(fleet, cluster)
    spec = manifest.setdefault("spec", {})
    if "rollbackWindow" not in spec:
        spec["rollbackWindow"] = {"revisions": ROLLBACK_WINDOW}
    return manifest


def cluster_manifest(fleet: FleetRollout, cluster: FleetCluster) -> dict[str, Any]:
    """The Rollout manifest `cluster` is sent: the template under the fleet's rollout name,
    with the cluster's first canary weight and analysis template."""
    manifest = copy.deepcopy(fleet.spec.template)
    metadata = manifest.setdefault("metadata", {})
    metadata["name"] = fleet.spec.rollout.name
    metadata["namespace"] = fleet.spec.rollout.namespace
    annotations = metadata.setdefault("annotations", {})
    annotations["rollouts.dev/fleet"] = fleet.name
    annotations["rollouts.dev/cluster"] = cluster.name
    canary = (manifest.get("spec") or {}).get("strategy", {}).get("canary")
    if not isinstance(canary, dict):
        return manifest
    steps = canary.get("steps") or []
    if cluster.canary_weight is not None:
        first = next((s for s in steps if "setWeight" in s), None)
        if first is not None:
            first["setWeight"] = cluster.canary_weight
    if cluster.analysis_template is not None:
        refs = [s["analysis"] for s in steps if isinstance(s.get("analysis"), dict)]
        refs += [canary["analysis"]] if isinstance(canary.get("analysis"), dict) else []
        for ref in refs:
            for entry in ref.get("templates") or []:
                entry["templateName"] = cluster.analysis_template
    return manifest
