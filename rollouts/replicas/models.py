"""Small value types for the replica arithmetic.

They deliberately know nothing of the Rollout spec models: callers copy the few numbers that
matter (spec.replicas, a ReplicaSet's counts, the applied traffic weights) into these, so the
arithmetic can be tested and reasoned about on its own.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field


class SplitTargets(NamedTuple):
    """Desired replica counts for the canary (new) and stable ReplicaSets, in that order."""

    canary: int
    stable: int


class ReplicaSetCounts(BaseModel):
    """What the arithmetic needs to know about one ReplicaSet.

    `replicas` is the RS's spec.replicas (what it was last told), `available` its
    status.availableReplicas. `actual` is status.replicas (pods that exist right now); only the
    "are we at the desired counts" check reads it, and None means "not observed", in which case
    it is taken to equal `replicas`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    replicas: int = Field(ge=0)
    available: int = Field(ge=0)
    actual: int | None = Field(default=None, ge=0)

    @property
    def existing(self) -> int:
        return self.replicas if self.actual is None else self.actual


class Fenceposts(BaseModel):
    """maxSurge and maxUnavailable resolved to pod counts for one spec.replicas."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    max_surge: int
    max_unavailable: int


class CanaryScale(BaseModel):
    """The active `setCanaryScale` step, if any: explicit replicas win over a weight.

    A `matchTrafficWeight: true` step cancels earlier ones; callers represent that by passing
    no CanaryScale at all.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    replicas: int | None = Field(default=None, ge=0)
    weight: int | None = Field(default=None, ge=0)


class TrafficWeights(BaseModel):
    """The weights last written to the traffic router (status.canary.weights)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    canary: int = Field(ge=0)
    stable: int = Field(ge=0)


class ProgressThreshold(BaseModel):
    """canary.replicaProgressThreshold: how much of the canary must be available to move on."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    type: Literal["Percent", "Pods"]
    value: int
