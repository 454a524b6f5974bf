"""Fixtures for the emulator's own tests: real servers on loopback sockets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.emulator.harness import Servers  # noqa: E402  (needs the path set above)


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    """Emulator (HTTP) and receiver shared by the whole session; see `fresh` for isolation."""
    with Servers(tmp_path_factory.mktemp("servers")) as running:
        yield running


@pytest.fixture(scope="session")
def tls_servers(tmp_path_factory):
    """Emulator serving HTTPS with a test CA (`ca_path`), plus an unrelated `other_ca_path`."""
    with Servers(tmp_path_factory.mktemp("tls-servers"), tls=True) as running:
        yield running


@pytest.fixture
def fresh(servers):
    """The shared servers with seed state, no faults, empty logs and default receiver answers."""
    servers.emulator.reset()
    servers.receiver.reset()
    return servers


@pytest.fixture
def token(fresh):
    """A valid management token for the seeded user pool."""
    return fresh.emulator.management_token(fresh.access_key_id, fresh.access_key_secret)
