"""GroupCommitter against a fake stream that checks expectations the way nats-server 2.15 does.

The fake keeps one sequence and, per rollout, the last sequence; a batch commits whole only if
every expectation in it matches the state before the batch (the real server's rule, pinned in
tests/integration/test_jetstream_store.py). Each commit takes a little time, so decisions that
arrive meanwhile queue up the way they do against a real server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from events.group_commit import (
    BATCH_COMMIT,
    BATCH_ID,
    BATCH_SEQUENCE,
    WRONG_LAST_SEQUENCE,
    GroupCommitter,
    Refused,
)
from events.store import Outgoing

EXPECTED = "Nats-Expected-Last-Subject-Sequence"


class FakeStream:
    def __init__(self, commit_seconds: float = 0.005) -> None:
        self.commit_seconds = commit_seconds
        self.sequence = 0
        self.last: dict[str, int] = {}
        self.staged: dict[str, list[tuple[str, dict[str, str]]]] = {}
        self.committing = 0
        self.batches: list[list[str]] = []
        self.fail_next: Exception | None = None

    async def send(
        self, subject: str, data: bytes, headers: dict[str, str], last: bool
    ) -> dict[str, Any] | None:
        staged = self.staged.setdefault(headers.get(BATCH_ID, ""), [])
        staged.append((subject, headers))
        if not last:
            return None
        del self.staged[headers.get(BATCH_ID, "")]
        self.committing += 1
        try:
            await asyncio.sleep(self.commit_seconds)
        finally:
            self.committing -= 1
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        return self._commit(staged)

    def _commit(self, staged: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
        for subject, headers in staged:
            expected = headers.get(EXPECTED)
            if expected is not None and int(expected) != self.last.get(subject, 0):
                actual = self.last.get(subject, 0)
                return {"error": {"err_code": WRONG_LAST_SEQUENCE, "description": f"{actual}"}}
        for subject, _ in staged:
            self.sequence += 1
            self.last[subject] = self.sequence
        self.batches.append([subject for subject, _ in staged])
        return {"seq": self.sequence}


def decision(rollout: str, size: int, expected: int) -> list[Outgoing]:
    messages = [Outgoing(rollout, {}, b"{}") for _ in range(size)]
    messages[0].headers[EXPECTED] = str(expected)
    return messages


async def commit_all(
    committer: GroupCommitter, decisions: Sequence[tuple[str, int, int]]
) -> list[Any]:
    return await asyncio.gather(
        *(
            committer.commit(("ns", rollout), decision(rollout, size, expected))
            for rollout, size, expected in decisions
        ),
        return_exceptions=True,
    )


async def test_a_lone_decision_is_sent_at_once_and_alone() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send)
    assert await committer.commit(("ns", "a"), decision("a", 1, 0)) == 1
    assert await committer.commit(("ns", "a"), decision("a", 3, 1)) == 4
    assert stream.batches == [["a"], ["a", "a", "a"]]
    assert committer.groups == 2


async def test_decisions_waiting_for_a_commit_share_the_next_batch() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send, in_flight=1)
    first = asyncio.ensure_future(committer.commit(("ns", "first"), decision("first", 2, 0)))
    await asyncio.sleep(0.001)  # its commit is in flight
    outcomes = await commit_all(committer, [(f"r{i}", 1 + i % 3, 0) for i in range(50)])
    assert await first == 2
    assert committer.groups == 2  # the first alone, the 50 that queued behind it together
    assert len(stream.batches[1]) == sum(1 + i % 3 for i in range(50))
    for i, outcome in enumerate(outcomes):
        assert outcome == stream.last[f"r{i}"]  # each learns its own last sequence


async def test_decisions_arriving_together_go_together() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send)
    assert await commit_all(committer, [("a", 1, 0), ("b", 2, 0)]) == [1, 3]
    assert stream.batches == [["a", "b", "b"]]


async def test_the_batch_headers_number_the_group_and_the_last_commits_it() -> None:
    seen: list[dict[str, str]] = []
    stream = FakeStream()

    async def spy(subject: str, data: bytes, headers: dict[str, str], last: bool) -> Any:
        seen.append(headers)
        return await stream.send(subject, data, headers, last)

    committer = GroupCommitter(spy, in_flight=1)
    warm = asyncio.ensure_future(committer.commit(("ns", "warm"), decision("warm", 1, 0)))
    await asyncio.sleep(0.001)
    grouped = [decision("a", 2, 0), decision("b", 1, 0)]
    await asyncio.gather(warm, *(committer.commit(("ns", d[0].subject), d) for d in grouped))
    assert BATCH_ID not in seen[0]  # a single message is a plain publish
    group = seen[1:]
    assert [h[BATCH_SEQUENCE] for h in group] == ["1", "2", "3"]
    assert len({h[BATCH_ID] for h in group}) == 1
    assert [BATCH_COMMIT in h for h in group] == [False, False, True]
    assert all(BATCH_ID not in m.headers for d in grouped for m in d)  # callers' copies intact


async def test_one_rollout_never_appears_twice_in_a_batch() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send)
    outcomes = await commit_all(committer, [("busy", 1, 0), ("other", 1, 0), ("busy", 1, 0)])
    assert outcomes[:2] == [1, 2]
    assert outcomes[2] == Refused(WRONG_LAST_SEQUENCE, "1")  # decided at 0, checked alone
    for batch in stream.batches:
        assert len(batch) == len(set(batch))


async def test_batches_stay_within_the_message_limit() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send, max_messages=10)
    outcomes = await commit_all(committer, [(f"r{i}", 4, 0) for i in range(9)])
    assert all(isinstance(outcome, int) for outcome in outcomes)
    assert max(len(batch) for batch in stream.batches) <= 10
    assert stream.sequence == 36
    with pytest.raises(ValueError, match="at most 10"):
        await committer.commit(("ns", "big"), decision("big", 11, 0))


async def test_a_refused_group_is_split_until_only_the_culprit_is_refused() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send)
    await committer.commit(("ns", "warm"), decision("warm", 1, 0))
    stream.last["stale"] = 99
    decisions = [(f"r{i}", 2, 0) for i in range(20)]
    decisions.insert(13, ("stale", 1, 5))
    outcomes = await commit_all(committer, decisions)
    assert outcomes[13] == Refused(WRONG_LAST_SEQUENCE, "99")
    assert all(isinstance(o, int) for i, o in enumerate(outcomes) if i != 13)
    assert stream.sequence == 1 + 40
    assert committer.groups < 2 + 2 * 21  # fewer commits than one per decision twice over


async def test_a_failed_send_fails_every_decision_of_its_group_only() -> None:
    stream = FakeStream()
    committer = GroupCommitter(stream.send)
    stream.fail_next = ConnectionError("gone")
    lost = asyncio.ensure_future(committer.commit(("ns", "a"), decision("a", 1, 0)))
    await asyncio.sleep(0.001)
    outcomes = await commit_all(committer, [("b", 1, 0), ("c", 2, 0)])
    with pytest.raises(ConnectionError):
        await lost
    assert outcomes == [1, 3]  # the next group was not affected
    assert stream.sequence == 3


async def test_a_caller_that_gives_up_is_left_out_of_the_next_group() -> None:
    stream = FakeStream(commit_seconds=0.05)
    committer = GroupCommitter(stream.send, in_flight=1)
    first = asyncio.ensure_future(committer.commit(("ns", "a"), decision("a", 1, 0)))
    await asyncio.sleep(0)
    abandoned = asyncio.ensure_future(committer.commit(("ns", "b"), decision("b", 1, 0)))
    kept = asyncio.ensure_future(committer.commit(("ns", "c"), decision("c", 1, 0)))
    await asyncio.sleep(0.01)
    abandoned.cancel()
    assert (await first, await kept) == (1, 2)
    assert "b" not in stream.last


async def test_with_two_groups_in_flight_a_second_decision_does_not_wait() -> None:
    stream = FakeStream(commit_seconds=0.05)
    committer = GroupCommitter(stream.send, in_flight=2)
    first = asyncio.ensure_future(committer.commit(("ns", "a"), decision("a", 1, 0)))
    await asyncio.sleep(0.001)
    second = asyncio.ensure_future(committer.commit(("ns", "b"), decision("b", 2, 0)))
    await asyncio.sleep(0.001)
    assert stream.committing == 2  # b did not wait for a's commit
    rest = asyncio.ensure_future(commit_all(committer, [("c", 1, 0), ("d", 1, 0)]))
    assert await first == 1 and await second == 3
    assert await rest == [4, 5]
    assert committer.groups == 3


async def test_a_commit_no_one_waits_for_any_more_is_given_up() -> None:
    stream = FakeStream(commit_seconds=10.0)
    committer = GroupCommitter(stream.send)
    waiting = [
        asyncio.ensure_future(committer.commit(("ns", name), decision(name, 2, 0)))
        for name in ("a", "b")
    ]
    await asyncio.sleep(0.01)
    waiting[0].cancel()
    await asyncio.sleep(0.01)
    assert stream.committing == 1  # b still waits
    waiting[1].cancel()
    await asyncio.sleep(0.01)
    assert stream.committing == 0 and not committer._workers  # nothing left running
    assert stream.sequence == 0
