"""Stuck pods of the new ReplicaSet: recorded when they change, named when the deadline passes.

The platform reports every container waiting for a reason that will not clear by itself
(`events.pod_failures.FAILURE_REASONS`). Only the new ReplicaSet's pods matter to the progress
deadline (its pods are the ones that must become available), so a report about another
ReplicaSet is dropped, and a report equal to the one held decides nothing. The deadline itself
is unchanged (argo-semantics §2.7): Degraded once nothing progressed for
`progressDeadlineSeconds`, aborted too with `progressDeadlineAbort`; the failures only add why.
"""

from __future__ import annotations

from events.pod_failures import PodFailure, PodFailuresObserved, PodFailuresRecorded
from rollouts.decide.context import Decision
from rollouts.state import RolloutState

SHOWN = 3
"""Failures named in a message; more are counted."""


def pod_failures_observed(ctx: Decision, obs: PodFailuresObserved) -> None:
    state = ctx.state
    if state.current_pod_hash is None or obs.pod_template_hash != state.current_pod_hash:
        return
    if list(obs.failures) == list(current_failures(state)):
        return
    ctx.emit(PodFailuresRecorded, pod_template_hash=obs.pod_template_hash, failures=obs.failures)


def current_failures(state: RolloutState) -> tuple[PodFailure, ...]:
    """The stuck pods of the new ReplicaSet, as last reported (none for another one's)."""
    recorded = state.pod_failures
    if recorded is None or recorded.pod_template_hash != state.current_pod_hash:
        return ()
    return tuple(recorded.failures)


def failure_note(state: RolloutState) -> str:
    """`pod web-1: ImagePullBackOff: Back-off pulling image "web:nope"; ... (and 2 more)`."""
    failures = current_failures(state)
    if not failures:
        return ""
    note = "; ".join(failure.describe() for failure in failures[:SHOWN])
    hidden = len(failures) - SHOWN
    return f"{note} (and {hidden} more)" if hidden > 0 else note
