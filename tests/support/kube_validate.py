"""The few validations of the real API server that catch bugs in code under test.

Names must be DNS subdomains, label keys and values must be valid, and ReplicaSets must have a
selector that matches their pod template (immutable after creation) and non-negative replicas.
Everything else a real server validates (container specs, ports...) is accepted as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tests.support.kube_errors import KubeError
from tests.support.kube_resources import ResourceType
from tests.support.kube_selectors import label_matcher, selector_string

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
SCALED = ("replicasets", "deployments")


def validate(resource: ResourceType, obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", ""))
    problems = _name_problems(name) + _label_problems(metadata.get("labels") or {})
    if resource.plural in SCALED and resource.group == "apps":
        problems += _workload_problems(obj, old)
    if problems:
        raise KubeError.invalid(resource.qualified, name, ", ".join(problems))


def _name_problems(name: str) -> list[str]:
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        return [f"metadata.name: Invalid value: {name!r}: must be a lowercase RFC 1123 subdomain"]
    return []


def _label_problems(labels: Mapping[str, Any]) -> list[str]:
    problems = []
    for key, value in labels.items():
        prefix, _, name = str(key).rpartition("/")
        if len(name) > 63 or not _LABEL_NAME.match(name) or len(prefix) > 253:
            problems.append(f"metadata.labels: Invalid value: {key!r}: invalid label key")
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            problems.append(f"metadata.labels: Invalid value: {value!r}: invalid label value")
    return problems


def _workload_problems(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> list[str]:
    spec = obj.get("spec") or {}
    problems = []
    replicas = spec.get("replicas", 1)
    if not isinstance(replicas, int) or replicas < 0:
        problems.append(f"spec.replicas: Invalid value: {replicas!r}: must be >= 0")
    selector = spec.get("selector")
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not selector_string(selector):
        problems.append("spec.selector: Required value")
    elif not label_matcher(selector_string(selector))({"metadata": {"labels": template_labels}}):
        problems.append(
            "spec.template.metadata.labels: Invalid value: "
            f"{template_labels!r}: `selector` does not match template `labels`"
        )
    if old is not None and (old.get("spec") or {}).get("selector") != selector:
        problems.append("spec.selector: Invalid value: field is immutable")
    return problems


def name_suffix(number: int, alphabet: str = "bcdfghjklmnpqrstvwxz2456789") -> str:
    """Five characters from the alphabet the API server uses for generated names."""
    text = ""
    for _ in range(5):
        number, digit = divmod(number * 7919 + 13, len(alphabet))
        text += alphabet[digit]
    return text
