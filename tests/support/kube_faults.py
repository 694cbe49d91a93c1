"""Fault injection for the fake API server: failing requests and slow answers.

A request is described by its Kubernetes verb (get, list, watch, create, update, patch, delete,
deletecollection), its resource, namespace, name and subresource. `fail_next` makes the next N
matching requests fail with a status code (the body is the Status the real server sends for
that code: 409 is a `Conflict`); `slow` delays matching requests; `latency` delays every one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.support.kube_errors import KubeError
from tests.support.kube_resources import ResourceType

READ_VERBS = frozenset({"get", "list", "watch"})
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
ANY = "*"


@dataclass(frozen=True, slots=True)
class Call:
    verb: str
    resource: ResourceType
    namespace: str | None
    name: str
    subresource: str | None


@dataclass(slots=True)
class Match:
    verbs: frozenset[str] = WRITE_VERBS
    resource: str | None = None
    """A plural (`replicasets`) or qualified name (`replicasets.apps`); None: any."""
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = ANY
    """`status`, `scale`, None for the main resource only, ANY for all."""

    def matches(self, call: Call) -> bool:
        return (
            call.verb in self.verbs
            and self.resource in (None, call.resource.plural, call.resource.qualified)
            and self.namespace in (None, call.namespace)
            and self.name in (None, call.name)
            and self.subresource in (ANY, call.subresource)
        )


@dataclass(slots=True)
class Fault:
    code: int
    remaining: int
    match: Match
    hits: int = 0


@dataclass(slots=True)
class Slowness:
    seconds: float
    match: Match


@dataclass
class Faults:
    latency: float = 0.0
    """Seconds added before answering every request."""
    faults: list[Fault] = field(default_factory=list)
    slowness: list[Slowness] = field(default_factory=list)

    def fail_next(
        self,
        code: int = 409,
        times: int = 1,
        *,
        verbs: Iterable[str] = WRITE_VERBS,
        resource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = ANY,
    ) -> Fault:
        fault = Fault(code, times, Match(frozenset(verbs), resource, namespace, name, subresource))
        self.faults.append(fault)
        return fault

    def slow(
        self,
        seconds: float,
        *,
        verbs: Iterable[str] = READ_VERBS | WRITE_VERBS,
        resource: str | None = None,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = ANY,
    ) -> Slowness:
        rule = Slowness(seconds, Match(frozenset(verbs), resource, namespace, name, subresource))
        self.slowness.append(rule)
        return rule

    def clear(self) -> None:
        self.latency = 0.0
        self.faults.clear()
        self.slowness.clear()

    def delay_for(self, call: Call) -> float:
        return self.latency + sum(
            rule.seconds for rule in self.slowness if rule.match.matches(call)
        )

    def take(self, call: Call) -> KubeError | None:
        """The injected error for this request, if a rule still has failures left."""
        for fault in self.faults:
            if fault.remaining > 0 and fault.match.matches(call):
                fault.remaining -= 1
                fault.hits += 1
                return KubeError.injected(fault.code, call.resource.qualified, call.name)
        return None
