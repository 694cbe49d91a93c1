"""A judgment computed by the real judge, for tests of the event, evolve and the renderers."""

from __future__ import annotations

from events.judgment import Judgment
from rollouts.judge import MetricCriteria, MetricSamples, Thresholds, judge

BASELINE = (0.001, 0.002, 0.001, 0.0, 0.002, 0.001, 0.001, 0.002, 0.0, 0.001)
CANARY = (0.011, 0.012, 0.010, 0.013, 0.011, 0.012, 0.010, 0.011, 0.012, 0.013)


def sample_judgment() -> Judgment:
    """error-rate High (critical, so Failed with score 0), latency Pass, queue NoData."""
    errors = MetricCriteria(name="error-rate", direction="increase", critical=True)
    latency = MetricCriteria(name="latency", weight=2)
    queue = MetricCriteria(name="queue", direction="decrease")
    return judge(
        [
            MetricSamples.of(errors, BASELINE, CANARY),
            MetricSamples.of(latency, [100.0, 101.0, 99.0], [100.5, 99.5, 100.0]),
            MetricSamples.of(queue, [], [1.0]),
        ],
        Thresholds(),
    )
