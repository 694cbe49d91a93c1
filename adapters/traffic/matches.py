"""The request matches of `setHeaderRoute` and `setMirrorRoute` steps, checked before any write.

A header match is `{headerName, headerValue: {exact | regex | prefix}}` with exactly one of the
three (Argo's rule); a mirror match is `{method, path, headers}` whose every value is such a
StringMatch. A regex is checked with Python's engine: Istio's RE2 accepts a subset of it, so a
regex refused here is refused there too (the converse does not always hold).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rollouts.ports import ManagedRoute, PortError
from rollouts.spec.steps import SetHeaderRoute, SetMirrorRoute, StringMatch

KINDS = ("exact", "regex", "prefix")


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    header: str
    kind: str
    value: str


def string_match(where: str, spec: StringMatch | None) -> tuple[str, str]:
    """(kind, value) of a StringMatch; PortError unless exactly one kind is set."""
    chosen = spec.chosen if spec is not None else None
    if chosen is None:
        shown = spec.model_dump(exclude_defaults=True) if spec is not None else None
        raise PortError(f"{where}: exactly one of exact, prefix, regex must be set, got {shown!r}")
    kind, value = chosen
    if kind == "regex":
        try:
            re.compile(value)
        except re.error as error:
            raise PortError(f"{where}: invalid regex {value!r}: {error}") from None
    return kind, value


def header_matches(route: ManagedRoute) -> tuple[HeaderMatch, ...]:
    """The header route's matches; empty when the step removes the route."""
    body = route.route
    if not isinstance(body, SetHeaderRoute):
        return ()
    found = []
    for index, match in enumerate(body.match):
        where = f"setHeaderRoute {route.name!r} match[{index}]"
        if not match.header_name:
            raise PortError(f"{where}: headerName must be set")
        kind, value = string_match(where, match.header_value)
        found.append(HeaderMatch(match.header_name, kind, value))
    return tuple(found)


def mirror_matches(route: ManagedRoute) -> tuple[dict[str, Any], ...]:
    """The mirror route's matches in Istio's shape (`path` becomes `uri`); empty: removal."""
    body = route.route
    if not isinstance(body, SetMirrorRoute):
        return ()
    found = []
    for index, match in enumerate(body.match):
        where = f"setMirrorRoute {route.name!r} match[{index}]"
        istio: dict[str, Any] = {}
        for field, target in (("method", "method"), ("path", "uri")):
            if (spec := getattr(match, field)) is not None:
                kind, value = string_match(f"{where}.{field}", spec)
                istio[target] = {kind: value}
        if match.headers:
            istio["headers"] = {
                name: dict([string_match(f"{where}.headers.{name}", spec)])
                for name, spec in match.headers.items()
            }
        found.append(istio)
    return tuple(found)


def mirror_percentage(route: ManagedRoute) -> float:
    percentage = route.route.percentage if isinstance(route.route, SetMirrorRoute) else None
    if percentage is None:
        return 100.0
    if not 0 <= percentage <= 100:
        raise PortError(f"setMirrorRoute {route.name!r}: percentage must be 0-100")
    return float(percentage)
