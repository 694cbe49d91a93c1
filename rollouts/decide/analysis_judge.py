"""Recording a measurement of a judge metric: the judgment first, then the measurement.

The worker's samples arrive in `MeasurementTaken.value`; the pure `rollouts.judge.measurement`
judges them. The judgment is recorded as `JudgmentRecorded` (with the samples, so a replay
re-judges from the stream), and the measurement takes the verdict as its phase and the score as
its value. A provider error is an Error measurement as for any metric; a value that is not a
pair of sample lists is an Error measurement saying what was wrong, and no judgment.
"""

from __future__ import annotations

import events.inputs as inp
import events.models as ev
from events.phases import AnalysisPhase
from rollouts.analysis.engine_verdict import Verdict
from rollouts.decide.context import Decision
from rollouts.judge.measurement import judge_measurement, read_samples
from rollouts.run_state import AnalysisRunState, MetricRunState


def judge_verdict(
    ctx: Decision, run: AnalysisRunState, metric: MetricRunState, obs: inp.MeasurementTaken
) -> Verdict:
    """The verdict of a judge metric's measurement, its judgment emitted on the way."""
    if obs.error is not None:
        return Verdict(AnalysisPhase.ERROR, "", obs.error)
    try:
        samples = read_samples(obs.value)
    except ValueError as problem:
        return Verdict(AnalysisPhase.ERROR, "", str(problem))
    judge_metrics = [m.name for m in run.metrics if m.spec.judge is not None]
    judged = judge_measurement(metric.spec, samples, run.judgment, judge_metrics)
    ctx.emit(
        ev.JudgmentRecorded,
        run_name=run.name,
        index=sum(m.counters.count for m in run.metrics if m.spec.judge is not None),
        judgment=judged.judgment,
        metric=metric.name,
        measurement_index=obs.index,
        baseline=samples.baseline,
        canary=samples.canary,
    )
    return Verdict(judged.phase, judged.value, judged.message)
