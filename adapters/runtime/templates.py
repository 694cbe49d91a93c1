"""Where AnalysisTemplates and ClusterAnalysisTemplates live: a JetStream KV bucket.

`rollouts apply` stores them, the analysis worker reads them when a run is requested. The bucket
keeps a history of revisions per template, so what a run used can be found later. Keys are
`<namespace>.<name>` for an AnalysisTemplate and `_cluster.<name>` for a ClusterAnalysisTemplate
(`_` is not legal in a Kubernetes name, so `_cluster` cannot clash with a namespace), each part
encoded like a subject token (`.` in a name becomes `_`, reversibly). The value is the template
manifest as JSON.

It lives in the runtime layer because writers and readers sit in several layers above it: the
client and `rollouts apply`, the Kubernetes template watch, the analysis worker
(`adapters.analysis.templates` re-exports it under the name those callers use).
"""

from __future__ import annotations

import builtins
import json
from typing import Any, Literal, Protocol

from nats.js.client import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyDeletedError, KeyNotFoundError, NoKeysError
from nats.js.kv import KeyValue

from adapters.runtime.kv_keys import live_entries
from adapters.runtime.replication import stream_replicas
from events.subjects import InvalidSubject, decode_name, encode_name
from rollouts.spec import AnalysisTemplate, ClusterAnalysisTemplate

AnyTemplate = AnalysisTemplate | ClusterAnalysisTemplate
TemplateKind = Literal["AnalysisTemplate", "ClusterAnalysisTemplate"]
BUCKET = "ROLLOUT_TEMPLATES"
HISTORY = 64
"""Revisions kept per template (the most JetStream KV allows)."""
CLUSTER_SCOPE = "_cluster"
DEFAULT_NAMESPACE = "default"


class TemplateStore(Protocol):
    async def put(self, template: AnyTemplate) -> None: ...

    async def get(self, kind: str, namespace: str, name: str) -> AnyTemplate | None:
        """The template, or None; `namespace` is ignored for a ClusterAnalysisTemplate."""
        ...

    async def list(self) -> list[AnyTemplate]: ...


def template_namespace(template: AnyTemplate) -> str:
    if isinstance(template, ClusterAnalysisTemplate):
        return ""
    return template.metadata.namespace or DEFAULT_NAMESPACE


def template_key(kind: str, namespace: str, name: str) -> str:
    scope = CLUSTER_SCOPE if kind == "ClusterAnalysisTemplate" else encode_name(namespace)
    return f"{scope}.{encode_name(name)}"


def key_of(template: AnyTemplate) -> str:
    return template_key(template.kind, template_namespace(template), template.name)


def parse_key(key: str) -> tuple[TemplateKind, str, str]:
    """(kind, namespace, name) of a bucket key; namespace is "" for cluster templates."""
    scope, _, name = key.partition(".")
    if scope == CLUSTER_SCOPE:
        return "ClusterAnalysisTemplate", "", decode_name(name)
    return "AnalysisTemplate", decode_name(scope), decode_name(name)


def template_document(template: AnyTemplate) -> dict[str, Any]:
    """The manifest as written, with its kind, apiVersion and (namespaced) namespace filled in."""
    document = template.model_dump(mode="json", by_alias=True, exclude_unset=True)
    document["apiVersion"] = template.api_version
    document["kind"] = template.kind
    if isinstance(template, AnalysisTemplate):
        document.setdefault("metadata", {})["namespace"] = template_namespace(template)
    return document


def template_from_document(document: dict[str, Any]) -> AnyTemplate:
    if document.get("kind") == "ClusterAnalysisTemplate":
        return ClusterAnalysisTemplate.model_validate(document)
    return AnalysisTemplate.model_validate(document)


def encode_template(template: AnyTemplate) -> bytes:
    return json.dumps(template_document(template), separators=(",", ":")).encode()


class InMemoryTemplateStore:
    """The same store in a dict, for tests and single-process runs."""

    def __init__(self, templates: list[AnyTemplate] | None = None) -> None:
        self._documents: dict[str, bytes] = {}
        for template in templates or []:
            self._documents[key_of(template)] = encode_template(template)

    async def put(self, template: AnyTemplate) -> None:
        self._documents[key_of(template)] = encode_template(template)

    async def get(self, kind: str, namespace: str, name: str) -> AnyTemplate | None:
        try:
            raw = self._documents.get(template_key(kind, namespace, name))
        except InvalidSubject:
            return None
        return None if raw is None else template_from_document(json.loads(raw))

    async def list(self) -> list[AnyTemplate]:
        return [
            template_from_document(json.loads(raw)) for _, raw in sorted(self._documents.items())
        ]


class KvTemplateStore:
    """Templates in the `ROLLOUT_TEMPLATES` bucket, created on first use."""

    def __init__(self, js: JetStreamContext, *, bucket: str = BUCKET) -> None:
        self._js = js
        self._bucket_name = bucket
        self._kv: KeyValue | None = None

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self._js.key_value(self._bucket_name)
            except BucketNotFoundError:
                self._kv = await self._js.create_key_value(
                    bucket=self._bucket_name,
                    history=HISTORY,
                    replicas=await stream_replicas(self._js),
                )
        return self._kv

    async def put(self, template: AnyTemplate) -> None:
        kv = await self._bucket()
        await kv.put(key_of(template), encode_template(template))

    async def get(self, kind: str, namespace: str, name: str) -> AnyTemplate | None:
        kv = await self._bucket()
        try:
            entry = await kv.get(template_key(kind, namespace, name))
        except (KeyNotFoundError, KeyDeletedError, InvalidSubject):
            return None
        if not entry.value:
            return None
        return template_from_document(json.loads(entry.value))

    async def list(self) -> list[AnyTemplate]:
        kv = await self._bucket()
        entries = await live_entries(self._js, kv, self._bucket_name)
        return [
            template_from_document(json.loads(entry.value))
            for entry in entries.values()
            if entry.value
        ]

    async def history(self, kind: str, namespace: str, name: str) -> builtins.list[AnyTemplate]:
        """Every stored revision of one template, oldest first (up to `HISTORY`)."""
        kv = await self._bucket()
        try:
            entries = await kv.history(template_key(kind, namespace, name))
        except NoKeysError:
            return []
        return [template_from_document(json.loads(e.value)) for e in entries if e.value]
