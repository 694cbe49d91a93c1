"""Secrets that analysis arguments reference (`valueFrom.secretKeyRef`), read only to measure.

A secret value must never reach an input, an event, a log line or the CLI: the worker reads it
just before a measurement, substitutes it into the provider block and masks it (`*****`) in
whatever comes back. Stores raise `SecretNotFound` with Argo's wording, which becomes the
measurement's (or the run's) error message.

The local store reads `<data_dir>/secrets/<namespace>/<name>.json`, a JSON object of string keys
(like a Kubernetes Secret's decoded `data`); on a cluster, the Secret itself is read
(`adapters.analysis.kubernetes_secrets`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, quote_plus

from adapters.metrics.masking import MASK

SECRETS_DIR = "secrets"


class SecretNotFound(LookupError):
    """The secret or its key does not exist; the message is Argo's."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "secret not found"


def missing_key(secret: str, key: str) -> SecretNotFound:
    return SecretNotFound(f"key '{key}' does not exist in secret '{secret}'")


def missing_secret(secret: str) -> SecretNotFound:
    """What Kubernetes answers for a Secret that does not exist."""
    return SecretNotFound(f'secrets "{secret}" not found')


class SecretStore(Protocol):
    async def get(self, namespace: str, name: str, key: str) -> str:
        """The value; raises `SecretNotFound`."""
        ...


class InMemorySecretStore:
    def __init__(self, secrets: Mapping[tuple[str, str], Mapping[str, str]] | None = None) -> None:
        self._secrets = {ref: dict(data) for ref, data in (secrets or {}).items()}

    def set(self, namespace: str, name: str, data: Mapping[str, str]) -> None:
        self._secrets[(namespace, name)] = dict(data)

    async def get(self, namespace: str, name: str, key: str) -> str:
        data = self._secrets.get((namespace, name))
        if data is None:
            raise missing_secret(name)
        if key not in data:
            raise missing_key(name, key)
        return data[key]


class LocalSecretStore:
    """Secrets as JSON files under the data directory, read fresh on every lookup (an edited
    file applies to the next measurement, as an updated Kubernetes Secret would)."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / SECRETS_DIR

    def path(self, namespace: str, name: str) -> Path:
        for part in (namespace, name):
            if not part or "/" in part or part in (".", ".."):
                raise missing_secret(name)
        return self.root / namespace / f"{name}.json"

    async def get(self, namespace: str, name: str, key: str) -> str:
        path = self.path(namespace, name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise missing_secret(name) from None
        except (OSError, ValueError) as error:
            raise SecretNotFound(
                f"secret '{name}' cannot be read: {type(error).__name__}"
            ) from None
        if not isinstance(data, dict) or key not in data:
            raise missing_key(name, key)
        value = data[key]
        return value if isinstance(value, str) else json.dumps(value)


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """`text` with every non-empty secret value replaced by `*****` (longest first, so a secret
    containing another is masked whole), as Argo redacts measurement messages."""
    variants = {v for secret in secrets if secret for v in _variants(secret)}
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, MASK)
    return text


def _variants(secret: str) -> set[str]:
    """The secret and the forms it takes in a URL or a JSON string."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}
