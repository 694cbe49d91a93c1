"""Real NATS servers for the history tests, and the in-process system of the CLI tests."""

from __future__ import annotations

from tests.integration.cli.conftest import system
from tests.support import nats as nats_support

nats_server = nats_support.nats_server
nats_client = nats_support.nats_client

__all__ = ["nats_client", "nats_server", "system"]
