"""What the token module decides itself, through main() with HTTP mocked at the requests level.

Its playbook contract (log in once, module_defaults, the result hidden from Ansible's output) is the genauth_token
ansible-test target's.
"""

import json
import time
from datetime import datetime, timezone

import pytest

from ansible_collections.genauth.management.plugins.module_utils._token import KEY_PAIR_REQUIRED
from ansible_collections.genauth.management.plugins.plugin_utils._login import login_here
from ansible_collections.genauth.management.plugins.modules import genauth_token
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, CONNECTION, HOST, KEY_SECRET, TOKEN, TOKEN2, envelope, make_jwt, run_module, token_reply,
)


def run(**args):
    code, result, dummy = run_module(genauth_token, dict(CONNECTION, **args))
    return code, result


def epoch(iso):
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize("check_mode", [False, True])
def test_returns_the_token_unmasked_with_its_lifetime_and_user_pool_in_check_mode_too(mocked, check_mode):
    mocked.post(API + "get-management-token", json=token_reply())
    before = int(time.time())
    code, result = run(_ansible_check_mode=check_mode)
    assert code == 0 and result["access_token"] == TOKEN  # the registered value must be usable
    assert result["expires_in"] == 7200 and before + 7200 <= epoch(result["expires_at"]) <= time.time() + 7200
    assert result["userpool_id"] == "pool-1" and result["changed"] is False
    assert KEY_SECRET not in json.dumps(result)
    assert json.loads(mocked.calls[0].request.body) == {"accessKeyId": "pool-1", "accessKeySecret": KEY_SECRET}


def test_lifetime_from_the_exp_claim_when_expires_in_is_missing(mocked):
    exp = int(time.time()) + 600
    mocked.post(API + "get-management-token", json=envelope({"access_token": make_jwt({"exp": exp})}))
    code, result = run()
    assert code == 0 and 0 < result["expires_in"] <= 600 and epoch(result["expires_at"]) == exp
    assert "userpool_id" not in result


def test_an_opaque_token_without_a_lifetime(mocked):
    mocked.post(API + "get-management-token", json=envelope({"access_token": "opaque"}))
    code, result = run()
    assert code == 0 and result["access_token"] == "opaque"
    assert not {"expires_in", "expires_at", "userpool_id"} & set(result)


def test_an_access_token_given_is_not_used(mocked):
    mocked.post(API + "get-management-token", json=token_reply(TOKEN2))
    code, result = run(access_token=TOKEN)
    assert code == 0 and result["access_token"] == TOKEN2 and len(mocked.calls) == 1


@pytest.mark.parametrize("environ", [{}, {"GENAUTH_ACCESS_TOKEN": TOKEN}])
def test_the_key_pair_is_required_before_any_call(mocked, monkeypatch, environ):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    code, result = run(access_key_id=None, access_key_secret=None, access_token=TOKEN if not environ else None)
    assert code == 1 and result["msg"] == "Invalid options: " + KEY_PAIR_REQUIRED and not mocked.calls


def test_wrong_credentials_fail_with_the_api_error_and_no_secret(mocked):
    mocked.post(API + "get-management-token", json=envelope(status_code=401, message="Invalid accessKeyId or secret",
                                                            apiCode=2333))
    code, result = run()
    assert code == 1 and "get-management-token" in result["msg"] and "Check access_key_id" in result["msg"]
    assert "access_token" not in result and KEY_SECRET not in json.dumps(result)


# ------------------------------------------------------------------ logging in on the controller (action plugin)

@pytest.mark.parametrize("args, answer", [
    ({}, token_reply()),
    (dict(access_token=TOKEN2), token_reply()),
    (dict(access_key_id=None, access_key_secret=None, access_token=TOKEN), None),
    (dict(access_key_secret=None), None),
    (dict(host="ftp://h.example"), None),
    (dict(timeout=0), None),
    (dict(retries="many"), None),
    (dict(colour="blue"), None),
    ({}, envelope(status_code=401, message="Invalid accessKeyId or secret", apiCode=2333)),
    ({}, envelope({"expires_in": 7200})),
], ids=["ok", "token-ignored", "no-key-pair", "half-a-pair", "bad-host", "bad-timeout", "bad-retries",
        "unknown-option", "wrong-credentials", "no-token-in-answer"])
def test_the_controller_logs_in_exactly_as_the_module_does(mocked, args, answer):
    """The action plugin's login in the controller's process: the same result, message and calls as main()."""
    if answer is not None:
        mocked.post(API + "get-management-token", json=answer)
    code, by_module = run(**args)
    module_calls = [(call.request.url, call.request.body) for call in mocked.calls]
    mocked.calls.reset()
    warnings = []
    here = login_here(dict((k, v) for k, v in dict(CONNECTION, **args).items() if v is not None), {}, warnings.append)
    assert [(call.request.url, call.request.body) for call in mocked.calls] == module_calls
    by_module.pop("invocation", None)
    # A unit test's module is named after its file; a real one after the module, as the controller names it.
    by_module["msg"] = by_module.get("msg", "").replace("(basic.py)", "(genauth.management.genauth_token)")
    if not by_module["msg"]:
        del by_module["msg"]
    # The token's lifetime is counted from each login's own clock, which may have moved on by a second in between.
    if "expires_at" in by_module:
        assert abs(epoch(here.pop("expires_at")) - epoch(by_module.pop("expires_at"))) <= 1
        assert abs(here.pop("expires_in") - by_module.pop("expires_in")) <= 1
    assert here == by_module and bool(here.get("failed")) == (code == 1)
    assert KEY_SECRET not in json.dumps(here) and warnings == by_module.get("warnings", [])


def test_the_controller_masks_secrets_in_its_warnings(mocked):
    mocked.post(API + "get-management-token", status=503, body="busy " + KEY_SECRET)
    mocked.post(API + "get-management-token", json=token_reply())
    warnings = []
    result = login_here(dict(CONNECTION, retries=1, validate_certs=False), {}, warnings.append)
    assert result["access_token"] and len(warnings) == 2
    assert "validate_certs is false" in warnings[0] and "retry 1 of 1" in warnings[1] and KEY_SECRET not in warnings[1]


def test_a_given_access_token_does_not_hide_the_key_pair_of_the_environment(mocked, monkeypatch):
    """As after a login under AWX: the token in module_defaults, the key pair in GENAUTH_* variables."""
    environ = {"GENAUTH_ACCESS_KEY_ID": "pool-env", "GENAUTH_ACCESS_KEY_SECRET": KEY_SECRET,
               "GENAUTH_ACCESS_TOKEN": TOKEN2}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    mocked.post(API + "get-management-token", json=token_reply())
    code, result = run(access_key_id=None, access_key_secret=None, access_token=TOKEN2)
    here = login_here(dict(host=HOST, access_token=TOKEN2), environ, [].append)
    assert code == 0 and result["access_token"] == here["access_token"] != TOKEN2
    assert [json.loads(call.request.body)["accessKeyId"] for call in mocked.calls] == ["pool-env", "pool-env"]
