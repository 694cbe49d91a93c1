"""The parts of Kubernetes pod validation that Argo's own validation inherits.

Pod specs are kept as data, but a pod template Kubernetes would refuse (no containers, a
container without a name or image, `memory: invalid`) must fail lint, not the first ReplicaSet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rollouts.spec.problems import ProblemList, join_path

_QUANTITY = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?"
)
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def validate_pod_spec(
    spec: Mapping[str, Any],
    path: str,
    problems: ProblemList,
    *,
    restart_policies: tuple[str, ...],
    restart_policy_required: bool = False,
) -> None:
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        problems.error(join_path(path, "containers"), "at least one container is required")
    names: set[str] = set()
    for list_name in _CONTAINER_LISTS:
        entries = spec.get(list_name)
        if entries is None:
            continue
        if not isinstance(entries, list):
            problems.error(join_path(path, list_name), "must be a list")
            continue
        for index, container in enumerate(entries):
            where = join_path(path, list_name, index)
            _validate_container(container, where, names, problems)
    _validate_restart_policy(spec, path, problems, restart_policies, restart_policy_required)


def _validate_container(container: Any, path: str, names: set[str], problems: ProblemList) -> None:
    if not isinstance(container, Mapping):
        problems.error(path, "must be a mapping")
        return
    name = container.get("name")
    if not isinstance(name, str) or not name:
        problems.error(join_path(path, "name"), "every container needs a name")
    elif name in names:
        problems.error(join_path(path, "name"), f"duplicate container name {name!r}")
    else:
        names.add(name)
    image = container.get("image")
    if not isinstance(image, str) or not image.strip():
        problems.error(join_path(path, "image"), "every container needs an image")
    resources = container.get("resources")
    if isinstance(resources, Mapping):
        for section in ("requests", "limits"):
            _validate_quantities(
                resources.get(section), join_path(path, "resources", section), problems
            )
    elif resources is not None:
        problems.error(join_path(path, "resources"), "must be a mapping")


def _validate_quantities(values: Any, path: str, problems: ProblemList) -> None:
    if values is None:
        return
    if not isinstance(values, Mapping):
        problems.error(path, "must be a mapping of resource name to quantity")
        return
    for resource, quantity in values.items():
        message = quantity_problem(quantity)
        if message:
            problems.error(join_path(path, str(resource)), message)


def quantity_problem(quantity: Any) -> str | None:
    """Why a Kubernetes resource quantity is invalid, or None when it is fine."""
    if isinstance(quantity, bool) or not isinstance(quantity, int | float | str):
        return f"quantity must be a number or a string such as 500m or 128Mi, got {quantity!r}"
    text = str(quantity).strip()
    if not _QUANTITY.fullmatch(text):
        return f"quantities must match the regular expression of Kubernetes quantities: {text!r}"
    if text.startswith("-"):
        return f"must be greater than or equal to 0, got {text!r}"
    return None


def _validate_restart_policy(
    spec: Mapping[str, Any],
    path: str,
    problems: ProblemList,
    allowed: tuple[str, ...],
    required: bool,
) -> None:
    policy = spec.get("restartPolicy")
    if policy is None and not required:
        return
    if policy not in allowed:
        expected = " or ".join(allowed)
        shown = "missing" if policy is None else repr(policy)
        problems.error(join_path(path, "restartPolicy"), f"must be {expected}, got {shown}")
