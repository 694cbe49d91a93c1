"""Analysis secrets on Kubernetes: `valueFrom.secretKeyRef` read from the rollout's namespace.

As Argo's controller does, each lookup is one `GET` of the Secret (the analysis worker's role may
get Secrets but never list or watch them, so it learns nothing it does not use), at measurement
time, so a rotated Secret applies to the next measurement. The value is the decoded `data` entry
(`stringData` is write-only in the API). Errors carry Argo's wording; an API failure other than
404 names the call and the status, never the Secret's contents.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kubernetes_asyncio import client

from adapters.analysis.secrets import SecretNotFound, missing_key, missing_secret
from adapters.kubernetes.errors import KubernetesError, call_json


class KubernetesSecretStore:
    def __init__(self, api_client: client.ApiClient, *, request_timeout: float = 30.0) -> None:
        self._core: Any = client.CoreV1Api(api_client)
        self._timeout = request_timeout

    async def get(self, namespace: str, name: str, key: str) -> str:
        try:
            secret = await call_json(
                f"read Secret {namespace}/{name}",
                self._core.read_namespaced_secret(
                    name, namespace, _preload_content=False, _request_timeout=self._timeout
                ),
            )
        except KubernetesError as error:
            if error.not_found:
                raise missing_secret(name) from None
            raise SecretNotFound(str(error)) from None
        data = secret.get("data") or {}
        if key not in data:
            raise missing_key(name, key)
        try:
            return base64.b64decode(str(data[key]), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise SecretNotFound(f"key '{key}' of secret '{name}' is not UTF-8 text") from None
