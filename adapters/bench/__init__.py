"""`rollouts bench`: throughput, replay, abort latency and memory, against raw NATS baselines."""

from __future__ import annotations

from adapters.bench.runner import run_bench

__all__ = ["run_bench"]
