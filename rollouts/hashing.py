"""Pod-template and step hashes.

Argo names a ReplicaSet `<rollout>-<hash>` where the hash is FNV-32a of the pod template,
printed in decimal and passed through Kubernetes' safe-encoding alphabet (no vowels, so no
accidental words). Argo hashes Go's in-memory dump of the struct, which no other language can
reproduce byte for byte; we hash canonical JSON instead. The result has the same shape and the
same stability (equal templates, equal hashes), which is what the controller relies on. ReplicaSets
created by Argo are adopted by comparing templates, not hashes.
"""

from __future__ import annotations

import json
from typing import Any

POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash"

_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def fnv32a(data: bytes) -> int:
    value = _FNV32_OFFSET
    for byte in data:
        value ^= byte
        value = (value * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """Kubernetes' rand.SafeEncodeString: map each byte onto a vowel-free alphabet."""
    return "".join(_SAFE_ALPHABET[ord(ch) % len(_SAFE_ALPHABET)] for ch in text)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def strip_hash_label(template: dict[str, Any]) -> dict[str, Any]:
    """The hash label is written onto the template of each ReplicaSet; it must not feed the hash."""
    metadata = dict(template.get("metadata") or {})
    labels = {
        k: v for k, v in (metadata.get("labels") or {}).items() if k != POD_TEMPLATE_HASH_LABEL
    }
    metadata["labels"] = labels
    return {**template, "metadata": metadata}


def pod_template_hash(template: dict[str, Any], collision_count: int = 0) -> str:
    data = canonical_json(strip_hash_label(template))
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(str(fnv32a(data)))


def step_hash(steps: list[Any] | None) -> str:
    """Argo's currentStepHash: any edit of the steps restarts the update from step 0. None is
    Go's nil slice (no `steps` key), which Argo's json.Marshal writes as `null`."""
    return safe_encode(str(fnv32a(canonical_json(steps))))
