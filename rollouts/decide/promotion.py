"""Promotion: the desired ReplicaSet becomes stable (Argo's promoteStable)."""

from __future__ import annotations

import events.models as ev
from rollouts.decide.context import Decision


def promote_stable(ctx: Decision, reason: str) -> None:
    """Lift pauses and abort; record `RolloutCompleted` only when the stable hash changes."""
    ctx.clear_pauses("promoted")
    ctx.remove_abort("promoted")
    state = ctx.state
    if state.current_pod_hash is not None and state.stable_rs != state.current_pod_hash:
        ctx.emit(
            ev.RolloutCompleted,
            stable_hash=state.current_pod_hash,
            revision=state.revision,
            reason=reason,
        )
