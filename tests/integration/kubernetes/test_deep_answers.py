"""An API answer holding an object nested deeper than Python's `json` can decode (issue 15).

The API server accepts JSON up to 10,000 levels; `json.loads` fails past about 1,000, for the
whole answer. The informer used to fail its list, list again, and fail again, for ever: one
deep Rollout stopped the watch for every other one. A tiny API server here answers with such a
list and such a watch line (the fake API cannot hold so deep an object itself).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from kubernetes_asyncio import client

from adapters.kubernetes.bounded_json import KEEP_DEPTH
from adapters.kubernetes.informer import CustomResource, Informer
from rollouts.spec.limits import MAX_DEPTH, check_data_bounds
from tests.support.kube import api_client_for

pytestmark = pytest.mark.integration
LEVELS = 5_000


def rollout(name: str, version: str, levels: int = 0) -> dict[str, Any]:
    nested: Any = "x"
    for _ in range(levels):
        nested = {"a": [nested]}
    spec: dict[str, Any] = {"replicas": 1, "deep": nested} if levels else {"replicas": 1}
    metadata = {"name": name, "namespace": "default", "resourceVersion": version, "uid": name}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": metadata,
            "spec": spec}  # fmt: skip


def text(document: Any, levels: int) -> str:
    """json.dumps cannot write it either: the deep part is spliced in as text."""
    marker = '"<deep>"'
    body = json.dumps(document).replace(json.dumps("<deep>"), marker)
    return body.replace(marker, '{"a": [' * levels + '"x"' + "]}" * levels)


async def answer(request: web.Request) -> web.StreamResponse:
    if request.query.get("watch") not in ("true", "True", "1"):
        items = [rollout("deep-one", "1"), rollout("plain-one", "2")]
        items[0]["spec"]["deep"] = "<deep>"
        listed = {"kind": "RolloutList", "metadata": {"resourceVersion": "2"}, "items": items}
        return web.Response(text=text(listed, LEVELS), content_type="application/json")
    response = web.StreamResponse()
    await response.prepare(request)
    deep = rollout("deep-two", "3")
    deep["spec"]["deep"] = "<deep>"
    plain = rollout("plain-two", "4")
    for event in ({"type": "ADDED", "object": deep}, {"type": "ADDED", "object": plain}):
        await response.write((text(event, LEVELS) + "\n").encode())
    return response  # the stream ends: the informer watches again from version 4


@pytest.fixture
async def api() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/apis/argoproj.io/v1alpha1/rollouts", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_too_deep_object_is_delivered_cut_and_the_others_with_it(api: str) -> None:
    seen: dict[str, dict[str, Any]] = {}

    async def handler(kind: str, old: Any, new: dict[str, Any]) -> None:
        seen[new["metadata"]["name"]] = new

    async with api_client_for(api) as api_client:
        custom = client.CustomObjectsApi(api_client)
        informer = Informer(
            custom, CustomResource("argoproj.io", "v1alpha1", "rollouts"), None, handler,
            timeout_seconds=30, retry_delay=0.05,
        )  # fmt: skip
        task = asyncio.create_task(informer.run())
        try:
            async with asyncio.timeout(10):
                while len(seen) < 4:
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert informer.lists == 1, "the list decoded: no listing again for ever"
    assert sorted(seen) == ["deep-one", "deep-two", "plain-one", "plain-two"]
    for name in ("deep-one", "deep-two"):
        exceeded = check_data_bounds(seen[name])
        assert exceeded is not None and f"deeper than {MAX_DEPTH}" in exceeded.message
        assert exceeded.path.startswith("spec.deep.a[0].a[0]")
    assert KEEP_DEPTH < 200  # what is kept stays far from the recursion limit


class RecordingStore:
    def __init__(self) -> None:
        self.put_names: list[str] = []

    async def get(self, kind: str, namespace: str, name: str) -> None:
        return None

    async def put(self, template: Any) -> None:
        self.put_names.append(template.name)


async def test_a_deep_template_is_left_out_and_the_next_one_stored() -> None:
    from adapters.kubernetes.template_watcher import TemplateWatcher

    store = RecordingStore()
    watcher = TemplateWatcher(None, store)  # type: ignore[arg-type]
    metric: dict[str, Any] = {"name": "m", "provider": {"web": {"url": "http://x/"}}}
    deep: dict[str, Any] = {
        "metadata": {"name": "deep", "namespace": "default"},
        "spec": {"metrics": [metric]},
    }
    nested: Any = 1
    for _ in range(400):
        nested = [nested]
    deep["spec"]["metrics"][0]["provider"]["web"].update(method="POST", jsonBody=nested)
    plain = json.loads(json.dumps(deep))
    plain["metadata"]["name"] = "plain"
    plain["spec"]["metrics"][0]["provider"]["web"]["jsonBody"] = {"ok": True}
    await watcher._on_change("AnalysisTemplate", "ADDED", deep)
    await watcher._on_change("AnalysisTemplate", "ADDED", plain)
    assert store.put_names == ["plain"]
