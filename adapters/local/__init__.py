"""The local platform: the embedded default for a laptop with no cluster.

ReplicaSets are real loopback HTTP servers in this process, traffic goes through a per-rollout
proxy with exact weights, and the pods count every request for Prometheus. `memory` holds the
in-memory twins of the same ports.
"""

from __future__ import annotations

from adapters.local.load import LoadGenerator
from adapters.local.memory import InMemoryPlatform, InMemoryRouter
from adapters.local.platform import LocalPlatform
from adapters.local.pods import VersionBehaviour
from adapters.local.proxy import POD_HEADER, ROUTE_HEADER
from adapters.local.traffic import SERVICE_HEADER

__all__ = [
    "POD_HEADER",
    "ROUTE_HEADER",
    "SERVICE_HEADER",
    "InMemoryPlatform",
    "InMemoryRouter",
    "LoadGenerator",
    "LocalPlatform",
    "VersionBehaviour",
]
