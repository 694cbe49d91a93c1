"""Values of the arguments a Rollout passes to its analysis (argo-semantics §3.2, rollout side).

A Rollout argument is a literal, the pod-template hash of the stable or latest ReplicaSet, or a
field of the Rollout itself. `metadata.*` paths use the Kubernetes downward-API syntax
(`metadata.labels['env']`); any other path walks the Rollout's JSON and must end in a primitive.
Messages are Argo's, since users search for them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rollouts.analysis.runspec.errors import RunSpecError
from rollouts.spec import AnalysisRunArgument

_SECTION_SPLIT = re.compile(r"[.\[\]]+")
_QUALIFIED_NAME = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)


def rollout_argument_values(
    args: tuple[AnalysisRunArgument, ...],
    rollout_manifest: Mapping[str, Any],
    *,
    stable_hash: str,
    latest_hash: str,
) -> dict[str, str]:
    """Every Rollout argument with its value; an argument with no value at all is `""` (Go's
    zero value), which still overrides a template default, as in Argo."""
    values: dict[str, str] = {}
    for arg in args:
        values[arg.name] = _argument_value(arg, rollout_manifest, stable_hash, latest_hash)
    return values


def _argument_value(
    arg: AnalysisRunArgument, manifest: Mapping[str, Any], stable_hash: str, latest_hash: str
) -> str:
    source = arg.value_from
    if source is None:
        return arg.value or ""
    if source.pod_template_hash_value == "Latest":
        return latest_hash
    if source.pod_template_hash_value == "Stable":
        return stable_hash
    if source.field_ref is not None:
        path = source.field_ref.field_path
        if path.startswith("metadata"):
            return metadata_field(manifest, path)
        return rollout_field(manifest, path)
    return arg.value or ""


def metadata_field(manifest: Mapping[str, Any], path: str) -> str:
    """The downward-API fields Kubernetes offers for an object's metadata."""
    metadata = manifest.get("metadata") or {}
    subscripted = _split_subscript(path)
    if subscripted is not None:
        field, key = subscripted
        if field not in ("metadata.labels", "metadata.annotations"):
            raise RunSpecError(f'fieldPath "{path}" does not support subscript')
        checked = key.lower() if field == "metadata.annotations" else key
        if not _QUALIFIED_NAME.match(checked):
            raise RunSpecError(f"invalid key subscript in {path}: {key!r} is not a qualified name")
        return str((metadata.get(field.split(".")[1]) or {}).get(key, ""))
    if path in ("metadata.labels", "metadata.annotations"):
        return _format_map(metadata.get(path.split(".")[1]) or {})
    if path in ("metadata.name", "metadata.namespace", "metadata.uid"):
        return str(metadata.get(path.split(".")[1]) or "")
    raise RunSpecError(f"unsupported fieldPath: {path}")


def _split_subscript(path: str) -> tuple[str, str] | None:
    if not path.endswith("']"):
        return None
    head, separator, key = path[:-2].partition("['")
    if not separator or not head:
        return None
    return head, key


def _format_map(values: Mapping[str, Any]) -> str:
    """`key="value"` lines in key order, as the downward API writes a whole map."""
    return "\n".join(
        f"{key}={json.dumps(str(values[key]), ensure_ascii=False)}" for key in sorted(values)
    )


def rollout_field(manifest: Mapping[str, Any], path: str) -> str:
    """A primitive found by walking `path` (`a.b[0].c`) through the Rollout's JSON."""
    current: Any = manifest
    for section in _SECTION_SPLIT.split(path):
        if section == "":
            continue
        if isinstance(current, list):
            current = _index(current, section)
        elif isinstance(current, Mapping):
            current = current.get(section)
        else:
            raise RunSpecError(f"invalid path {path} in rollout")
    if current is None:
        raise RunSpecError(f"invalid path {path} in rollout")
    if isinstance(current, list | Mapping):
        raise RunSpecError(f"path {path} in rollout must terminate in a primitive value")
    return go_value_text(current)


def _index(items: list[Any], section: str) -> Any:
    if not re.fullmatch(r"[+-]?\d+", section):
        raise RunSpecError(f"invalid index '{section}'")
    position = int(section)
    if position >= len(items):
        raise RunSpecError(f"index {position} out of range")
    return items[position]


def go_value_text(value: Any) -> str:
    """Go's `fmt.Sprintf("%v", v)` of a JSON-decoded primitive (numbers are float64 there)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _go_float(float(value))
    return str(value)


def _go_float(number: float) -> str:
    """`strconv.FormatFloat(f, 'g', -1, 64)`: shortest digits, exponent form below 1e-4 or from
    1e6 (so a JSON number 1000000 reads `1e+06`, exactly as Argo passes it on)."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "0"
    decimal = Decimal(repr(number))
    sign, digit_tuple, exponent = decimal.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    magnitude = len(digit_tuple) + exponent - 1
    prefix = "-" if sign else ""
    if magnitude < -4 or magnitude >= 6:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if magnitude < 0 else '+'}{abs(magnitude):02d}"
    text = format(abs(decimal), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return prefix + text
