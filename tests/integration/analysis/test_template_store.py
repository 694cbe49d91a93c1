"""Templates in the ROLLOUT_TEMPLATES bucket of a real NATS server."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from adapters.analysis.templates import BUCKET, HISTORY, KvTemplateStore, template_key
from rollouts.spec import AnalysisTemplate, ClusterAnalysisTemplate
from tests.support import nats as nats_support

pytestmark = pytest.mark.integration
nats_server = nats_support.nats_server
nats_client = nats_support.nats_client


def template(name: str, namespace: str | None, query: str = "up") -> AnalysisTemplate:
    metadata = {"name": name} | ({"namespace": namespace} if namespace else {})
    spec = {"metrics": [{"name": "m", "provider": {"prometheus": {"query": query}}}]}
    return AnalysisTemplate.model_validate({"metadata": metadata, "spec": spec})


async def test_put_get_list_and_history(nats_client: Client) -> None:
    store = KvTemplateStore(nats_client.jetstream())
    assert await store.list() == []
    assert await store.get("AnalysisTemplate", "shop", "rate") is None
    await store.put(template("rate", "shop.eu", "up"))
    await store.put(template("rate", "shop.eu", "up == 1"))
    await store.put(template("error.rate", None))
    cluster = ClusterAnalysisTemplate.model_validate(
        {"metadata": {"name": "rate"}, "spec": template("x", None).spec.model_dump(by_alias=True)}
    )
    await store.put(cluster)

    found = await store.get("AnalysisTemplate", "shop.eu", "rate")
    assert found is not None and found.metadata.namespace == "shop.eu"
    assert found.spec.metrics[0].provider.prometheus is not None
    assert found.spec.metrics[0].provider.prometheus.query == "up == 1"
    assert await store.get("AnalysisTemplate", "default", "error.rate") is not None
    assert await store.get("ClusterAnalysisTemplate", "", "rate") is not None
    listed = {(t.kind, t.metadata.namespace, t.name) for t in await store.list()}
    assert listed == {
        ("AnalysisTemplate", "shop.eu", "rate"),
        ("AnalysisTemplate", "default", "error.rate"),
        ("ClusterAnalysisTemplate", None, "rate"),
    }
    revisions = await store.history("AnalysisTemplate", "shop.eu", "rate")
    queries = [t.spec.metrics[0].provider.prometheus.query for t in revisions]  # type: ignore[union-attr]
    assert queries == ["up", "up == 1"]

    kv = await nats_client.jetstream().key_value(BUCKET)
    status = await kv.status()
    assert status.history == HISTORY
    entry = await kv.get(template_key("AnalysisTemplate", "shop.eu", "rate"))
    assert entry.key == "shop_eu.rate" and entry.value is not None
    assert b'"kind":"AnalysisTemplate"' in entry.value


async def test_a_second_store_sees_the_same_bucket(nats_client: Client) -> None:
    await KvTemplateStore(nats_client.jetstream()).put(template("rate", "shop"))
    other = KvTemplateStore(nats_client.jetstream())
    assert await other.get("AnalysisTemplate", "shop", "rate") is not None
    assert await other.get("AnalysisTemplate", "shop", "no such name!") is None
