"""API errors of the fake Kubernetes API server, answered as `Status` objects like the real one.

The reasons and messages follow the real API server's wording (`replicasets.apps "x" not
found`, `Operation cannot be fulfilled on ...`), so code under test sees what a cluster says.
"""

from __future__ import annotations

from typing import Any

CONFLICT_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


class KubeError(Exception):
    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body

    @classmethod
    def not_found(cls, qualified: str, name: str) -> KubeError:
        return cls(404, "NotFound", f'{qualified} "{name}" not found', _details(qualified, name))

    @classmethod
    def not_found_resource(cls, what: str) -> KubeError:
        return cls(404, "NotFound", f"the server could not find the requested resource ({what})")

    @classmethod
    def already_exists(cls, qualified: str, name: str) -> KubeError:
        message = f'{qualified} "{name}" already exists'
        return cls(409, "AlreadyExists", message, _details(qualified, name))

    @classmethod
    def conflict(cls, qualified: str, name: str, why: str = CONFLICT_MESSAGE) -> KubeError:
        message = f'Operation cannot be fulfilled on {qualified} "{name}": {why}'
        return cls(409, "Conflict", message, _details(qualified, name))

    @classmethod
    def bad_request(cls, message: str) -> KubeError:
        return cls(400, "BadRequest", message)

    @classmethod
    def invalid(cls, qualified: str, name: str, message: str) -> KubeError:
        text = f'{qualified} "{name}" is invalid: {message}'
        return cls(422, "Invalid", text, _details(qualified, name))

    @classmethod
    def gone(cls, requested: int, oldest: int) -> KubeError:
        return cls(410, "Expired", f"too old resource version: {requested} ({oldest})")

    @classmethod
    def unsupported_media(cls, content_type: str, *, strategic: bool = True) -> KubeError:
        """415; custom resources do not list strategic merge patches (`strategic=False`)."""
        accepted = "application/json-patch+json, application/merge-patch+json, "
        accepted += "application/apply-patch+yaml"
        accepted += ", application/strategic-merge-patch+json" if strategic else ""
        return cls(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            f"{accepted}; got {content_type}",
        )

    @classmethod
    def method_not_allowed(cls, method: str, path: str) -> KubeError:
        return cls(
            405,
            "MethodNotAllowed",
            f"the server does not allow this method on the requested resource: {method} {path}",
        )

    @classmethod
    def injected(cls, code: int, qualified: str, name: str) -> KubeError:
        """An error a test asked for; the same shape as the real one with that code."""
        if code == 409:
            return cls.conflict(qualified, name or "(collection)")
        reasons = {
            400: "BadRequest",
            403: "Forbidden",
            404: "NotFound",
            410: "Expired",
            429: "TooManyRequests",
            500: "InternalError",
            503: "ServiceUnavailable",
            504: "Timeout",
        }
        reason = reasons.get(code, "InternalError")
        target = f"{qualified} {name!r}" if name else qualified
        return cls(code, reason, f"injected fault {code} on {target}")


def _details(qualified: str, name: str) -> dict[str, Any]:
    plural, _, group = qualified.partition(".")
    details: dict[str, Any] = {"name": name, "kind": plural}
    if group:
        details["group"] = group
    return details
