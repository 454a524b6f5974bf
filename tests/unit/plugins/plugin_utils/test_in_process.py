"""The one action plugin of every module (plugin_utils/_in_process): where a task's module runs, that a module run
in this process returns what its module process returns, and what runs of one task share.

That every ansible-test target passes both ways is tests/meta/test_tooling.py's; the paths a real playbook takes
(environment, become, delegation, a controller without a library) are tests/integration/test_where_modules_run.py's.
"""

from types import SimpleNamespace

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.genauth.management.plugins.action import genauth_token as token_action
from ansible_collections.genauth.management.plugins.module_utils import _client
from ansible_collections.genauth.management.plugins.modules import genauth_token, genauth_webhook_trigger
from ansible_collections.genauth.management.plugins.plugin_utils import _in_process
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, CONNECTION, KEY_SECRET, TOKEN, calls_to, run_module, token_reply, warnings_of,
)

TRIGGER = "genauth.management.genauth_webhook_trigger"


def action(resolved_action=TRIGGER, args=None, transport="local", environment=None, become=False, async_val=0,
           uuid="task-1", plugin_class=_in_process.ActionModule):
    plugin = plugin_class.__new__(plugin_class)
    plugin._connection = SimpleNamespace(transport=transport)
    plugin._task = SimpleNamespace(resolved_action=resolved_action, action=resolved_action, args=dict(args or {}),
                                   environment=environment, async_val=async_val, _uuid=uuid)
    plugin._play_context = SimpleNamespace(become=become, remote_addr="localhost")
    plugin._templar = SimpleNamespace(template=lambda value: value)
    plugin._used_interpreter = None

    def update_module_args(module_name, module_args, task_vars):
        # The internal arguments a unit test's module needs (Ansible adds more, see ActionBase._update_module_args).
        module_args.update(_ansible_check_mode=False)
    plugin._update_module_args = update_module_args
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


@pytest.mark.parametrize("args", [
    dict(webhook_id="wh1", request_body={"a": 1}),
    dict(webhook_id="wh1", validate_certs=False, retries=0),
    dict(webhook_id=17),
    dict(webhooks=[{"webhook_id": "wh1"}, {"webhook_id": "wh1", "request_body": {"n": 2}}]),
    dict(webhook_id="wh1", no_such_option=True),
], ids=["one", "warning", "refused", "several", "unknown-option"])
def test_a_module_run_here_returns_what_its_module_process_returns(api, args):
    args = dict(CONNECTION, **args)
    code, dummy, printed = run_module(genauth_webhook_trigger, args)
    module_calls = [(call.request.method, call.request.url) for call in api.calls]
    api.calls.reset()
    here = action(args=args, uuid="fresh-%d" % id(args))._run_here({})
    assert sorted((call.request.method, call.request.url) for call in api.calls) == sorted(module_calls)
    assert comparable(here) == comparable(parsed(printed)) and bool(here.get("failed")) == (code == 1)
    assert here["_ansible_parsed"] is True and KEY_SECRET not in repr(here)


def test_what_a_run_changes_in_this_process_is_restored(api):
    before = (basic._ANSIBLE_ARGS, getattr(basic, "_ANSIBLE_PROFILE", None), _client.SHARED,
              type(module_warnings._global_warnings))
    result = action(args=dict(CONNECTION, webhook_id="wh1", validate_certs=False), uuid="restore")._run_here({})
    assert "validate_certs is false" in warnings_of(result)[0]
    assert (basic._ANSIBLE_ARGS, getattr(basic, "_ANSIBLE_PROFILE", None), _client.SHARED,
            type(module_warnings._global_warnings)) == before
    assert not module_warnings._global_warnings  # the warning went into the result, none is left for the next


def test_a_failure_inside_the_module_is_a_clean_task_failure_and_the_next_run_works(api, monkeypatch):
    def broken(module, options):
        raise KeyError("a bug")
    monkeypatch.setattr(genauth_webhook_trigger, "trigger_one", broken)
    failed = action(args=dict(CONNECTION, webhook_id="wh1"), uuid="bug")._run_here({})
    assert failed["failed"] is True and failed["rc"] == 1 and "KeyError: 'a bug'" in failed["module_stderr"]
    assert "MODULE FAILURE" in failed["msg"] or "Module result deserialization failed" in failed["msg"]
    monkeypatch.undo()
    assert action(args=dict(CONNECTION, webhook_id="wh1"), uuid="bug")._run_here({})["status_code"] == 200


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
