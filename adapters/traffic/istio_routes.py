"""Managed header and mirror routes of a VirtualService, as Argo writes them. Pure.

A header route sends 100% of the requests carrying the headers to the canary; a mirror route
keeps the weighted destinations of the rollout's route and mirrors a percentage of matching
requests to the canary. Both are named after the step, and every managed route sits before the
user's routes, in `managedRoutes` order (the user's keep their own order after them).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.traffic.api import Obj
from adapters.traffic.matches import HeaderMatch


@dataclass(frozen=True, slots=True)
class CanaryTarget:
    """Where managed routes send traffic: the canary host (or the DestinationRule's host with
    the canary subset), on the port of the weighted route's first destination."""

    host: str
    subset: str = ""
    port: int | None = None

    def destination(self) -> Obj:
        target: Obj = {"host": self.host}
        if self.port:
            target["port"] = {"number": self.port}
        if self.subset:
            target["subset"] = self.subset
        return target


def port_of(route: Obj | None) -> int | None:
    destinations = (route or {}).get("route") or []
    port = (destinations[0].get("destination") or {}).get("port") if destinations else None
    number = (port or {}).get("number")
    return int(number) if isinstance(number, int | float) else None


def header_route(name: str, matches: Sequence[HeaderMatch], target: CanaryTarget) -> Obj:
    return {
        "name": name,
        "match": [{"headers": {m.header: {m.kind: m.value}}} for m in matches],
        "route": [{"destination": target.destination(), "weight": 100}],
    }


def mirror_route(
    name: str,
    matches: Sequence[Obj],
    weighted: Obj | None,
    target: CanaryTarget,
    percentage: float,
) -> Obj:
    route: Obj = {"name": name}
    if matches:
        route["match"] = [dict(match) for match in matches]
    route["route"] = copy.deepcopy((weighted or {}).get("route") or [])
    route["mirror"] = target.destination()
    route["mirrorPercentage"] = {"value": percentage}
    return route


def without_route(http: Sequence[Obj], name: str) -> list[Obj]:
    return [route for route in http if route.get("name") != name]


def ordered(http: Sequence[Obj], managed: Sequence[str]) -> list[Obj]:
    """Managed routes first in `managed` order, then the others as they were."""
    first = [route for name in managed for route in http if route.get("name") == name]
    rest = [route for route in http if route.get("name") not in managed]
    return first + rest


def set_http(vs: Obj, http: list[Any]) -> Obj:
    return {**vs, "spec": {**(vs.get("spec") or {}), "http": http}}
