"""The weights of a VirtualService's routes, as Argo writes them (argo-semantics §6.1). Pure.

Which routes: the HTTP routes named in `routes` (or the only HTTP route that is not a managed
header/mirror route), the TLS routes whose every match has the configured port and exactly the
configured SNI hosts, the TCP routes whose matches have the configured port (or the only route of
that type), plus the managed mirror routes (they carry the same weighted destinations).

In each such route the destination whose host (before the first `.`) is the canary Service, or
whose subset is the canary subset, gets the canary weight; the stable one gets the stable weight
minus what additional subsets keep; every other destination is removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from adapters.traffic.api import Obj
from adapters.traffic.config import int_weight
from rollouts.ports import PortError
from rollouts.spec.traffic import IstioVirtualService


@dataclass(frozen=True, slots=True)
class Roles:
    """How a destination is recognised: by Service host (host split) or by subset."""

    canary_service: str = ""
    stable_service: str = ""
    canary_subset: str = ""
    stable_subset: str = ""
    additional_subsets: tuple[str, ...] = ()

    @property
    def by_subset(self) -> bool:
        return bool(self.canary_subset)

    def role(self, destination: Obj) -> str:
        target = destination.get("destination") or {}
        host = str(target.get("host") or "").split(".", 1)[0]
        subset = str(target.get("subset") or "")
        if not host:
            return "other"
        if host == self.canary_service or (subset and subset == self.canary_subset):
            return "canary"
        if host == self.stable_service or (subset and subset == self.stable_subset):
            return "stable"
        if subset and subset in self.additional_subsets:
            return "additional"
        return "other"


@dataclass(frozen=True, slots=True)
class RouteRef:
    section: str
    """`http`, `tls` or `tcp`."""
    index: int
    label: str
    checked: bool = True
    """False for managed mirror routes, whose destinations are not validated."""


def selected_routes(
    vs: Obj, config: IstioVirtualService, managed: Sequence[str], where: str
) -> list[RouteRef]:
    spec = vs.get("spec") or {}
    found = _http_routes(spec.get("http"), config.routes, managed, where)
    found += _l4_routes(spec.get("tls"), "tls", config, where)
    found += _l4_routes(spec.get("tcp"), "tcp", config, where)
    return found


def _http_routes(
    routes: Any, names: Sequence[str], managed: Sequence[str], where: str
) -> list[RouteRef]:
    if not isinstance(routes, list):
        return []
    named = {str(route.get("name") or ""): index for index, route in enumerate(routes)}
    if names:
        missing = [name for name in names if name not in named]
        if missing:
            raise PortError(f"{where}: HTTP route {missing[0]!r} not found")
        found = [RouteRef("http", named[name], name) for name in names]
    else:
        user = [i for i, route in enumerate(routes) if route.get("name") not in managed]
        if len(user) != 1:
            raise PortError(
                f"{where}: spec.http must have exactly one route (besides managed routes) when "
                "the rollout names no routes"
            )
        found = [RouteRef("http", user[0], str(routes[user[0]].get("name") or "http[0]"))]
    mirrors = [
        RouteRef("http", index, name, checked=False)
        for name, index in named.items()
        if name in managed and routes[index].get("mirror") is not None
    ]
    return found + mirrors


def _l4_routes(
    routes: Any, section: str, config: IstioVirtualService, where: str
) -> list[RouteRef]:
    if not isinstance(routes, list) or not routes:
        return []
    wanted: list[tuple[int | None, frozenset[str] | None]]
    if section == "tls":
        wanted = [(r.port, frozenset(r.sni_hosts)) for r in config.tls_routes]
    else:
        wanted = [(r.port, None) for r in config.tcp_routes]
    if not wanted:
        if len(routes) != 1:
            raise PortError(
                f"{where}: spec.{section} must have exactly one route when the rollout names "
                f"no {section.upper()} routes"
            )
        return [RouteRef(section, 0, f"{section}[0]")]
    found = []
    for port, hosts in wanted:
        indexes = [i for i, route in enumerate(routes) if _l4_matches(route, port, hosts)]
        if not indexes:
            raise PortError(f"{where}: no {section.upper()} route matches port {port}")
        found += [RouteRef(section, i, f"{section}[{i}]") for i in indexes]
    return found


def _l4_matches(route: Obj, port: int | None, hosts: frozenset[str] | None) -> bool:
    matches = route.get("match") or []
    ports = {int(match.get("port") or 0) for match in matches}
    if len(ports) > 1 or (next(iter(ports), 0) != (port or 0)):
        return False
    if hosts is None:
        return True
    return {host for match in matches for host in match.get("sniHosts") or []} == hosts


def check_destinations(route: Obj, roles: Roles, where: str) -> None:
    held = {roles.role(destination) for destination in route.get("route") or []}
    for role in ("canary", "stable"):
        if role not in held:
            if roles.by_subset:
                name = roles.canary_subset if role == "canary" else roles.stable_subset
                what = f"DestinationRule subset {name!r}"
            else:
                name = roles.canary_service if role == "canary" else roles.stable_service
                what = f"Service {name!r}"
            raise PortError(f"{where}: {role} {what} not found in the route")


def weigh(route: Obj, canary: int, stable: int, roles: Roles) -> Obj:
    """The route with its destinations weighted (a new dict; `route` is not changed)."""
    destinations = [dict(d) for d in route.get("route") or []]
    kept = sum(
        int_weight(d.get("weight")) or 0 for d in destinations if roles.role(d) == "additional"
    )
    stable = max(0, stable - kept)
    weighted = []
    for destination in destinations:
        role = roles.role(destination)
        wanted = {"canary": canary, "stable": stable}.get(role)
        if role == "other":
            continue
        if wanted is not None and (int_weight(destination.get("weight")) or 0) != wanted:
            destination["weight"] = wanted
        weighted.append(destination)
    return {**route, "route": weighted}


def canary_weight(route: Obj, roles: Roles) -> int | None:
    for destination in route.get("route") or []:
        if roles.role(destination) == "canary":
            return int_weight(destination.get("weight")) or 0
    return None
