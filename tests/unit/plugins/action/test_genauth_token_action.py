"""When the genauth_token action plugin logs in in the controller's process, and when it runs the module.

What either way returns is test_genauth_token.py's (the two give the same result); the playbook contract is the
genauth_token ansible-test target's.
"""

from types import SimpleNamespace

import pytest

from ansible_collections.genauth.management.plugins.action import genauth_token


def action(transport="local", environment=None, become=False, async_val=0):
    plugin = genauth_token.ActionModule.__new__(genauth_token.ActionModule)
    plugin._connection = SimpleNamespace(transport=transport)
    plugin._task = SimpleNamespace(environment=environment, async_val=async_val)
    plugin._play_context = SimpleNamespace(become=become)
    return plugin


@pytest.mark.parametrize("settings, here", [
    (dict(), True),
    (dict(environment=[{}]), True),
    (dict(transport="ssh"), False),
    (dict(environment=[{"GENAUTH_HOST": "https://h.example"}]), False),
    (dict(become=True), False),
    (dict(async_val=30), False),
])
def test_the_token_is_fetched_here_only_where_the_module_would_run_alike(settings, here):
    assert action(**settings)._runs_here() is here


def test_a_controller_without_the_libraries_runs_the_module(monkeypatch):
    monkeypatch.setattr(genauth_token, "controller_can_login", lambda: False)
    assert action()._runs_here() is False
