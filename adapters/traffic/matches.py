"""The request matches of `setHeaderRoute` and `setMirrorRoute` steps, checked before any write.

A header match is `{headerName, headerValue: {exact | regex | prefix}}` with exactly one of the
three (Argo's rule); a mirror match is `{method, path, headers}` whose every value is such a
StringMatch. A regex is checked with Python's engine: Istio's RE2 accepts a subset of it, so a
regex refused here is refused there too (the converse does not always hold).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.ports import ManagedRoute, PortError

KINDS = ("exact", "regex", "prefix")


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    header: str
    kind: str
    value: str


def string_match(where: str, spec: Any) -> tuple[str, str]:
    """(kind, value) of a StringMatch; PortError unless exactly one kind is set."""
    present = [kind for kind in KINDS if isinstance(spec, Mapping) and spec.get(kind)]
    if len(present) != 1:
        raise PortError(f"{where}: exactly one of exact, prefix, regex must be set, got {spec!r}")
    kind = present[0]
    value = str(spec[kind])
    if kind == "regex":
        try:
            re.compile(value)
        except re.error as error:
            raise PortError(f"{where}: invalid regex {value!r}: {error}") from None
    return kind, value


def header_matches(route: ManagedRoute) -> tuple[HeaderMatch, ...]:
    """The header route's matches; empty when the step removes the route."""
    body = route.route or {}
    found = []
    for index, match in enumerate(body.get("match") or ()):
        where = f"setHeaderRoute {route.name!r} match[{index}]"
        header = str(match.get("headerName") or "") if isinstance(match, Mapping) else ""
        if not header:
            raise PortError(f"{where}: headerName must be set")
        kind, value = string_match(where, match.get("headerValue"))
        found.append(HeaderMatch(header, kind, value))
    return tuple(found)


def mirror_matches(route: ManagedRoute) -> tuple[dict[str, Any], ...]:
    """The mirror route's matches in Istio's shape (`path` becomes `uri`); empty: removal."""
    body = route.route or {}
    found = []
    for index, match in enumerate(body.get("match") or ()):
        where = f"setMirrorRoute {route.name!r} match[{index}]"
        if not isinstance(match, Mapping):
            raise PortError(f"{where}: must be an object")
        istio: dict[str, Any] = {}
        for field, target in (("method", "method"), ("path", "uri")):
            if match.get(field) is not None:
                kind, value = string_match(f"{where}.{field}", match[field])
                istio[target] = {kind: value}
        headers = match.get("headers") or {}
        if headers:
            istio["headers"] = {
                name: dict([string_match(f"{where}.headers.{name}", spec)])
                for name, spec in headers.items()
            }
        found.append(istio)
    return tuple(found)


def mirror_percentage(route: ManagedRoute) -> float:
    percentage = (route.route or {}).get("percentage")
    if percentage is None:
        return 100.0
    if not isinstance(percentage, int | float) or not 0 <= percentage <= 100:
        raise PortError(f"setMirrorRoute {route.name!r}: percentage must be 0-100")
    return float(percentage)
