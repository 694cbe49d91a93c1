"""`rollouts demo`: a canary rollout driven end to end on the embedded default.

Embedded NATS in a temporary directory, the controller and workers in-process, the local
platform's pods and proxy, real HTTP traffic: set image, watch the canary step, promote, then
deploy a bad version and abort it, checking every step against Argo's semantics.
"""

from __future__ import annotations

from adapters.demo.runner import run_demo

__all__ = ["run_demo"]
