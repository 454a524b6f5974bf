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


@pytest.mark.parametrize("here", [True, False])
@pytest.mark.parametrize("outcome, hidden", [
    ({"changed": False, "access_token": "a.b.c", "expires_in": 7200}, True),
    ({"failed": True, "msg": "Invalid options: no credentials"}, False),
])
def test_run_logs_in_one_way_and_hides_only_a_result_with_the_token(monkeypatch, here, outcome, hidden):
    plugin = action(transport="local" if here else "ssh")
    plugin._task.args = {"access_key_id": "pool-1"}
    calls = []
    monkeypatch.setattr(genauth_token.ActionBase, "run", lambda self, tmp=None, task_vars=None: {})

    def logs_in(name, args):
        calls.append((name, args))
        return dict(outcome)
    monkeypatch.setattr(genauth_token, "login_here", lambda args, environ, warn: logs_in("here", args))
    plugin._execute_module = lambda module_name, module_args, task_vars: logs_in(module_name, module_args)
    result = plugin.run(task_vars={})
    assert calls == [("here" if here else "genauth.management.genauth_token", {"access_key_id": "pool-1"})]
    assert result.get("_ansible_no_log", False) is hidden
    assert dict((k, v) for k, v in result.items() if k != "_ansible_no_log") == outcome
