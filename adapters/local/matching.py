"""Managed routes (setHeaderRoute / setMirrorRoute) compiled into request matchers.

The route bodies arrive as written in the manifest (camelCase). Semantics follow Istio, which is
what Argo writes them to: entries of `match` are alternatives (any one may match), the conditions
inside one entry must all hold, and a regex must match the whole value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from adapters.local.gates import FractionGate
from rollouts.ports import ManagedRoute, PortError
from rollouts.spec.steps import (
    HeaderRoutingMatch,
    RouteMatch,
    SetHeaderRoute,
    StringMatch,
)


@dataclass(frozen=True, slots=True)
class StringMatcher:
    kind: Literal["exact", "prefix", "regex", "present"]
    value: str
    pattern: re.Pattern[str] | None = None

    def matches(self, value: str | None) -> bool:
        if value is None:
            return False
        if self.kind == "exact":
            return value == self.value
        if self.kind == "prefix":
            return value.startswith(self.value)
        if self.pattern is not None:
            return self.pattern.fullmatch(value) is not None
        return True


@dataclass(frozen=True, slots=True)
class RequestMatcher:
    method: StringMatcher | None
    path: StringMatcher | None
    headers: tuple[tuple[str, StringMatcher], ...]

    def matches(self, method: str, path: str, headers: Mapping[str, str]) -> bool:
        if self.method is not None and not self.method.matches(method):
            return False
        if self.path is not None and not self.path.matches(path):
            return False
        return all(matcher.matches(headers.get(name)) for name, matcher in self.headers)


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    name: str
    kind: Literal["header", "mirror"]
    matchers: tuple[RequestMatcher, ...]
    mirror_gate: FractionGate | None = None

    def matches(self, method: str, path: str, headers: Mapping[str, str]) -> bool:
        return any(matcher.matches(method, path, headers) for matcher in self.matchers)


def compile_string_match(spec: StringMatch | None, where: str) -> StringMatcher:
    """`{exact|prefix|regex: value}`; no value at all means "the header is present"."""
    if spec is None:
        return StringMatcher("present", "")
    chosen = spec.chosen
    if chosen is None:
        shown = spec.model_dump(exclude_defaults=True)
        raise PortError(f"{where}: exactly one of exact, prefix, regex must be set, got {shown!r}")
    kind, value = chosen
    if kind != "regex":
        return StringMatcher("exact" if kind == "exact" else "prefix", value)
    try:
        return StringMatcher("regex", value, re.compile(value))
    except re.error as error:
        raise PortError(f"{where}: invalid regex {value!r}: {error}") from error


def _header_entry(entry: HeaderRoutingMatch, where: str) -> RequestMatcher:
    if not entry.header_name:
        raise PortError(f"{where}: headerName is required")
    matcher = compile_string_match(entry.header_value, f"{where}.headerValue")
    return RequestMatcher(None, None, ((entry.header_name, matcher),))


def _mirror_entry(entry: RouteMatch, where: str) -> RequestMatcher:
    method, path = entry.method, entry.path
    return RequestMatcher(
        compile_string_match(method, f"{where}.method") if method else None,
        compile_string_match(path, f"{where}.path") if path else None,
        tuple(
            (name, compile_string_match(spec, f"{where}.headers.{name}"))
            for name, spec in entry.headers.items()
        ),
    )


def compile_route(route: ManagedRoute) -> CompiledRoute | None:
    """The route ready to match requests, or None when the step removes it (no `match`)."""
    body = route.route
    if body is None or not body.match:
        return None
    where = f"{route.kind} route {route.name!r}"
    if isinstance(body, SetHeaderRoute):
        headers = tuple(
            _header_entry(entry, f"{where}.match[{index}]")
            for index, entry in enumerate(body.match)
        )
        return CompiledRoute(route.name, "header", headers)
    mirrors = tuple(
        _mirror_entry(entry, f"{where}.match[{index}]") for index, entry in enumerate(body.match)
    )
    share = 1.0 if body.percentage is None else float(body.percentage) / 100
    return CompiledRoute(route.name, "mirror", mirrors, FractionGate(share))
