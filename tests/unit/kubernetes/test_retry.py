"""`retry_on_conflict`: retries stale writes a bounded number of times, nothing else."""

from __future__ import annotations

import pytest

from adapters.kubernetes.errors import KubernetesError
from adapters.kubernetes.retry import retry_on_conflict

CONFLICT = KubernetesError("update X: 409 Conflict", 409, "Conflict")
EXISTS = KubernetesError("create X: 409 AlreadyExists", 409, "AlreadyExists")
GONE = KubernetesError("update X: 404 NotFound", 404, "NotFound")


class Attempts:
    """Fails with the given errors in order, then returns how many calls it took."""

    def __init__(self, *failures: KubernetesError) -> None:
        self.failures = list(failures)
        self.calls = 0
        self.rereads = 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.calls

    async def reread(self) -> None:
        self.rereads += 1


async def test_conflicts_are_retried_and_the_result_returned() -> None:
    attempt = Attempts(CONFLICT, CONFLICT)
    found = await retry_on_conflict("x", attempt, retries=3, on_conflict=attempt.reread)
    assert (found, attempt.calls, attempt.rereads) == (3, 3, 2)


async def test_it_gives_up_after_retries_with_a_409_naming_what() -> None:
    attempt = Attempts(*[CONFLICT] * 5)
    with pytest.raises(KubernetesError, match=r"^update Ingress a/b: gave up after 3 ") as caught:
        await retry_on_conflict("update Ingress a/b", attempt, retries=3)
    assert (caught.value.status, caught.value.reason, attempt.calls) == (409, "Conflict", 3)


async def test_other_errors_propagate_at_once() -> None:
    attempt = Attempts(GONE)
    with pytest.raises(KubernetesError) as caught:
        await retry_on_conflict("x", attempt, retries=5)
    assert (caught.value, attempt.calls) == (GONE, 1)


async def test_a_lost_create_is_retried_only_when_asked() -> None:
    assert await retry_on_conflict("x", Attempts(EXISTS), retries=2, lost_create=True) == 2
    attempt = Attempts(EXISTS)
    with pytest.raises(KubernetesError) as caught:
        await retry_on_conflict("x", attempt, retries=2)
    assert (caught.value, attempt.calls) == (EXISTS, 1)


async def test_no_retries_gives_up_without_trying() -> None:
    attempt = Attempts()
    with pytest.raises(KubernetesError, match="gave up after 0"):
        await retry_on_conflict("x", attempt, retries=0)
    assert attempt.calls == 0
