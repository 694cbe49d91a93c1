"""Optimistic concurrency against the Kubernetes API: one retry loop for every writer.

Kubernetes rejects a write computed from a stale resourceVersion with 409 Conflict; the writer
must read again, recompute and retry. Every writer here (ReplicaSets, Rollout status, traffic
objects) does that a bounded number of times and then gives up with the same one-line error,
so a fight with another controller surfaces as a `KubernetesError` (409) naming the object,
never as a loop that spins forever.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from adapters.kubernetes.errors import KubernetesError

T = TypeVar("T")


async def retry_on_conflict(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    retries: int,
    lost_create: bool = False,
    on_conflict: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """`attempt()` up to `retries` times while it fails with a conflict, and its result.

    `attempt` must read what it writes each time (a retry with the same stale body would fail
    again). `lost_create`: a create that lost a race (409 AlreadyExists) is retried too, for
    attempts that create or update whichever applies. `on_conflict` runs after each conflict
    (re-reading a cache, counting). Any other error propagates at once; after `retries`
    conflicts a `KubernetesError` (409 Conflict) says `what` gave up.
    """
    for _ in range(retries):
        try:
            return await attempt()
        except KubernetesError as error:
            if not (error.conflict or (lost_create and error.already_exists)):
                raise
        if on_conflict is not None:
            await on_conflict()
    raise KubernetesError(
        f"{what}: gave up after {retries} conflicting writes (someone else keeps changing it)",
        409,
        "Conflict",
    )
