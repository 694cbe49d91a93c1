"""What a handler's log lines say about the delivery it handles, bound in one ContextVar.

Every decision and every event delivery binds its rollout, cause and revision, so that any line
logged while it runs names them: several bindings per abort. structlog's `bound_contextvars`
cost about 20 µs each on the second bench machine (it copies the whole context to read what was
bound before, then sets and resets one ContextVar per key): 3 % of the CPU of a burst of aborts.
Here the bound fields are one immutable mapping in one ContextVar: a set and a reset. The
`merge_bound` processor, which `configure_logging` installs, adds them to each line (a field
the line names itself wins).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

_NOTHING: Mapping[str, Any] = MappingProxyType({})
_BOUND: ContextVar[Mapping[str, Any]] = ContextVar("rollouts_log_context", default=_NOTHING)


def bound(**fields: Any) -> BoundFields:
    """Lines logged inside the `with` block (in this task, and in tasks it starts) carry
    `fields`."""
    return BoundFields(fields)


class BoundFields:
    """A context manager by hand: `contextlib.contextmanager`'s generator doubles the cost."""

    __slots__ = ("_fields", "_token")

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = fields

    def __enter__(self) -> None:
        outer = _BOUND.get()
        self._token = _BOUND.set({**outer, **self._fields} if outer else self._fields)

    def __exit__(self, *exc_info: object) -> None:
        _BOUND.reset(self._token)


def merge_bound(logger: Any, method: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """structlog processor: the bound fields, under the line's own."""
    fields = _BOUND.get()
    return {**fields, **event} if fields else event
