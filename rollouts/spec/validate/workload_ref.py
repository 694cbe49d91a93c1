"""Validation of `spec.workloadRef` beside the template and selector it replaces."""

from __future__ import annotations

from rollouts.spec.problems import ProblemList
from rollouts.spec.rollout import Rollout
from rollouts.spec.workload_ref import (
    TEMPLATE_NOT_EMPTY,
    check_workload_ref,
    is_resolved,
    template_is_empty,
)


def check_workload_spec(rollout: Rollout, problems: ProblemList) -> bool:
    """Check the reference; True when the template and selector checks do not apply yet (the
    manifest as written, before an adapter resolved it)."""
    ref = rollout.spec.workload_ref
    if ref is None:
        return False
    check_workload_ref(ref, problems)
    if is_resolved(rollout.metadata.annotations):
        return False
    template = rollout.spec.template
    dumped = template.model_dump(mode="json", exclude_defaults=True) if template else None
    if not template_is_empty(dumped):
        problems.error("spec.template", TEMPLATE_NOT_EMPTY)
    return True
