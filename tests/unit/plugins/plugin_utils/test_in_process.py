"""The one action plugin of every module (plugin_utils/_in_process): where a task's module runs, that a module run
in this process returns what its module process returns, and what runs of one task share.

That every ansible-test target passes both ways is tests/meta/test_tooling.py's; the paths a real playbook takes
(environment, become, delegation, a controller without a library) are tests/integration/test_where_modules_run.py's.
"""

from types import SimpleNamespace

import sys

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.genauth.management.plugins.action import genauth_token as token_action
from ansible_collections.genauth.management.plugins.module_utils import _client
from ansible_collections.genauth.management.plugins.modules import genauth_token, genauth_webhook_trigger
from ansible_collections.genauth.management.plugins.plugin_utils import _in_process
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, CONNECTION, KEY_SECRET, TOKEN, WEBHOOK, calls_to, envelope, run_module, token_reply, warnings_of,
)

TRIGGER = "genauth.management.genauth_webhook_trigger"


@pytest.fixture(autouse=True)
def as_in_a_worker(monkeypatch):
    """Module code runs in Ansible's worker process here, where module_utils know they are on the controller."""
    try:
        from ansible.module_utils import _internal
    except ImportError:  # ansible-core before 2.19
        return
    monkeypatch.setattr(_internal, "is_controller", True, raising=False)


@pytest.fixture(autouse=True)
def no_task_before(monkeypatch):
    """Each test starts as a new worker process does: no session or token of another task."""
    monkeypatch.setattr(_in_process, "_SHARED_BY_TASK", {})


def action(resolved_action=TRIGGER, args=None, transport="local", environment=None, become=False, async_val=0,
           uuid="task-1", plugin_class=_in_process.ActionModule, check_mode=False, diff=False, timeout=None,
           load_name=None, delegate_to=None):
    plugin = plugin_class.__new__(plugin_class)
    plugin._connection = SimpleNamespace(transport=transport, _load_name=load_name or transport, socket_path=None,
                                         become=None, _shell=SimpleNamespace(tmpdir=None, get_option=lambda name: "~/.ansible/tmp"))
    plugin._task = SimpleNamespace(resolved_action=resolved_action, action=resolved_action, args=dict(args or {}),
                                   environment=environment, async_val=async_val, _uuid=uuid, check_mode=check_mode,
                                   diff=diff, no_log=False, timeout=timeout, delegate_to=delegate_to)
    plugin._play_context = SimpleNamespace(become=become, remote_addr="localhost", executable="/bin/sh")
    plugin._templar = SimpleNamespace(template=lambda value: value)
    plugin._used_interpreter = None
    plugin._supports_check_mode = True
    return plugin


@pytest.mark.parametrize("settings, task_vars, environ, why_not", [
    (dict(), {}, {}, None),
    (dict(environment=[{}]), {}, {}, None),
    (dict(), {"genauth_in_process": True}, {"GENAUTH_IN_PROCESS": "yes"}, None),
    (dict(transport="ssh"), {}, {}, "its connection is ssh, not local"),
    (dict(environment=[{"GENAUTH_HOST": "https://h.example"}]), {}, {}, "it sets environment"),
    (dict(become=True), {}, {}, "it uses become"),
    (dict(async_val=30), {}, {}, "it runs with async"),
    (dict(resolved_action="ansible.builtin.uri"), {}, {}, "it is not a module of this collection"),
    (dict(load_name="community.general.chroot"), {}, {}, "its connection is community.general.chroot, not local"),
    (dict(timeout=30), {}, {}, "it sets timeout"),
    (dict(), {"ansible_python_interpreter": "/usr/bin/python3"}, {},
     "its Python is /usr/bin/python3, not the controller's"),
    (dict(), {"ansible_python_interpreter": sys.executable}, {}, None),
    (dict(), {"ansible_python_interpreter": "/venv/bin/python", "ansible_playbook_python": "/venv/bin/python"}, {},
     None),
    (dict(delegate_to="localhost"), {"genauth_in_process": True,
                                     "ansible_delegated_vars": {"localhost": {"genauth_in_process": "off"}}}, {},
     "genauth_in_process is false"),
    (dict(), {}, {"GENAUTH_IN_PROCESS": "false"}, "GENAUTH_IN_PROCESS is false"),
    (dict(), {"genauth_in_process": "no"}, {}, "genauth_in_process is false"),
    (dict(), {"genauth_in_process": False}, {"GENAUTH_IN_PROCESS": "1"}, "genauth_in_process is false"),
])
def test_a_module_runs_here_only_where_its_process_would_run_alike(monkeypatch, settings, task_vars, environ, why_not):
    monkeypatch.delenv("GENAUTH_IN_PROCESS", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert action(**settings)._why_not_here(task_vars) == why_not


@pytest.mark.parametrize("library", ["REQUESTS_IMPORT_ERROR", "VOLUPTUOUS_IMPORT_ERROR"])
def test_a_controller_without_a_library_runs_the_module_process(monkeypatch, library):
    owner = _client if library == "REQUESTS_IMPORT_ERROR" else _in_process
    monkeypatch.setattr(owner, library, "Traceback: ImportError")
    assert action()._why_not_here({}) == "the controller's Python lacks requests or voluptuous"


def comparable(result):
    """A result without what tells the two ways apart by nature: the traceback's frames of an error."""
    result = dict(result, warnings=warnings_of(result))
    result["exception"] = "exception" in result
    return result


def parsed(printed):
    """What the controller reads from a module process that printed ``printed``."""
    return action()._parsed(dict(rc=0, stdout=printed, stderr=""))


def as_module_process(monkeypatch, module, plugin):
    """What ``module`` prints in a module process for ``plugin``'s task: the arguments Ansible's
    ``_update_module_args`` gives it, module_utils in module mode (the exit code, the output)."""
    args = dict(plugin._task.args)
    plugin._update_module_args(plugin._task.action, args, {})
    with monkeypatch.context() as patched:
        try:
            from ansible.module_utils import _internal
            patched.setattr(_internal, "is_controller", False, raising=False)
        except ImportError:  # ansible-core before 2.19
            pass
        code, dummy, printed = run_module(module, args)
    return code, printed


@pytest.mark.parametrize("args, mode", [
    (dict(webhook_id="wh1", request_body={"a": 1}), {}),
    (dict(webhook_id="wh1", request_body={"a": 1}), dict(check_mode=True, diff=True)),
    (dict(webhook_id="wh1", validate_certs=False, retries=0), {}),
    (dict(webhook_id=17), {}),
    (dict(webhooks=[{"webhook_id": "wh1"}, {"webhook_id": "wh1", "request_body": {"n": 2}}]), {}),
    (dict(webhooks=[{"webhook_id": "wh1"}, {"webhook_id": "wh1"}]), dict(check_mode=True)),
    (dict(webhook_id="wh1", no_such_option=True), {}),
], ids=["one", "one-check-diff", "warning", "refused", "several", "several-check", "unknown-option"])
def test_a_module_run_here_returns_what_its_module_process_returns(api, monkeypatch, args, mode):
    plugin = action(args=dict(CONNECTION, **args), **mode)
    code, printed = as_module_process(monkeypatch, genauth_webhook_trigger, plugin)
    module_calls = [(call.request.method, call.request.url) for call in api.calls]
    api.calls.reset()
    here = plugin._run_here({})
    assert sorted((call.request.method, call.request.url) for call in api.calls) == sorted(module_calls)
    assert comparable(here) == comparable(parsed(printed)) and bool(here.get("failed")) == (code == 1)
    assert here["_ansible_parsed"] is True and KEY_SECRET not in repr(here)
    if mode.get("check_mode"):  # check mode reached the module: nothing was triggered either way
        assert module_calls and not calls_to(api, "trigger-webhook")


def test_what_a_run_changes_in_this_process_is_restored(api):
    before = (basic._ANSIBLE_ARGS, getattr(basic, "_ANSIBLE_PROFILE", None), _client.SHARED,
              type(module_warnings._global_warnings))
    result = action(args=dict(CONNECTION, webhook_id="wh1", validate_certs=False), uuid="restore")._run_here({})
    assert "validate_certs is false" in warnings_of(result)[0]
    assert (basic._ANSIBLE_ARGS, getattr(basic, "_ANSIBLE_PROFILE", None), _client.SHARED,
            type(module_warnings._global_warnings)) == before
    assert not module_warnings._global_warnings  # the warning went into the result, none is left for the next


@pytest.mark.parametrize("bug", [KeyError("a bug"), SystemExit("a bug"), None],
                         ids=["exception", "exit-with-message", "returns-without-exit"])
def test_a_failure_inside_the_module_is_a_clean_task_failure_and_the_next_run_works(api, monkeypatch, bug):
    """As AnsiballZ reports it: a failed result naming the bug, never a traceback of this process."""
    def broken(module, options):
        if bug is not None:
            raise bug
    with monkeypatch.context() as patched:
        patched.setattr(genauth_webhook_trigger, "trigger_one", broken)
        failed = action(args=dict(CONNECTION, webhook_id="wh1"), uuid="bug")._run_here({})
    assert failed["failed"] is True
    text = repr(failed)
    assert ("a bug" in text) if bug is not None else ("did not handle its own exit" in text or not failed["_ansible_parsed"])
    assert action(args=dict(CONNECTION, webhook_id="wh1"), uuid="bug")._run_here({})["status_code"] == 200


def test_a_failed_login_is_not_handed_on_the_next_run_asks_again(mocked):
    """A loop's next item, or an until retry, fetches a token again after one failed for an earlier run."""
    mocked.post(API + "get-management-token", status=503, body="busy")
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": True}}))
    first = action(args=dict(CONNECTION, webhook_id="wh1", retries=0), uuid="retry")._run_here({})
    assert first["failed"] and "get-management-token" in first["msg"]
    second = action(args=dict(CONNECTION, webhook_id="wh1", retries=0), uuid="retry")._run_here({})
    assert second["status_code"] == 200 and len(calls_to(mocked, "get-management-token")) == 2


def test_the_items_of_a_loop_share_the_token_only_with_the_same_credentials(api):
    first = action(args=dict(CONNECTION, webhook_id="wh1"), uuid="loop")
    assert first._run_here({})["status_code"] == 200
    second = action(args=dict(CONNECTION, webhook_id="wh1", request_body={"n": 2}), uuid="loop")
    result = second._run_here({})
    assert result["status_code"] == 200 and len(calls_to(api, "get-management-token")) == 1
    assert TOKEN not in repr(result)  # the token handed over is masked in the later run too
    other_key = dict(CONNECTION, access_key_secret=KEY_SECRET + "-other", webhook_id="wh1")
    action(args=other_key, uuid="loop")._run_here({})
    closed = []
    for session, dummy in _in_process._SHARED_BY_TASK["loop"].values():
        session.close = lambda session=session: closed.append(session)
    assert len(_in_process._SHARED_BY_TASK["loop"]) == 2
    action(args=dict(CONNECTION, webhook_id="wh1"), uuid="another-task")._run_here({})
    assert len(calls_to(api, "get-management-token")) == 3 and list(_in_process._SHARED_BY_TASK) == ["another-task"]
    assert len(closed) == 2  # the sessions of the loop's task
    bearers = {call.request.headers.get("Authorization") for call in calls_to(api, "trigger-webhook")}
    assert bearers == {"Bearer " + TOKEN}


def test_genauth_token_always_fetches_a_token_of_its_own(mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    for dummy in range(2):
        result = action(resolved_action="genauth.management.genauth_token", args=CONNECTION, uuid="login-loop",
                        plugin_class=token_action.ActionModule)._run_here({})
        assert result["access_token"] == TOKEN
    assert len(mocked.calls) == 2
    code, dummy, printed = run_module(genauth_token, CONNECTION)
    assert code == 0 and comparable(result) == comparable(parsed(printed))


def test_genauth_token_refuses_async_whose_result_would_show_the_token(monkeypatch):
    plugin = action(resolved_action="genauth.management.genauth_token", async_val=30,
                    plugin_class=token_action.ActionModule)
    plugin._task.async_val, plugin._task.check_mode = 30, False
    with pytest.raises(Exception, match="support async"):
        _in_process.ActionBase.run(plugin, task_vars={})


@pytest.mark.parametrize("here", [True, False])
@pytest.mark.parametrize("outcome, hidden", [
    ({"changed": False, "access_token": "a.b.c", "expires_in": 7200}, True),
    ({"failed": True, "msg": "Invalid options: no credentials"}, False),
])
def test_genauth_token_hides_only_a_result_with_the_token_either_way(monkeypatch, here, outcome, hidden):
    plugin = action(resolved_action="genauth.management.genauth_token", transport="local" if here else "ssh",
                    args={"access_key_id": "pool-1"}, plugin_class=token_action.ActionModule)
    monkeypatch.setattr(_in_process.ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    monkeypatch.setattr(_in_process.NormalAction, "run", lambda self, tmp=None, task_vars=None: dict(outcome))
    plugin._run_here = lambda task_vars: dict(outcome)
    result = plugin.run(task_vars={})
    assert result.get("_ansible_no_log", False) is hidden
    assert dict((k, v) for k, v in result.items() if k != "_ansible_no_log") == outcome


def test_runs_share_only_when_every_connection_option_is_the_same():
    """The key of what runs share changes with each shared option, the proxy's included, and holds no secret."""
    from ansible_collections.genauth.management.plugins.module_utils._connection import argument_spec
    base = dict((name, "value-%s" % name) for name in argument_spec())
    key = _client._shared_key(base, "agent", None)
    assert "value-access_key_secret" not in key
    for name in argument_spec():
        assert _client._shared_key(dict(base, **{name: "other"}), "agent", None) != key, name
    assert {"use_proxy", "proxy_url", "host", "access_key_secret"} <= set(argument_spec())
