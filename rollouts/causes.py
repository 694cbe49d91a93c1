"""Recent causes: the input ids a rollout remembers, to drop a redelivered input.

Kept as one string of fixed-width digests rather than a tuple of ids: every rollout remembers
64 causes, and at 10,000 rollouts a tuple of id strings was a large share of the state's memory.
"""

from __future__ import annotations

import functools
import hashlib

RECENT_CAUSES = 64
"""How many recent input ids a rollout remembers to drop redelivered inputs."""
CAUSE_DIGEST = 16
"""Hex digits kept of each cause: 64 bits, so two causes collide about once in 10^19 pairs."""


@functools.lru_cache(maxsize=4096)  # a decision's events share one cause
def cause_digest(cause: str) -> str:
    return hashlib.blake2b(cause.encode(), digest_size=CAUSE_DIGEST // 2).hexdigest()


def remember(recent: str, cause: str) -> str:
    """`recent` with `cause` last, the oldest dropped past RECENT_CAUSES."""
    digest = cause_digest(cause)
    if recent.endswith(digest):
        return recent
    return (recent + digest)[-RECENT_CAUSES * CAUSE_DIGEST :]


def has_digest(recent: str, digest: str) -> bool:
    at = recent.find(digest)
    while at >= 0:
        if at % CAUSE_DIGEST == 0:
            return True
        at = recent.find(digest, at + 1)
    return False
