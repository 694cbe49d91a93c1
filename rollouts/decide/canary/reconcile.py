"""One reconcile pass of a canary rollout, in Argo's order (rolloutCanary).

Services, then traffic, then analysis; if analysis paused the rollout nothing else moves. Then
ReplicaSets (one category per pass), then the pause step, and finally the status: promotion,
abort bookkeeping or the next step. Every rule reads the state as left by the rules before it.
"""

from __future__ import annotations

from rollouts.decide.analysis_runs import reconcile_analysis_runs
from rollouts.decide.canary.analysis import reconcile_canary_analysis
from rollouts.decide.canary.scaling import reconcile_canary_replica_sets
from rollouts.decide.canary.steps import reconcile_canary_pause, sync_canary_status
from rollouts.decide.canary.traffic import reconcile_canary_services, reconcile_traffic
from rollouts.decide.context import Decision
from rollouts.decide.replica_sets import reconcile_history_limit


def canary_pass(ctx: Decision) -> None:
    reconcile_analysis_runs(ctx)
    reconcile_history_limit(ctx)
    reconcile_canary_services(ctx)
    reconcile_traffic(ctx)
    reconcile_canary_analysis(ctx)
    if not ctx.pauses.adds_pause and not reconcile_canary_replica_sets(ctx):
        reconcile_canary_pause(ctx)
    sync_canary_status(ctx)
