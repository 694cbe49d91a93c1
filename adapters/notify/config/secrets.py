"""The notification Secret (`argo-rollouts-notification-secret`) and `$name` references to it.

Argo replaces `$name` in service settings with the Secret's key `name`; an unknown reference
stays as written. Every value of the Secret is a secret for masking, used or not.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import yaml

MASK = "*****"
MIN_SECRET_LENGTH = 4
_REFERENCE = re.compile(r"\$([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


class SecretsError(ValueError):
    """The secrets file cannot be read."""


def secrets_from_object(document: Mapping[str, Any]) -> dict[str, str]:
    """A Kubernetes Secret (`data` base64, `stringData` plain) or a flat mapping of strings."""
    if document.get("kind") == "Secret" or "data" in document or "stringData" in document:
        values: dict[str, str] = {}
        for key, encoded in (document.get("data") or {}).items():
            try:
                values[str(key)] = base64.b64decode(str(encoded), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise SecretsError(f"secret key {key!r} is not valid base64") from None
        values.update({str(k): str(v) for k, v in (document.get("stringData") or {}).items()})
        return values
    return {str(key): str(value) for key, value in document.items()}


def load_secrets(path: Path) -> dict[str, str]:
    """A JSON or YAML file holding a Secret or a flat `{key: value}` mapping."""
    try:
        text = path.read_text()
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise SecretsError(f"cannot read secrets from {path}: {type(error).__name__}") from None
    if not isinstance(document, Mapping):
        raise SecretsError(f"{path} must hold a mapping of secret names to values")
    return secrets_from_object(document)


def substitute(value: Any, secrets: Mapping[str, str], missing: set[str]) -> Any:
    """`value` with every `$name` found in `secrets` replaced; unknown names go to `missing`."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in secrets:
                return secrets[name]
            missing.add(name)
            return match.group(0)

        return _REFERENCE.sub(replace, value)
    if isinstance(value, Mapping):
        return {key: substitute(item, secrets, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, secrets, missing) for item in value]
    return value


class Masker:
    """Replaces known secrets (and their URL-encoded and base64 forms) with `*****`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < MIN_SECRET_LENGTH:
                continue
            forms |= {secret, quote(secret, safe=""), quote_plus(secret)}
            forms.add(base64.b64encode(secret.encode()).decode())
        self._forms = sorted(forms, key=len, reverse=True)

    def extended(self, secrets: Iterable[str]) -> Masker:
        masker = Masker(secrets)
        masker._forms = sorted({*self._forms, *masker._forms}, key=len, reverse=True)
        return masker

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text
