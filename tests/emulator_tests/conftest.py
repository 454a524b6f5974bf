"""Fixtures for the emulator's own tests: real servers on loopback sockets."""

from __future__ import annotations

import pytest

# ``servers``, ``tls_servers``, ``fresh`` and ``fresh_tls`` come from tests/conftest.py.


@pytest.fixture
def token(fresh):
    """A valid management token for the seeded user pool."""
    return fresh.emulator.management_token(fresh.access_key_id, fresh.access_key_secret)
