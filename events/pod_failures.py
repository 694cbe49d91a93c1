"""Pods of a rollout's new ReplicaSet that cannot start, as the stream carries them.

Argo marks a rollout whose pods never become ready Degraded only through the progress deadline
(ProgressDeadlineExceeded); the reason the pods are stuck (an image that cannot be pulled, a
container that crashes, a missing ConfigMap) is left to `kubectl describe`. Here the platform
reports the containers' waiting reasons as an observation, the controller records them when
they change, and the progress deadline's message names them, so `rollouts get`, the audit and
a notification say why. The values, the input and the event live together here because all
are part of the published contract and `events` imports nothing of the project. Schema
version 1 each.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from events.base import Event, Observation, register_event, register_input

FAILURE_REASONS = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "PreStartHookError",
        "PostStartHookError",
    }
)
"""Container waiting reasons that mean the pod will not become ready by waiting (the kubelet's
own names). ContainerCreating and PodInitializing are a pod on its way, not a failure."""

MAX_PODS = 20
"""Failures reported per ReplicaSet: enough to name the problem, bounded for the stream."""
MAX_MESSAGE = 512
"""Characters of the kubelet's message kept per failure."""


class PodFailure(BaseModel):
    """One container of one pod stuck: its waiting `reason` and the kubelet's `message`."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    pod: str = Field(max_length=253)
    container: str = Field(max_length=253)
    reason: str = Field(max_length=128)
    message: str = Field(default="", max_length=MAX_MESSAGE)

    def describe(self) -> str:
        """`pod web-5d8f-x2k: ImagePullBackOff: Back-off pulling image "web:nope"`."""
        note = f": {self.message}" if self.message else ""
        return f"pod {self.pod}: {self.reason}{note}"


@register_input
class PodFailuresObserved(Observation):
    """The platform's view of the pods of one ReplicaSet: which containers are stuck (empty:
    none is, any longer). Sent when that view changes; a repeat decides nothing."""

    pod_template_hash: str = Field(min_length=1, max_length=63)
    failures: list[PodFailure] = Field(default=[], max_length=MAX_PODS)
    observed_at: datetime | None = None


@register_event
class PodFailuresRecorded(Event):
    """The pods of the rollout's new ReplicaSet that cannot start, as last reported (empty:
    they recovered). The progress deadline's message names them when it is exceeded."""

    pod_template_hash: str
    failures: list[PodFailure]
