"""OCI image references, checked with the grammar of distribution/reference (what Docker,
containerd and the kubelet parse), so `set image c='UPPER CASE!!'` is refused before it becomes
a revision whose pods can never pull.

    reference := name [ ":" tag ] [ "@" digest ]
    name      := [ domain "/" ] path-component ( "/" path-component )*
"""

from __future__ import annotations

import re

NAME_LIMIT = 255
REFERENCE_LIMIT = 1024
"""Name, tag (128) and digest together stay far below this; longer text is not parsed at all."""
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9a-fA-F:.]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}"
_REFERENCE = re.compile(rf"(?P<name>{_NAME})(?::{_TAG})?(?:@{_DIGEST})?", re.ASCII)


def image_problem(reference: str) -> str | None:
    """Why `reference` is not a valid OCI image reference, or None when it is."""
    if len(reference) > REFERENCE_LIMIT:
        return f"the image reference is longer than {REFERENCE_LIMIT} characters"
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        return (
            f"{reference!r} is not a valid image reference "
            "([registry/]repository[:tag][@digest]; the repository in lowercase)"
        )
    if len(match["name"]) > NAME_LIMIT:
        return f"the repository name of {reference!r} is longer than {NAME_LIMIT} characters"
    return None
