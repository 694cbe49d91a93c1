"""The fake Kubernetes API server's watches: start, resume, selectors, timeouts, bookmarks, 410."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client import ApiClient

from tests.integration.kubernetes.conftest import Raw
from tests.support.kube import FakeKube, api_client_for
from tests.support.kube_http import WatchSettings
from tests.support.kube_objects import service

pytestmark = pytest.mark.integration
SERVICES = "/api/v1/namespaces/default/services"
Events = list[dict[str, Any]]


async def during_watch(
    raw: Raw, fake: FakeKube, path: str, changes: Callable[[], object], **params: str
) -> Events:
    """Open a watch, make the changes once it is open, then end it and return its events."""
    opened = fake.open_watches
    task = asyncio.create_task(raw.watch(path, **params))
    async with asyncio.timeout(5):
        while fake.open_watches == opened:
            await asyncio.sleep(0.005)
    changes()
    fake.end_watches()
    return await task


def summary(events: Events) -> list[tuple[str, str, str]]:
    return [
        (
            e["type"],
            e["object"]["metadata"].get("name", ""),
            e["object"]["metadata"]["resourceVersion"],
        )
        for e in events
    ]


async def test_a_watch_without_a_version_starts_with_every_object(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create(service("a"))
    fake_kube.create(service("b"))

    def change() -> None:
        fake_kube.patch("services", "default", "a", {"metadata": {"labels": {"x": "1"}}})
        fake_kube.delete("services", "default", "b")

    events = await during_watch(raw, fake_kube, SERVICES, change)
    assert summary(events) == [
        ("ADDED", "a", "1"),
        ("ADDED", "b", "2"),
        ("MODIFIED", "a", "3"),
        ("DELETED", "b", "4"),
    ]


async def test_a_watch_from_a_version_replays_only_what_came_after(
    raw: Raw, fake_kube: FakeKube
) -> None:
    for name in ("a", "b", "c"):
        fake_kube.create(service(name))
    events = await during_watch(
        raw, fake_kube, SERVICES, lambda: fake_kube.create(service("d")), resourceVersion="2"
    )
    assert summary(events) == [("ADDED", "c", "3"), ("ADDED", "d", "4")]


async def test_selectors_turn_changes_into_what_this_watch_sees(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.create({**service("a"), "metadata": {"name": "a", "labels": {"role": "canary"}}})
    fake_kube.create(service("b"))

    def change() -> None:
        fake_kube.patch("services", "default", "a", {"metadata": {"labels": {"role": "stable"}}})
        fake_kube.patch("services", "default", "b", {"metadata": {"labels": {"role": "canary"}}})
        fake_kube.patch("services", "default", "b", {"spec": {"ports": [{"port": 81}]}})

    events = await during_watch(raw, fake_kube, SERVICES, change, labelSelector="role=canary")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"),
        ("DELETED", "a"),
        ("ADDED", "b"),
        ("MODIFIED", "b"),
    ]
    assert events[1]["object"]["metadata"]["labels"] == {"role": "stable"}


async def test_field_selectors_and_namespaces_scope_a_watch(raw: Raw, fake_kube: FakeKube) -> None:
    def change() -> None:
        fake_kube.create(service("a"))
        fake_kube.create(service("b"))
        fake_kube.create(service("a", namespace="team-b"))

    everywhere = await during_watch(
        raw, fake_kube, "/api/v1/services", change, fieldSelector="metadata.name=a"
    )
    assert [e["object"]["metadata"]["namespace"] for e in everywhere] == ["default", "team-b"]
    scoped = await raw.watch("/api/v1/namespaces/team-b/services", timeoutSeconds="0.01")
    assert [e["object"]["metadata"]["name"] for e in scoped] == ["a"]


async def test_timeout_seconds_ends_the_stream(raw: Raw, fake_kube: FakeKube) -> None:
    started = time.monotonic()
    assert await raw.watch(SERVICES, timeoutSeconds="1") == []
    assert 0.9 <= time.monotonic() - started < 2.5


async def test_bookmarks_when_allowed(fake_kube: FakeKube, raw: Raw) -> None:
    fake_kube.create(service("a"))
    events = await raw.watch(SERVICES, timeoutSeconds="0.2", allowWatchBookmarks="true")
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[-1]["object"] == {
        "kind": "Service",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "1"},
    }
    assert [e["type"] for e in await raw.watch(SERVICES, timeoutSeconds="0.2")] == ["ADDED"]


async def test_periodic_bookmarks() -> None:
    settings = WatchSettings(bookmark_interval=0.1)
    async with FakeKube(watch=settings) as fake, api_client_for(fake.url) as api_client:
        api: Any = client.CoreV1Api(api_client)
        response = await api.list_namespaced_service(
            "default", watch=True, allow_watch_bookmarks=True, timeout_seconds=1,
            _preload_content=False,
        )  # fmt: skip
        async with response:
            lines = [line async for line in response.content]
    assert 5 <= len(lines) <= 11 and all(b"BOOKMARK" in line for line in lines)


async def test_too_old_a_version_is_410_gone_as_an_error_event(
    raw: Raw, fake_kube: FakeKube
) -> None:
    fake_kube.history_limit = 2
    for name in ("a", "b", "c", "d"):
        fake_kube.create(service(name))
    events = await raw.watch(SERVICES, resourceVersion="1")
    assert [(e["type"], e["object"]["code"], e["object"]["reason"]) for e in events] == [
        ("ERROR", 410, "Expired")
    ]
    assert [e["object"]["metadata"]["name"] for e in await raw.watch(
        SERVICES, resourceVersion="2", timeoutSeconds="0.01"
    )] == ["c", "d"]  # fmt: skip


async def test_compact_forgets_the_history(raw: Raw, fake_kube: FakeKube) -> None:
    fake_kube.create(service("a"))
    fake_kube.create(service("b"))
    fake_kube.compact()
    assert (await raw.watch(SERVICES, resourceVersion="1"))[0]["object"]["code"] == 410
    assert await raw.watch(SERVICES, resourceVersion="2", timeoutSeconds="0.01") == []


async def test_410_can_be_a_plain_http_status() -> None:
    settings = WatchSettings(expired_as_event=False)
    async with FakeKube(watch=settings) as fake, aiohttp.ClientSession() as session:
        fake.create(service("a"))
        fake.create(service("b"))
        fake.compact()
        params = {"watch": "true", "resourceVersion": "1"}
        async with session.get(fake.url + SERVICES, params=params) as response:
            body = await response.json()
    assert (response.status, body["kind"], body["reason"]) == (410, "Status", "Expired")


async def test_end_watches_drops_or_expires_open_streams(raw: Raw, fake_kube: FakeKube) -> None:
    dropped = await during_watch(raw, fake_kube, SERVICES, lambda: None)
    assert dropped == []
    task = asyncio.create_task(raw.watch(SERVICES))
    async with asyncio.timeout(5):
        while fake_kube.open_watches == 0:
            await asyncio.sleep(0.005)
    fake_kube.end_watches(expired=True)
    events = await task
    assert [(e["type"], e["object"]["code"]) for e in events] == [("ERROR", 410)]


async def test_the_generated_clients_watch_works_and_resumes(
    kube_client: ApiClient, fake_kube: FakeKube
) -> None:
    """kubernetes_asyncio sends `watch=True`; its Watch helper must get ADDED/MODIFIED events."""
    fake_kube.create(service("a"))
    api = client.CoreV1Api(kube_client)
    seen = []
    async with watch.Watch() as stream:
        async for event in stream.stream(api.list_namespaced_service, "default", timeout_seconds=1):
            seen.append((event["type"], event["object"].metadata.name))
            if len(seen) == 1:
                fake_kube.patch("services", "default", "a", {"metadata": {"labels": {"x": "y"}}})
            else:
                break
    assert seen == [("ADDED", "a"), ("MODIFIED", "a")]
    resumed = []
    async with watch.Watch() as stream:
        async for event in stream.stream(
            api.list_namespaced_service, "default", resource_version="1", timeout_seconds=1
        ):
            resumed.append(event["object"].metadata.resource_version)
    assert resumed == ["2"]
