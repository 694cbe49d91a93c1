"""Invariants of the replica arithmetic over generated rollouts (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from rollouts.replicas import (
    ReplicaSetCounts,
    TrafficWeights,
    approximate_weighted_canary_stable,
    basic_canary_targets,
    resolve_int_or_percent,
    traffic_routed_canary_targets,
)


@dataclass(frozen=True)
class BasicState:
    replicas: int
    weight: int
    surge: int
    unavailable: int
    new_rs: ReplicaSetCounts | None
    stable_rs: ReplicaSetCounts | None
    older: tuple[ReplicaSetCounts, ...]


def _rs(draw: st.DrawFn, most: int) -> ReplicaSetCounts:
    replicas = draw(st.integers(0, most))
    return ReplicaSetCounts(replicas=replicas, available=draw(st.integers(0, replicas)))


@st.composite
def basic_states(draw: st.DrawFn) -> BasicState:
    """A consistent snapshot: no RS above the surge ceiling, no RS more available than sized."""
    replicas = draw(st.integers(0, 30))
    surge = draw(st.integers(0, 10))
    unavailable = draw(st.integers(0, replicas))
    if surge == 0 and unavailable == 0:
        unavailable = min(1, replicas)
    ceiling = replicas + surge
    new_rs = _rs(draw, ceiling) if draw(st.booleans()) else None
    stable_rs = _rs(draw, ceiling) if draw(st.booleans()) else None
    older = tuple(_rs(draw, replicas) for _ in range(draw(st.integers(0, 2))))
    weight = draw(st.integers(0, 100))
    return BasicState(replicas, weight, surge, unavailable, new_rs, stable_rs, older)


def _basic(state: BasicState) -> tuple[int, int]:
    return basic_canary_targets(
        state.replicas,
        state.weight,
        max_surge=state.surge,
        max_unavailable=state.unavailable,
        new_rs=state.new_rs,
        stable_rs=state.stable_rs,
        older=state.older,
    )


def _present(*sets: ReplicaSetCounts | None) -> list[ReplicaSetCounts]:
    return [rs for rs in sets if rs is not None]


@given(basic_states())
def test_basic_targets_are_never_negative(state: BasicState) -> None:
    canary, stable = _basic(state)
    assert canary >= 0
    assert stable >= 0


@given(basic_states())
def test_basic_targets_respect_the_surge_ceiling(state: BasicState) -> None:
    canary, stable = _basic(state)
    current = sum(rs.replicas for rs in _present(state.new_rs, state.stable_rs, *state.older))
    if current <= state.replicas + state.surge:
        assert canary + stable <= state.replicas + state.surge


@given(basic_states())
def test_basic_targets_never_drop_availability_below_the_minimum(state: BasicState) -> None:
    canary, stable = _basic(state)
    older_available = sum(rs.available for rs in state.older)

    def kept(rs: ReplicaSetCounts | None, target: int) -> int:
        return 0 if rs is None else min(rs.available, target)

    before = kept(state.new_rs, 10**6) + kept(state.stable_rs, 10**6) + older_available
    after = kept(state.new_rs, canary) + kept(state.stable_rs, stable) + older_available
    assert after >= min(before, state.replicas - state.unavailable)


@given(basic_states())
def test_basic_targets_only_grow_without_an_rs(state: BasicState) -> None:
    canary, stable = _basic(state)
    if state.new_rs is None:
        assert canary == 0
    if state.stable_rs is None:
        assert stable == 0


@given(
    st.integers(0, 50),
    st.integers(0, 100),
    st.integers(1, 100),
    st.integers(0, 5),
)
def test_approximate_split_sums_to_replicas_or_one_more(
    replicas: int, weight: int, max_weight: int, surge: int
) -> None:
    weight = min(weight, max_weight)
    canary, stable = approximate_weighted_canary_stable(replicas, weight, max_weight, surge)
    assert canary >= 0
    assert stable >= 0
    allowed = {replicas} if surge == 0 or replicas == 0 else {replicas, replicas + 1}
    assert canary + stable in allowed


@given(
    st.integers(0, 50),
    st.integers(0, 100),
    st.none() | st.integers(0, 60),
    st.none() | st.integers(0, 100),
    st.booleans(),
)
def test_traffic_routed_stable_stays_full_without_dynamic_scale(
    replicas: int, weight: int, min_pods: int | None, applied_canary: int | None, aborted: bool
) -> None:
    applied = (
        None
        if applied_canary is None
        else TrafficWeights(canary=applied_canary, stable=100 - applied_canary)
    )
    canary, stable = traffic_routed_canary_targets(
        replicas,
        weight,
        min_pods_per_replica_set=min_pods,
        applied_weights=applied,
        aborted=aborted,
    )
    assert stable == replicas
    assert 0 <= canary <= max(replicas, min_pods or 0)


@given(
    st.integers(0, 50),
    st.integers(0, 100),
    st.none() | st.integers(0, 60),
    st.integers(0, 100),
    st.booleans(),
)
def test_dynamic_stable_scale_covers_the_applied_traffic(
    replicas: int, weight: int, min_pods: int | None, applied_stable: int, aborted: bool
) -> None:
    applied = TrafficWeights(canary=100 - applied_stable, stable=applied_stable)
    canary, stable = traffic_routed_canary_targets(
        replicas,
        weight,
        min_pods_per_replica_set=min_pods,
        dynamic_stable_scale=True,
        applied_weights=applied,
        aborted=aborted,
    )
    assert canary >= 0
    assert replicas >= stable >= -(-applied_stable * replicas // 100)
    assert canary + stable >= replicas  # together they always cover every pod's worth of traffic


@given(st.integers(0, 1000), st.integers(0, 500), st.booleans())
def test_percent_sign_is_optional(percent: int, total: int, round_up: bool) -> None:
    with_sign = resolve_int_or_percent(f"{percent}%", total, round_up=round_up)
    assert resolve_int_or_percent(str(percent), total, round_up=round_up) == with_sign
    exact = percent * total / 100
    assert with_sign - 1 < exact <= with_sign if round_up else with_sign <= exact < with_sign + 1
