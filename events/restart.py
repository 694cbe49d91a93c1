"""Restarting a rollout's pods (`spec.restartAt`, `rollouts restart`), as the stream carries it.

A restart recreates every pod created before `restartAt` without a new revision: the controller
decides which pods go and when (at most maxUnavailable at a time, stable ReplicaSet first), and
the scaler worker lists and evicts them, reporting back as inputs. The events and the inputs
live together here because both are part of the published contract and `events` imports nothing
of the project. Every type is at schema version 1.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from events.base import Command, Count, Event, Observation, register_event, register_input

CHECK_SECONDS = 30
"""Argo's restartPodCheckTime: while pods remain to restart, look again at least this often
(an eviction a PodDisruptionBudget refused is retried then)."""


class RestartPod(BaseModel):
    """One pod of the rollout as the platform reported it for a restart."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    pod_template_hash: str
    created_at: datetime
    available: bool
    terminating: bool = False


@register_event
class RestartPodsCheckRequested(Event):
    """Intent for the scaler worker: list the rollout's pods and report them
    (`RestartPodsObserved`) for restart `restart_at`, answering check number `round`.
    `replica_sets` are the pod template hashes in restart order: stable, new, then the others
    oldest first."""

    restart_at: datetime
    round: Count
    replica_sets: list[str]


@register_event
class PodEvictionRequested(Event):
    """Intent for the scaler worker: evict these pods (the Eviction API, so a
    PodDisruptionBudget may refuse). `pods_to_restart` is how many pods created before
    `restart_at` were left when this batch was chosen, this batch included."""

    restart_at: datetime
    round: Count
    pods: list[str]
    pods_to_restart: Count
    pods_total: Count


@register_event
class PodsEvicted(Event):
    """What became of a batch: evicted, refused (a disruption budget said no: 429, retried at
    the next check), or already gone. `message` is the platform's word on a refusal."""

    restart_at: datetime
    round: Count
    evicted: list[str] = []
    refused: list[str] = []
    gone: list[str] = []
    message: str = ""


@register_event
class RolloutRestarted(Event):
    """`status.restartedAt := restart_at`: every pod created before it was restarted, or the
    restart was cancelled (`cancelled`) because a new pod template brings up new pods anyway."""

    restart_at: datetime
    cancelled: bool = False
    reason: str


@register_input
class Restart(Command):
    """Restart every pod created before `restart_at` (`kubectl argo rollouts restart`, which
    sets `spec.restartAt` to now, or now + `--in`)."""

    restart_at: datetime


@register_input
class RestartPodsObserved(Observation):
    """The scaler worker's answer to a `RestartPodsCheckRequested`: the rollout's pods."""

    restart_at: datetime
    round: int = Field(ge=1)
    pods: list[RestartPod]


@register_input
class PodEvictionsObserved(Observation):
    """The scaler worker's answer to a `PodEvictionRequested`."""

    restart_at: datetime
    round: int = Field(ge=1)
    evicted: list[str] = []
    refused: list[str] = []
    gone: list[str] = []
    message: str = ""
