"""maxSurge / maxUnavailable: from the spec's int-or-percent values to pod counts."""

from __future__ import annotations

import re

from rollouts.replicas.models import Fenceposts

IntOrPercent = int | str

DEFAULT_MAX_SURGE: IntOrPercent = "25%"
DEFAULT_MAX_UNAVAILABLE: IntOrPercent = "25%"

_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]+")


def resolve_int_or_percent(value: IntOrPercent, total: int, *, round_up: bool) -> int:
    """Argo: intstr.GetValueFromIntOrPercent (the deprecated Kubernetes helper Argo still calls).

    That helper strips every `%` from a string and then always treats it as a percentage, so
    "25" means 25 % rather than 25 pods; Argo users rely on it, hence the quirk is kept.
    Surge rounds up and unavailability rounds down so neither ever resolves more permissively
    than asked. Ints are pod counts taken as they are.
    """
    if isinstance(value, bool):
        raise ValueError(f"invalid int-or-percent value {value!r}")
    if isinstance(value, int):
        return value
    digits = value.replace("%", "")
    if not _SIGNED_DIGITS.fullmatch(digits):
        raise ValueError(f"invalid int-or-percent value {value!r}")
    scaled = int(digits) * total
    return -(-scaled // 100) if round_up else scaled // 100


def resolve_fenceposts(
    max_surge: IntOrPercent, max_unavailable: IntOrPercent, desired: int
) -> tuple[int, int]:
    """Argo: resolveFenceposts.

    Validation forbids both values being zero as written, but percentages can still round to
    zero; a rollout that may neither surge nor lose a pod could never move, so Argo then allows
    one unavailable pod.
    """
    surge = resolve_int_or_percent(max_surge, desired, round_up=True)
    unavailable = resolve_int_or_percent(max_unavailable, desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def canary_fenceposts(
    spec_replicas: int,
    max_surge: IntOrPercent | None = None,
    max_unavailable: IntOrPercent | None = None,
) -> Fenceposts:
    """Argo: MaxSurge and MaxUnavailable for a canary (None means unset: "25%" each).

    maxUnavailable is capped at spec.replicas (and is 0 for an empty rollout) so the
    "minimum available" derived from it is never negative; maxSurge is not capped.
    """
    surge, unavailable = resolve_fenceposts(
        DEFAULT_MAX_SURGE if max_surge is None else max_surge,
        DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable,
        spec_replicas,
    )
    unavailable = 0 if spec_replicas == 0 else min(unavailable, spec_replicas)
    return Fenceposts(max_surge=surge, max_unavailable=unavailable)


def bluegreen_max_unavailable(spec_replicas: int, max_unavailable: IntOrPercent | None) -> int:
    """Argo: MaxUnavailable for blue-green (only used while restarting pods).

    Blue-green has no surge, so there is no fencepost rule here: a value rounding to 0 stays 0.
    """
    if spec_replicas == 0:
        return 0
    value = DEFAULT_MAX_UNAVAILABLE if max_unavailable is None else max_unavailable
    return min(resolve_int_or_percent(value, spec_replicas, round_up=False), spec_replicas)
