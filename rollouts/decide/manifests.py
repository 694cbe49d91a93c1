"""Manifests that commands produce or receive: validated, or refused with every problem listed."""

from __future__ import annotations

import copy
from typing import Any

from rollouts.decide.workload_ref import require_resolved
from rollouts.errors import CommandRejected, InvalidSpec
from rollouts.hashing import strip_hash_label
from rollouts.spec import Rollout, parse_object

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def parse_manifest(manifest: dict[str, Any], namespace: str, name: str) -> Rollout:
    """Parse and validate a Rollout for the rollout `namespace/name`; raise with all problems."""
    parsed, problems = parse_object(manifest)
    errors = [str(p) for p in problems if p.is_error]
    if errors or parsed is None:
        raise InvalidSpec(errors or ["manifest is not a Rollout"])
    if not isinstance(parsed, Rollout):
        raise InvalidSpec([f"kind: expected Rollout, got {parsed.kind}"])
    rollout = parsed
    require_resolved(rollout)
    meta = rollout.metadata
    if meta.name != name or (meta.namespace or namespace) != namespace:
        raise CommandRejected(
            f"manifest is for rollout {meta.namespace or namespace}/{meta.name}, "
            f"not {namespace}/{name}"
        )
    return rollout


def _dump(rollout: Rollout) -> dict[str, Any]:
    return rollout.model_dump(mode="json", by_alias=True, exclude_unset=True)


def with_template(rollout: Rollout, template: dict[str, Any]) -> Rollout:
    manifest = _dump(rollout)
    manifest["spec"]["template"] = strip_hash_label(copy.deepcopy(template))
    return Rollout.model_validate(manifest)


def with_image(rollout: Rollout, container: str, image: str) -> Rollout:
    """`kubectl argo rollouts set image`: `container` may be `*` for every container."""
    manifest = _dump(rollout)
    pod = manifest.get("spec", {}).get("template", {}).get("spec", {})
    found: list[str] = []
    changed = False
    for key in _CONTAINER_LISTS:
        for entry in pod.get(key) or []:
            found.append(str(entry.get("name")))
            if container in ("*", entry.get("name")):
                changed = changed or entry.get("image") != image
                entry["image"] = image
    if container != "*" and container not in found:
        names = ", ".join(found) or "none"
        raise CommandRejected(f"container {container!r} not found (containers: {names})")
    if not changed:
        raise CommandRejected(f"container {container!r} already runs image {image}")
    return Rollout.model_validate(manifest)
