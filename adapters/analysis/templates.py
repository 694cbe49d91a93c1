"""The analysis template store, as the analysis adapters know it.

The store itself lives in `adapters.runtime.templates`: the client (`RolloutsClient.templates`),
`rollouts apply` and the Kubernetes template watch write it, the analysis worker reads it, so
it sits in the bottom layer every one of them may import. This module keeps the name the
analysis adapters and their callers have always used.
"""

from __future__ import annotations

from adapters.runtime.templates import (
    BUCKET,
    CLUSTER_SCOPE,
    DEFAULT_NAMESPACE,
    HISTORY,
    AnyTemplate,
    InMemoryTemplateStore,
    KvTemplateStore,
    TemplateKind,
    TemplateStore,
    encode_template,
    key_of,
    parse_key,
    template_document,
    template_from_document,
    template_key,
    template_namespace,
)

__all__ = [
    "BUCKET",
    "CLUSTER_SCOPE",
    "DEFAULT_NAMESPACE",
    "HISTORY",
    "AnyTemplate",
    "InMemoryTemplateStore",
    "KvTemplateStore",
    "TemplateKind",
    "TemplateStore",
    "encode_template",
    "key_of",
    "parse_key",
    "template_document",
    "template_from_document",
    "template_key",
    "template_namespace",
]
