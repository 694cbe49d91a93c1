from __future__ import annotations

import pytest
from typer.testing import CliRunner

from adapters.cli import session
from tests.unit.cli.fakes import FakeClient, fake_open_client


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    """Every command talks to this in-memory client instead of a server."""
    client = FakeClient()
    monkeypatch.setattr(session, "open_client", fake_open_client(client))
    return client


@pytest.fixture(autouse=True)
def _plain_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No settings leak in from the developer's shell, and nothing touches their data dir."""
    for name in ("ROLLOUTS_NATS_URL", "ROLLOUTS_NAMESPACE", "ROLLOUTS_DATA_DIR", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))
