"""The part of Kubernetes JSONPath that web metrics use, with k8s client-go's error messages.

Supported inside one `{…}`: the root (`$`, `@`, or a leading `.`), fields (`.a`, `['a']`,
`["a"]`), recursive fields (`..a`), indexes (`[0]`, `[-1]`), and wildcards (`[*]`, `.*`). Filters,
slices, unions and text outside the braces are refused with a clear message rather than read
differently from Argo. Results are all matches in document order; web metrics take the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\.\.(?P<deep>[^.\[\]\s]+)
      | \.(?P<field>[^.\[\]\s]+)
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*(?P<quote>['"])(?P<quoted>.*?)(?P=quote)\s*\]
      | \[\s*\*\s*\]""",
    re.VERBOSE,
)
WILDCARD = "*"


class JsonPathError(ValueError):
    """The path cannot be used, or it found nothing where Kubernetes JSONPath reports an error."""


@dataclass(frozen=True, slots=True)
class _Step:
    kind: str  # "field", "deep", "index" or "wildcard"
    name: str = ""
    index: int = 0


@dataclass(frozen=True, slots=True)
class JsonPath:
    template: str
    steps: tuple[_Step, ...]

    def find_all(self, data: Any) -> list[Any]:
        """Every match in `data`; JsonPathError for a missing key or a bad index, like k8s."""
        current = [data]
        for step in self.steps:
            current = _apply(step, current)
        return current


def compile_path(template: str) -> JsonPath:
    """Parse `template` (`{$}`, `{.data.ok}`, `{$.items[0].x}`…); JsonPathError if unsupported."""
    text = template.strip() or "{$}"
    if not (text.startswith("{") and text.endswith("}")) or text.count("{") != 1:
        raise JsonPathError(f"unsupported jsonPath {template!r}: use one {{…}} expression")
    body = text[1:-1].strip()
    if body[:1] in ("$", "@"):
        body = body[1:]
    steps: list[_Step] = []
    position = 0
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None:
            raise JsonPathError(
                f"unsupported jsonPath {template!r} at {body[position:]!r}: only fields, "
                "indexes and wildcards are supported"
            )
        steps.append(_step(match))
        position = match.end()
    return JsonPath(template, tuple(steps))


def _step(match: re.Match[str]) -> _Step:
    if match["deep"] is not None:
        return _Step("deep", name=match["deep"])
    if match["field"] is not None:
        name = match["field"]
        return _Step("wildcard") if name == WILDCARD else _Step("field", name=name)
    if match["index"] is not None:
        return _Step("index", index=int(match["index"]))
    if match["quote"] is not None:
        return _Step("field", name=match["quoted"])
    return _Step("wildcard")


def _apply(step: _Step, values: list[Any]) -> list[Any]:
    if step.kind == "field":
        return _fields(step.name, values)
    if step.kind == "deep":
        return [found for value in values for found in _descendants(step.name, value)]
    if step.kind == "index":
        return [_index(step.index, value) for value in values]
    return [item for value in values for item in _children(value)]


def _fields(name: str, values: list[Any]) -> list[Any]:
    if not values:
        return []
    found = [value[name] for value in values if isinstance(value, Mapping) and name in value]
    if not found:
        raise JsonPathError(f"{name} is not found")
    return found


def _index(index: int, value: Any) -> Any:
    if not isinstance(value, list):
        raise JsonPathError(f"{_go_text(value)} is not array or slice")
    position = index + len(value) if index < 0 else index
    if not 0 <= position < len(value):
        raise JsonPathError(f"array index out of bounds: index {index}, length {len(value)}")
    return value[position]


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _descendants(name: str, value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping) and name in value:
        yield value[name]
    for child in _children(value):
        yield from _descendants(name, child)


def _go_text(value: Any) -> str:
    return "<nil>" if value is None else str(value)
