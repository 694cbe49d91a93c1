"""From a Rollout's analysis request and its templates to a run's frozen spec."""
