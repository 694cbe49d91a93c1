"""Kubernetes API failures as `PortError`s a person can read.

The generated client's `ApiException` prints every response header and the whole body; here a
failure becomes one line: what was attempted, the HTTP status, the API's reason and message
(`patch ReplicaSet default/demo-6f7d: 409 Conflict: Operation cannot be fulfilled ...`).
The status and reason stay available so callers can retry a conflict or accept a 404.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any

import aiohttp
from kubernetes_asyncio.client.exceptions import ApiException

from adapters.kubernetes import bounded_json
from rollouts.ports import PortError

MESSAGE_LIMIT = 300


class KubernetesError(PortError):
    """A call to the Kubernetes API failed. `status` is the HTTP code (0: no answer)."""

    def __init__(self, message: str, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def already_exists(self) -> bool:
        return self.status == 409 and self.reason == "AlreadyExists"

    @property
    def conflict(self) -> bool:
        """A stale write (optimistic concurrency): read again and retry."""
        return self.status == 409 and self.reason != "AlreadyExists"

    @property
    def expired(self) -> bool:
        return self.status == 410


def from_status(action: str, status: int, body: Any, http_reason: str = "") -> KubernetesError:
    """From an HTTP status and a response body (a `Status` object, its JSON text, or junk)."""
    document = body
    if isinstance(body, bytes | str):
        try:
            document = json.loads(body)
        except ValueError:
            document = {
                "message": body.decode(errors="replace") if isinstance(body, bytes) else body
            }
    if not isinstance(document, dict):
        document = {}
    reason = str(document.get("reason") or http_reason or "")
    message = " ".join(str(document.get("message") or "").split())
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 3] + "..."
    text = f"{action}: {status} {reason}".rstrip() + (f": {message}" if message else "")
    return KubernetesError(text, status, reason)


def unreachable(action: str, error: BaseException) -> KubernetesError:
    detail = str(error).splitlines()[0][:MESSAGE_LIMIT] if str(error) else type(error).__name__
    return KubernetesError(f"{action}: the Kubernetes API did not answer ({detail})")


async def call_json(action: str, request: Awaitable[Any]) -> Any:
    """Await one request made with `_preload_content=False` and decode its JSON body.

    Raw responses keep objects as the API wrote them (dicts with the API's field names), which
    is what the adapter compares and patches; the generated models would rename and drop
    fields. A non-2xx answer or no answer becomes a KubernetesError naming `action`."""
    try:
        response = await request
        async with response:
            body = await response.read()
    except ApiException as error:
        status, reason = int(error.status or 0), str(error.reason or "")
        raise from_status(action, status, error.body, reason) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise unreachable(action, error) from None
    if not 200 <= response.status < 300:
        raise from_status(action, response.status, body, str(response.reason or ""))
    try:
        return bounded_json.loads(body) if body else {}
    except ValueError:
        raise KubernetesError(f"{action}: the API answered something that is not JSON") from None


async def read_json(action: str, request: Awaitable[Any]) -> Any | None:
    """`call_json` for a read: None when the API says the object does not exist (404)."""
    try:
        return await call_json(action, request)
    except KubernetesError as error:
        if error.not_found:
            return None
        raise


async def read_rollout(
    custom: Any, api: tuple[str, str], namespace: str, name: str, timeout: float
) -> Any | None:
    """The Rollout object of group/version `api`, or None when there is none (404)."""
    return await read_json(
        f"read Rollout {namespace}/{name}",
        custom.get_namespaced_custom_object(
            *api, namespace, "rollouts", name, _preload_content=False, _request_timeout=timeout
        ),
    )
