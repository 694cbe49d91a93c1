"""What the scenario waits for: a predicate on the folded state, its description, and the
states in which waiting longer is pointless (the rollout went somewhere else).

Predicates name the image they expect, so a state left over from the previous version (still
Healthy on v1 just after `set image v2`) never satisfies a wait about the new one. Giving up
early turns "it never paused" into an immediate, precise failure instead of a timeout.
"""

from __future__ import annotations

from typing import NamedTuple

from adapters.demo.manifests import INDEFINITE_PAUSE_STEP, REPLICAS, STEP_COUNT, DemoImage
from adapters.demo.view import image_tag
from adapters.demo.watch import StatePredicate
from events.phases import RolloutPhase
from rollouts.state import ReplicaSetState, RolloutState


class Expectation(NamedTuple):
    reached: StatePredicate
    description: str
    off_course: StatePredicate
    """True when the rollout can no longer reach the expectation without another command."""


def runs(rs: ReplicaSetState | None, image: DemoImage) -> bool:
    return rs is not None and image_tag(rs) == image.version


def degraded(state: RolloutState) -> bool:
    return state.phase is RolloutPhase.DEGRADED


def promoted_to(image: DemoImage) -> StatePredicate:
    return lambda state: state.fully_promoted and runs(state.stable, image)


def healthy_on(image: DemoImage) -> Expectation:
    def reached(state: RolloutState) -> bool:
        stable = state.stable
        return (
            state.phase is RolloutPhase.HEALTHY
            and promoted_to(image)(state)
            and stable is not None
            and stable.available >= REPLICAS
        )

    description = f"Healthy, fully promoted to {image.image} with {REPLICAS} pods available"
    return Expectation(reached, description, degraded)


def paused_until_promoted(image: DemoImage) -> Expectation:
    def reached(state: RolloutState) -> bool:
        return (
            state.phase is RolloutPhase.PAUSED
            and runs(state.new_rs, image)
            and state.current_step_index == INDEFINITE_PAUSE_STEP
        )

    def off_course(state: RolloutState) -> bool:
        return degraded(state) or promoted_to(image)(state)

    description = (
        f"Paused at step {INDEFINITE_PAUSE_STEP + 1} of {STEP_COUNT} (pause until promoted) "
        f"with {image.image} as canary"
    )
    return Expectation(reached, description, off_course)


def canary_at_weight(image: DemoImage, weight: int) -> Expectation:
    def reached(state: RolloutState) -> bool:
        traffic = state.traffic
        return (
            runs(state.new_rs, image)
            and not state.fully_promoted
            and traffic.requested_canary == weight
            and traffic.applied_canary == weight
        )

    def off_course(state: RolloutState) -> bool:
        return degraded(state) or promoted_to(image)(state)

    description = f"{image.image} as canary with {weight}% of the traffic applied at the proxy"
    return Expectation(reached, description, off_course)


def aborted_to(stable: DemoImage) -> Expectation:
    def reached(state: RolloutState) -> bool:
        return (
            degraded(state)
            and state.message.startswith("RolloutAborted")
            and state.traffic.applied_canary == 0
            and runs(state.stable, stable)
        )

    description = (
        f"Degraded (RolloutAborted: ...) with 0% canary weight applied, stable {stable.image}"
    )
    return Expectation(reached, description, lambda state: state.fully_promoted)
