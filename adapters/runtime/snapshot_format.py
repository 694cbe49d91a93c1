"""How a rollout snapshot is written, and the schema fingerprint that decides whether it is used.

A snapshot is only an optimisation: the stream stays the source of truth. So a snapshot is
trusted only when it was folded by the same code from the same event schemas as this process
would fold them; anything else (another schema, another upcaster, another fold, a garbled value)
is refused here with a one-line reason, and the caller refolds that rollout from its history.

Value layout (one KV value per rollout): a one-line JSON header, a newline, then the state's JSON
compressed with zlib (level 1: a 7 KB state becomes 2 KB in 30 µs, a quarter of the bytes to
store and to read back at start). The header names the fingerprint, the rollout's stream version
and a CRC of the body, so a torn or bit-flipped value is caught before it is parsed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import pydantic
from pydantic_core import from_json

import events
import rollouts
from events.base import EVENT_TYPES
from events.upcasting import UPCASTERS
from rollouts.sharing import shared_state
from rollouts.state import RolloutState

FORMAT = 1
TOO_LARGE = -1
"""The layout above; bumped if the layout itself changes (it is part of the fingerprint)."""


class SnapshotUnusable(ValueError):
    """A snapshot that must not be used; the message says why, in one line, and `kind` is
    the metric's reason: schema (another fingerprint), garbled, or too_large (a marker)."""

    def __init__(self, message: str, kind: str = "garbled") -> None:
        super().__init__(message)
        self.kind = kind


@functools.cache
def schema_fingerprint() -> str:
    """What a snapshot depends on, hashed: the RolloutState JSON schema, every event type's
    schema version and the upcasters registered for it, and the source of the pure core and of
    the event contract (evolve and the upcasters live there: a fix to either changes what a full
    fold gives, so older snapshots must be refolded too). Computed once per process (~50 ms)."""
    digest = hashlib.sha256(f"format {FORMAT}; pydantic {pydantic.VERSION}\n".encode())
    schema = RolloutState.model_json_schema()
    digest.update(json.dumps(schema, sort_keys=True).encode())
    for name, cls in sorted(EVENT_TYPES.items()):
        steps = [v for v in range(1, cls.schema_version) if (name, v) in UPCASTERS]
        digest.update(f"{name} v{cls.schema_version} upcasters {steps}\n".encode())
    for package in (events, rollouts):
        root = Path(str(package.__file__)).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(f"{path.relative_to(root.parent)}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:32]


def encode_snapshot(state: RolloutState, version: int, fingerprint: str) -> bytes:
    """`state` as folded up to stream sequence `version` of its rollout. Only what was set is
    written: decide hashes and compares `exclude_unset` dumps of the spec, and a spec read back
    with every default set (`annotations: {}`) would hash as another pod template."""
    body = zlib.compress(state.model_dump_json(exclude_unset=True).encode(), 1)
    header = {"f": fingerprint, "v": version, "c": zlib.crc32(body), "n": len(body)}
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + body


def encode_too_large(version: int, fingerprint: str) -> bytes:
    """A marker for a state over the server's max payload: start refolds that rollout from its
    history (a missing value would break the checkpoint's promise instead)."""
    header = {"f": fingerprint, "v": version, "c": 0, "n": TOO_LARGE}
    return json.dumps(header, separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A value whose header and checksum passed (`read_snapshot`), its body not yet decoded.

    Decoding takes most of a restart (about 0.5 ms a state: 5 s for 10,000), so a process
    keeps these and decodes each rollout when it is first needed, or in the background after
    it is ready (`adapters.runtime.pending_states`)."""

    body: bytes
    version: int

    def state(self) -> RolloutState:
        """The state, or SnapshotUnusable: after a good checksum only a bug gets there."""
        try:  # parsed once: validated from, and keying the sharing (`shared_state`)
            parsed = from_json(zlib.decompress(self.body))
            return shared_state(RolloutState.model_validate(parsed), parsed)
        except (zlib.error, ValueError) as error:  # pydantic's ValidationError is a ValueError
            first = str(error).splitlines()[0]
            raise SnapshotUnusable(f"state does not parse: {first}") from None


def read_snapshot(data: bytes, fingerprint: str) -> Snapshot:
    """The snapshot, its body checked but not decoded, or SnapshotUnusable naming why not."""
    line, newline, body = data.partition(b"\n")
    if not newline:
        raise SnapshotUnusable("no header line")
    try:
        header = json.loads(line)
        version, crc, size, written_by = header["v"], header["c"], header["n"], header["f"]
    except (ValueError, KeyError, TypeError) as error:
        raise SnapshotUnusable(f"unreadable header: {type(error).__name__}") from None
    if written_by != fingerprint:
        raise SnapshotUnusable(f"schema fingerprint {str(written_by)[:32]!r}", "schema")
    if not isinstance(version, int) or version < 1:
        raise SnapshotUnusable(f"version {version!r} is not a stream sequence")
    if size == TOO_LARGE:
        raise SnapshotUnusable("the state was too large to snapshot", "too_large")
    if len(body) != size or zlib.crc32(body) != crc:
        raise SnapshotUnusable(f"body is torn or garbled ({len(body)} bytes, {size} written)")
    return Snapshot(body, version)


def decode_snapshot(data: bytes, fingerprint: str) -> tuple[RolloutState, int]:
    """(state, version) at once, or SnapshotUnusable naming why not."""
    snapshot = read_snapshot(data, fingerprint)
    return snapshot.state(), snapshot.version


def snapshot_version(data: bytes, fingerprint: str) -> int:
    """The version a value's header claims (its body unread), 0 when unreadable or of another
    fingerprint: a writer compares it with its own before overwriting."""
    try:
        header = json.loads(data.partition(b"\n")[0])
        version, written_by = header["v"], header["f"]
    except (ValueError, KeyError, TypeError):
        return 0
    return version if isinstance(version, int) and written_by == fingerprint else 0


def encode_checkpoint(position: int, fingerprint: str) -> bytes:
    return json.dumps({"fingerprint": fingerprint, "position": position}).encode()


def decode_checkpoint(data: bytes, fingerprint: str) -> int:
    """The stream position every snapshot of the set covers, or SnapshotUnusable."""
    try:
        checkpoint = json.loads(data)
        written_by, position = checkpoint["fingerprint"], checkpoint["position"]
    except (ValueError, KeyError, TypeError) as error:
        raise SnapshotUnusable(f"unreadable checkpoint: {type(error).__name__}") from None
    if written_by != fingerprint:
        raise SnapshotUnusable(f"checkpoint schema fingerprint {str(written_by)[:32]!r}")
    if not isinstance(position, int) or position < 0:
        raise SnapshotUnusable(f"checkpoint position {position!r} is not a stream sequence")
    return position
