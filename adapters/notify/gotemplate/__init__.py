"""A sandboxed implementation of Go's text/template for notification templates.

Argo Rollouts renders notifications with Go templates and Sprig functions over the Rollout as
JSON. This package parses that language itself (no Python eval/exec) and runs it over plain
JSON-shaped data, so a template can read data and nothing else.
"""

from __future__ import annotations

from adapters.notify.gotemplate.errors import TemplateError, TemplateLimitError
from adapters.notify.gotemplate.execute import execute
from adapters.notify.gotemplate.gotime import GoTime, parse_rfc3339
from adapters.notify.gotemplate.parser import parse
from adapters.notify.gotemplate.values import MISSING, GoFunction


def render(source: str, data: object) -> str:
    """Parse (cached) and execute `source` with `data` as dot."""
    return execute(parse(source), data)


def check(source: str) -> None:
    """Raise `TemplateError` if `source` does not parse (for validating configuration)."""
    parse(source)


__all__ = [
    "MISSING",
    "GoFunction",
    "GoTime",
    "TemplateError",
    "TemplateLimitError",
    "check",
    "parse_rfc3339",
    "render",
]
