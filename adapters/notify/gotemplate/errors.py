"""The one error type of the template engine: parsing, executing and resource limits."""

from __future__ import annotations


class TemplateError(Exception):
    """A template cannot be parsed or executed; the message says where and why."""


class TemplateLimitError(TemplateError):
    """A template needed more work or output than a notification may take."""
