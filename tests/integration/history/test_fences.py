"""Import fences on a real server: leases, held fences, take-over, and the controller's check."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.client import Client

from adapters.history.fences import (
    FencedByAnotherImport,
    FenceWatch,
    fence_bucket,
    fence_key,
    fenced_rollouts,
    hold_fences,
    lift_fences,
    put_fences,
)

pytestmark = pytest.mark.integration

WEB = ("edge", "web.v2")


async def test_no_bucket_and_no_key_mean_not_fenced(nats_client: Client) -> None:
    watch = FenceWatch(nats_client)
    assert not await watch.fenced(WEB)
    await put_fences(nats_client.jetstream(), [("other", "one")], "import-a")
    assert not await watch.fenced(WEB)


async def test_a_fence_holds_until_lifted_and_waiting_ends_then(nats_client: Client) -> None:
    js, watch = nats_client.jetstream(), FenceWatch(nats_client)
    assert await put_fences(js, [WEB], "import-a") == set()
    assert await watch.fenced(WEB)
    assert await fenced_rollouts(js) == {WEB}
    waiting = asyncio.create_task(watch.wait_clear(WEB))
    await asyncio.sleep(0.5)
    assert not waiting.done()
    await lift_fences(js, [WEB])
    async with asyncio.timeout(2):
        await waiting
    assert not await watch.fenced(WEB) and await fenced_rollouts(js) == set()


async def test_the_same_import_takes_its_fence_over_another_is_refused(
    nats_client: Client,
) -> None:
    js = nats_client.jetstream()
    await put_fences(js, [WEB, ("edge", "api")], "import-a")
    assert await put_fences(js, [WEB], "import-a") == {WEB}
    with pytest.raises(FencedByAnotherImport, match=r"edge/web.v2 is being imported by .*import-a"):
        await put_fences(js, [WEB], "import-b")


async def test_a_lease_expires_a_held_fence_does_not(nats_client: Client) -> None:
    """A killed importer that stored nothing blocks the rollout only for its lease; once an
    import holds its fences (a partial history may exist) only finishing it lifts them."""
    js, watch = nats_client.jetstream(), FenceWatch(nats_client)
    await put_fences(js, [WEB], "import-killed", lease=0.3)
    assert await watch.fenced(WEB)
    async with asyncio.timeout(3):
        await watch.wait_clear(WEB)
    assert await put_fences(js, [WEB], "import-b") == set()  # an expired lease is replaced
    await hold_fences(js, [WEB], "import-b")
    await asyncio.sleep(0.4)
    assert await watch.fenced(WEB)
    with pytest.raises(FencedByAnotherImport):
        await put_fences(js, [WEB], "import-c", lease=0.1)


async def test_an_unreadable_fence_counts_as_held(nats_client: Client) -> None:
    kv = await fence_bucket(nats_client.jetstream())
    await kv.put(fence_key(WEB), b"not json")
    assert await FenceWatch(nats_client).fenced(WEB)
