"""How deep and how large a manifest may be, checked before anything recursive touches it.

PyYAML composes, pydantic validates and serialises, `json` and `copy.deepcopy` copy: all of
them recurse once per level of nesting, so a document a few hundred levels deep ended in a
`RecursionError` (or pydantic's "Maximum serialization depth") instead of a refusal, and an
alias bomb (`&a [*b, *b, ...]` repeated) expands to billions of values. The limits sit far
above any real manifest and far below what breaks the tools:

- depth 64: the deepest path of the Argo examples, a pod template's affinity
  (`spec.template.spec.affinity.nodeAffinity...matchExpressions[0].values[0]`), is 12 levels,
  and a Web metric's `jsonBody` is the user's own JSON, rarely past 10. Python's recursion
  limit is 1,000 frames and each level costs the tools two to four.
- 1 MiB per document: Kubernetes stores no object larger than etcd's 1.5 MiB request limit,
  and a ConfigMap's data is capped at 1 MiB; the largest Argo example is 12 KiB.
- 100,000 values per document, aliases counted as what they expand to: a 3,000-line Rollout
  has about 3,000; the largest CRD schema in the conformance corpus about 17,000.

Pure: `check_data_bounds` walks already-decoded data without recursion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 64
MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_NODES = 100_000
# A file may hold several documents; beyond this it is refused before it is read whole.
MAX_FILE_BYTES = 8 * MAX_DOCUMENT_BYTES


@dataclass(frozen=True, slots=True)
class BoundExceeded:
    """Where a limit was passed: `path` in Argo's notation, `message` a one-line reason."""

    path: str
    message: str


def depth_message(limit: int = MAX_DEPTH) -> str:
    return f"nested deeper than {limit} levels (the limit for a manifest); refused unread"


def nodes_message(limit: int = MAX_NODES) -> str:
    return (
        f"holds more than {limit:,} values, aliases counted as expanded (the limit for a "
        "manifest); refused unread"
    )


def size_message(size: int, limit: int = MAX_DOCUMENT_BYTES) -> str:
    return f"document is {size:,} bytes, over the limit of {limit:,} bytes for a manifest"


def path_text(parts: list[str | int]) -> str:
    """`["spec", "replicas", 0]` -> `spec.replicas[0]`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def check_data_bounds(
    data: Any, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> BoundExceeded | None:
    """The first place where decoded data is deeper or larger than allowed, else None.

    Iterative (an explicit stack), so it is safe on data of any depth; shared references are
    walked each time they appear, which is what every later consumer will do too."""
    stack: list[tuple[Any, int, list[str | int]]] = [(data, 0, [])]
    seen = 0
    while stack:
        value, depth, path = stack.pop()
        seen += 1
        if seen > max_nodes:
            return BoundExceeded(path_text(path), nodes_message(max_nodes))
        if not isinstance(value, Mapping | list | tuple):
            continue
        if depth + 1 > max_depth:
            return BoundExceeded(path_text(path), depth_message(max_depth))
        if seen + len(value) > max_nodes:
            return BoundExceeded(path_text(path), nodes_message(max_nodes))
        children: list[tuple[str | int, Any]] = (
            [(str(k), v) for k, v in value.items()]
            if isinstance(value, Mapping)
            else list(enumerate(value))
        )
        stack.extend((child, depth + 1, [*path, key]) for key, child in reversed(children))
    return None
