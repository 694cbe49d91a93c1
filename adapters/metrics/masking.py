"""Keeping secrets out of measurements.

Errors often quote what a server answered, and servers sometimes echo the request, so every error
and metadata value leaves the providers through `mask_measurement`, which replaces each known
secret (and its usual encodings) with `*****`. Very short secrets (under 4 characters) are not
masked: replacing every `a` in a message would hide the message, not the secret.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

from rollouts.ports import Measurement
from rollouts.spec.providers import Authentication, Header

MASK = "*****"
MIN_SECRET_LENGTH = 4
_SENSITIVE_HEADER_PARTS = ("auth", "key", "token", "secret", "password", "cookie", "session")


def is_sensitive_header(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _SENSITIVE_HEADER_PARTS)


def header_secrets(headers: Iterable[Header]) -> list[str]:
    """Values of headers that usually carry credentials, plus the token part of `Bearer x`."""
    secrets: list[str] = []
    for header in headers:
        if not is_sensitive_header(header.key):
            continue
        secrets.append(header.value)
        scheme, _, credential = header.value.partition(" ")
        if credential and scheme.isalpha():
            secrets.append(credential.strip())
    return secrets


def authentication_secrets(auth: Authentication) -> list[str]:
    """Passwords and client secrets, and the Basic credentials built from them."""
    basic, oauth2 = auth.basic_auth, auth.oauth2
    secrets = [oauth2.client_secret, basic.password]
    if basic.password:
        secrets.append(_basic_credentials(basic.username, basic.password))
    if oauth2.client_secret:
        secrets.append(_basic_credentials(quote(oauth2.client_id), quote(oauth2.client_secret)))
    return secrets


def _basic_credentials(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def url_secrets(url: str) -> list[str]:
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password] if password else []


def _variants(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def mask_text(text: str, secrets: Iterable[str]) -> str:
    candidates = {v for s in secrets if len(s) >= MIN_SECRET_LENGTH for v in _variants(s)}
    for secret in sorted(candidates, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_measurement(measurement: Measurement, secrets: Iterable[str]) -> Measurement:
    known = list(secrets)
    if not known:
        return measurement
    error = None if measurement.error is None else mask_text(measurement.error, known)
    metadata = {key: mask_text(value, known) for key, value in measurement.metadata.items()}
    return Measurement(value=measurement.value, error=error, metadata=metadata)
