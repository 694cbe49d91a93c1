"""The in-memory and file secret stores, masking, and the in-memory template store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.analysis.secrets import (
    InMemorySecretStore,
    LocalSecretStore,
    SecretNotFound,
    mask_secrets,
)
from adapters.analysis.templates import (
    InMemoryTemplateStore,
    parse_key,
    template_document,
    template_key,
)
from tests.unit.runspec.builders import template


async def test_in_memory_secrets_and_argos_messages() -> None:
    store = InMemorySecretStore({("shop", "creds"): {"token": "s3cr3t"}})
    assert await store.get("shop", "creds", "token") == "s3cr3t"
    with pytest.raises(SecretNotFound) as missing_key:
        await store.get("shop", "creds", "password")
    assert str(missing_key.value) == "key 'password' does not exist in secret 'creds'"
    with pytest.raises(SecretNotFound) as missing_secret:
        await store.get("other", "creds", "token")
    assert str(missing_secret.value) == 'secrets "creds" not found'


async def test_local_secrets_are_json_files_read_fresh(tmp_path: Path) -> None:
    store = LocalSecretStore(tmp_path)
    path = tmp_path / "secrets" / "shop" / "creds.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"token": "first"}))
    assert await store.get("shop", "creds", "token") == "first"
    path.write_text(json.dumps({"token": "second", "port": 8080}))
    assert await store.get("shop", "creds", "token") == "second"
    assert await store.get("shop", "creds", "port") == "8080"
    with pytest.raises(SecretNotFound, match="key 'x' does not exist in secret 'creds'"):
        await store.get("shop", "creds", "x")
    with pytest.raises(SecretNotFound, match='secrets "nope" not found'):
        await store.get("shop", "nope", "token")
    with pytest.raises(SecretNotFound):
        await store.get("..", "creds", "token")


async def test_a_broken_secret_file_does_not_leak_its_content(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "shop" / "bad.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"token": "half-written-s3cr3t')
    with pytest.raises(SecretNotFound) as raised:
        await LocalSecretStore(tmp_path).get("shop", "bad", "token")
    assert "s3cr3t" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token s3cr/3t!", "token *****!"),
        ("url ?key=s3cr%2F3t", "url ?key=*****"),
        ('json {"k":"s3cr/3t"}', 'json {"k":"*****"}'),
        ("nothing here", "nothing here"),
    ],
)
def test_secrets_are_masked_in_their_usual_forms(text: str, expected: str) -> None:
    assert mask_secrets(text, ["s3cr/3t", ""]) == expected


def test_keys_encode_names_reversibly() -> None:
    assert template_key("AnalysisTemplate", "shop.eu", "error.rate") == "shop_eu.error_rate"
    assert template_key("ClusterAnalysisTemplate", "ignored", "global") == "_cluster.global"
    assert parse_key("shop_eu.error_rate") == ("AnalysisTemplate", "shop.eu", "error.rate")
    assert parse_key("_cluster.global") == ("ClusterAnalysisTemplate", "", "global")


async def test_in_memory_template_store() -> None:
    store = InMemoryTemplateStore()
    namespaced = template("rate").model_copy(
        update={"metadata": template("rate").metadata.model_copy(update={"namespace": "shop"})}
    )
    await store.put(namespaced)
    await store.put(template("rate", cluster=True))
    found = await store.get("AnalysisTemplate", "shop", "rate")
    assert found is not None and found.kind == "AnalysisTemplate"
    assert found.spec.metrics[0].name == "example-rate"
    assert await store.get("AnalysisTemplate", "default", "rate") is None
    cluster = await store.get("ClusterAnalysisTemplate", "anywhere", "rate")
    assert cluster is not None and cluster.kind == "ClusterAnalysisTemplate"
    assert await store.get("AnalysisTemplate", "shop", "bad name!") is None
    assert [(t.kind, t.name) for t in await store.list()] == [
        ("ClusterAnalysisTemplate", "rate"),
        ("AnalysisTemplate", "rate"),
    ]


def test_the_stored_document_is_the_manifest() -> None:
    document = template_document(template("rate"))
    assert document["apiVersion"] == "argoproj.io/v1alpha1"
    assert document["kind"] == "AnalysisTemplate"
    assert document["metadata"] == {"name": "rate", "namespace": "default"}
    assert document["spec"]["metrics"][0]["provider"] == {"web": {"url": "http://metrics.local/x"}}
