"""Analysis secrets read from the cluster's Secrets, with Argo's errors, within the role."""

from __future__ import annotations

import base64

import pytest
from kubernetes_asyncio.client import ApiClient

from adapters.analysis.kubernetes_secrets import KubernetesSecretStore
from adapters.analysis.secrets import SecretNotFound
from tests.deploy.test_rbac import EXPECTED
from tests.support.kube import FakeKube

pytestmark = pytest.mark.integration


def secret(name: str, **data: bytes) -> dict[str, object]:
    encoded = {key: base64.b64encode(value).decode() for key, value in data.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "shop"},
        "data": encoded,
    }


async def test_a_key_is_read_decoded_at_each_lookup(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    store = KubernetesSecretStore(kube_client)
    fake_kube.create(secret("datadog", **{"api-key": b"k-1"}))
    assert await store.get("shop", "datadog", "api-key") == "k-1"
    fake_kube.patch("secrets", "shop", "datadog", {"data": {"api-key": "ay0y"}})  # rotated
    assert await store.get("shop", "datadog", "api-key") == "k-2"


@pytest.mark.parametrize(
    ("name", "key", "message"),
    [
        ("missing", "token", 'secrets "missing" not found'),
        ("datadog", "nope", "key 'nope' does not exist in secret 'datadog'"),
        ("binary", "blob", "key 'blob' of secret 'binary' is not UTF-8 text"),
    ],
)
async def test_what_cannot_be_read_gets_argos_message(
    fake_kube: FakeKube, kube_client: ApiClient, name: str, key: str, message: str
) -> None:
    fake_kube.create(secret("datadog", **{"api-key": b"k-1"}))
    fake_kube.create(secret("binary", blob=b"\xff\xfe"))
    with pytest.raises(SecretNotFound) as raised:
        await KubernetesSecretStore(kube_client).get("shop", name, key)
    assert str(raised.value) == message


async def test_a_refused_read_names_the_call_and_status_not_the_value(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    fake_kube.create(secret("datadog", **{"api-key": b"k-1"}))
    fake_kube.fail_next(403, verbs=("get",), resource="secrets")
    with pytest.raises(SecretNotFound) as raised:
        await KubernetesSecretStore(kube_client).get("shop", "datadog", "api-key")
    assert str(raised.value).startswith("read Secret shop/datadog: 403")
    assert "k-1" not in str(raised.value)


async def test_every_call_is_a_get_the_analysis_role_grants(
    fake_kube: FakeKube, kube_client: ApiClient
) -> None:
    fake_kube.create(secret("datadog", **{"api-key": b"k-1"}))
    await KubernetesSecretStore(kube_client).get("shop", "datadog", "api-key")
    calls = {
        (r.call.resource.group, r.call.resource.plural, r.call.verb)
        for r in fake_kube.requests
        if r.call is not None
    }
    assert calls == {("", "secrets", "get")} and calls <= EXPECTED["analysis"]
