"""What the trigger module decides itself, through main() with HTTP mocked at the requests level.

The documented playbook contract (results, chaining, check mode, failures named, refusals) is the
genauth_webhook_trigger ansible-test target's; faults are the fault matrix's; the option rules are tested where
they live (_connection, _webhooks); arbitrary input is test_trigger_input_properties.py's.
"""

import json
import os
import re

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _module
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, HOST, TOKEN, envelope, patch_module_args, token_reply,
)

KEY_SECRET = "key-secret-Zq81"
WEBHOOK = {"webhookId": "wh1", "name": "deploys", "url": "http://127.0.0.1:9/hook", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": "whsec-Yp27"}


def run(capsys, **args):
    params = dict(host=HOST, access_key_id="pool-1", access_key_secret=KEY_SECRET, webhook_id="wh1")
    params.update(args)
    with patch_module_args(dict((k, v) for k, v in params.items() if v is not None)):
        with pytest.raises(SystemExit) as info:
            genauth_webhook_trigger.main()
    out = capsys.readouterr().out
    return info.value.code, json.loads(out), out


def warnings_of(result):
    """Warning texts: plain strings before ansible-core 2.19, structured summaries since."""
    return [w if isinstance(w, str) else w.get("event", {}).get("msg", "") for w in result.get("warnings", [])]


@pytest.fixture
def api(mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": True}}))
    return mocked


def test_user_agent_names_the_collection_version_which_is_galaxy_yml_s(capsys, api):
    run(capsys)
    assert api.calls[-1].request.headers["User-Agent"].startswith(
        "genauth.management/%s (ansible-core/" % _module.COLLECTION_VERSION)
    galaxy = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "galaxy.yml")
    with open(galaxy) as handle:
        assert re.search(r"^version: (\S+)$", handle.read(), re.M).group(1) == _module.COLLECTION_VERSION


def test_a_disabled_webhook_is_triggered_with_a_warning(capsys, api):
    api.replace("GET", API + "get-webhook", json=envelope(dict(WEBHOOK, enabled=False)))
    code, result, dummy = run(capsys)
    assert code == 0 and result["changed"] is True
    assert "Webhook wh1 is disabled; GenAuth may not deliver it." in warnings_of(result)


@pytest.mark.parametrize("host, warned", [("http://genauth.test", True), ("http://127.0.0.1:8080", False)])
def test_plain_http_warns_unless_loopback(capsys, mocked, host, warned):
    mocked.post(host + "/api/v3/get-management-token", json=token_reply())
    mocked.get(host + "/api/v3/get-webhook", json=envelope(WEBHOOK))
    dummy, result, dummy = run(capsys, host=host, _ansible_check_mode=True)
    assert any("plain http" in warning for warning in warnings_of(result)) is warned


@pytest.mark.parametrize("library", ["requests", "voluptuous"])
def test_a_missing_library_is_reported_before_any_call(capsys, mocked, monkeypatch, library):
    monkeypatch.setattr(_module, "%s_IMPORT_ERROR" % library.upper(), "Traceback: No module named %r" % library)
    code, result, dummy = run(capsys)
    assert code == 1 and "Failed to import the required Python library (%s)" % library in result["msg"]
    assert len(mocked.calls) == 0


def test_secrets_from_the_environment_are_used_and_masked(capsys, api, monkeypatch):
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_SECRET", KEY_SECRET)
    monkeypatch.setenv("GENAUTH_ACCESS_TOKEN", TOKEN)  # ignored: the task chose the key pair
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {"echo": KEY_SECRET}}))
    code, result, out = run(capsys, access_key_secret=None)
    assert code == 0, result
    assert json.loads(api.calls[0].request.body)["accessKeySecret"] == KEY_SECRET
    assert result["response"]["echo"] != KEY_SECRET and KEY_SECRET not in out


def test_unexpected_errors_fail_cleanly(capsys, api, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("surprise")
    monkeypatch.setattr(genauth_webhook_trigger.WebhookAPI, "trigger", broken)
    code, result, dummy = run(capsys)
    assert code == 1 and result["msg"].startswith("Unexpected RuntimeError: surprise.")
    assert result["webhook_id"] == "wh1"


# Several webhooks in one task (webhooks, concurrency)

def webhook_reply(request):
    webhook_id = dict(pair.split("=") for pair in request.url.split("?", 1)[1].split("&"))["webhookId"]
    return 200, {}, json.dumps(envelope(dict(WEBHOOK, webhookId=webhook_id, secret="whsec-" + webhook_id)))


def trigger_reply(request):
    body = json.loads(request.body)
    return 200, {}, json.dumps(envelope({"response": {"for": body["webhookId"], "echo": "whsec-" + body["webhookId"],
                                                      "body": body.get("requestBody")}}))


@pytest.fixture
def many(mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.add_callback("GET", API + "get-webhook", callback=webhook_reply)
    mocked.add_callback("POST", API + "trigger-webhook", callback=trigger_reply)
    return mocked


def test_each_webhook_s_own_secret_is_masked_while_items_run_at_once(capsys, many):
    items = [dict(webhook_id="wh%d" % n, request_body={"n": n}) for n in range(12)]
    code, result, out = run(capsys, webhook_id=None, webhooks=items, concurrency=4)
    assert code == 0 and [entry["response"]["body"] for entry in result["results"]] == [{"n": n} for n in range(12)]
    for n, entry in enumerate(result["results"]):
        assert entry["response"]["echo"] != "whsec-wh%d" % n and entry["webhook"]["secret"] == "********"
        assert "whsec-wh%d" % n not in out


def test_an_unexpected_error_of_one_item_keeps_the_others(capsys, many, monkeypatch):
    original = genauth_webhook_trigger.WebhookAPI.trigger

    def flaky(self, webhook_id, *args):
        if webhook_id == "wh2":
            raise KeyError("boom")
        return original(self, webhook_id, *args)

    monkeypatch.setattr(genauth_webhook_trigger.WebhookAPI, "trigger", flaky)
    code, result, dummy = run(capsys, webhook_id=None, webhooks=[dict(webhook_id="wh1"), dict(webhook_id="wh2")])
    assert code == 1 and [e["failed"] for e in result["results"]] == [False, True]
    assert "Unexpected KeyError" in result["results"][1]["msg"] and "bug in genauth.management" in result["msg"]
    assert any(w.startswith("Webhook wh2 failed: Unexpected KeyError") for w in warnings_of(result))


@pytest.mark.parametrize("args, rule", [
    (dict(webhooks=[dict(webhook_id="ok")], webhook_id="wh1"), "mutually exclusive: webhook_id|webhooks"),
    (dict(webhook_id=None, webhooks=[dict(webhook_id="ok")], request_body={"a": 1}),
     "mutually exclusive: request_body|webhooks"),
    (dict(webhook_id=None), "one of the following is required: webhook_id, webhooks"),
    (dict(webhook_id=None, webhooks=[dict(request_body={})]), "missing required arguments: webhook_id"),
    (dict(webhook_id=None, webhooks=[dict(webhook_id="ok")], concurrency=33), "concurrency: must be between 1 and 32"),
])
def test_the_module_s_own_option_combinations_are_refused_before_any_call(capsys, mocked, args, rule):
    code, result, dummy = run(capsys, **args)
    assert code == 1 and rule in result["msg"] and len(mocked.calls) == 0
