import json
import re

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _module
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, HOST, TOKEN, envelope, patch_module_args, token_reply,
)

KEY_SECRET = "key-secret-Zq81"
WEBHOOK_SECRET = "whsec-Yp27"
WEBHOOK = {"webhookId": "wh1", "name": "deploys", "url": "http://127.0.0.1:9/hook", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": WEBHOOK_SECRET}


@pytest.fixture(autouse=True)
def no_leftover_warnings():
    """Warnings are process-global in ansible-core; each module run here must start without any."""
    from ansible.module_utils.common import warnings
    for name in ("_global_warnings", "_global_deprecations"):
        store = getattr(warnings, name, None)
        if store is not None:
            store.clear()


def run(capsys, **args):
    params = dict(host=HOST, access_key_id="pool-1", access_key_secret=KEY_SECRET, webhook_id="wh1")
    params.update(args)
    with patch_module_args(dict((k, v) for k, v in params.items() if v is not None)):
        with pytest.raises(SystemExit) as info:
            genauth_webhook_trigger.main()
    out = capsys.readouterr().out
    return info.value.code, json.loads(out), out


@pytest.fixture
def api(mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    return mocked


def warnings_of(result):
    """Warning texts: plain strings before ansible-core 2.19, structured summaries since."""
    return [w if isinstance(w, str) else w.get("event", {}).get("msg", "") for w in result.get("warnings", [])]


def triggers(mocked):
    return [c for c in mocked.calls if c.request.url.endswith("/trigger-webhook")]


def test_success_returns_the_response_for_chaining(capsys, api):
    api.post(API + "trigger-webhook", json=envelope({"response": {"ticket": "CHG-1", "echo": WEBHOOK_SECRET}}))
    code, result, out = run(capsys, request_headers={"X-Deploy": 7}, request_body='{"version": "1.2.3"}')
    assert code == 0 and result["changed"] is True
    assert result["response"]["ticket"] == "CHG-1" and result["response"]["echo"] != WEBHOOK_SECRET
    assert (result["status_code"], result["message"], result["request_id"], result["webhook_id"]) == (
        200, "Operation successful", "req-200", "wh1")
    assert result["webhook"]["secret"] == "********" and result["webhook"]["name"] == "deploys"
    assert json.loads(triggers(api)[0].request.body) == {
        "webhookId": "wh1", "requestHeaders": {"X-Deploy": "7"}, "requestBody": {"version": "1.2.3"}}
    for secret in (KEY_SECRET, TOKEN, WEBHOOK_SECRET):
        assert secret not in out


def test_user_agent_names_the_collection_version(capsys, api):
    api.post(API + "trigger-webhook", json=envelope({"response": None}))
    run(capsys)
    agent = api.calls[-1].request.headers["User-Agent"]
    assert agent.startswith("genauth.management/%s (ansible-core/" % _module.COLLECTION_VERSION)


def test_collection_version_matches_galaxy_yml():
    import os
    galaxy = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "galaxy.yml")
    with open(galaxy) as handle:
        assert re.search(r"^version: (\S+)$", handle.read(), re.M).group(1) == _module.COLLECTION_VERSION


def test_check_mode_triggers_nothing(capsys, api):
    code, result, out = run(capsys, _ansible_check_mode=True, request_body={"v": 1})
    assert code == 0 and result["changed"] is True
    assert result["request"] == {"webhookId": "wh1", "requestBody": {"v": 1}}
    assert result["webhook"]["secret"] == "********" and "response" not in result
    assert triggers(api) == [] and WEBHOOK_SECRET not in out


def test_api_error_fields(capsys, api):
    api.post(API + "trigger-webhook", json={"statusCode": 500, "message": "internal", "apiCode": 5000, "requestId": "r5"})
    code, result, dummy = run(capsys)
    assert code == 1 and result["failed"] is True
    assert (result["status_code"], result["api_code"], result["request_id"]) == (500, 5000, "r5")
    assert "internal (statusCode 500, apiCode 5000, requestId r5)" in result["msg"]
    assert len(triggers(api)) == 1


def test_unknown_webhook_fails_before_triggering(capsys, mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json={"statusCode": 404, "message": "Webhook not found", "apiCode": 1404, "requestId": "r4"})
    code, result, dummy = run(capsys)
    assert code == 1 and result["status_code"] == 404 and "Webhook not found" in result["msg"]
    assert triggers(mocked) == []


def test_disabled_webhook_warns(capsys, mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(dict(WEBHOOK, enabled=False)))
    mocked.post(API + "trigger-webhook", json=envelope({"response": "ok"}))
    dummy, result, dummy = run(capsys)
    assert any("is disabled" in warning for warning in warnings_of(result))


@pytest.mark.parametrize("args, rule", [
    (dict(request_headers={"X-A": "a\r\nb"}), "request_headers['X-A']: value must not contain CR or LF"),
    (dict(request_body="[1]"), "request_body: must be a JSON object"),
    (dict(webhook_id="has space"), "webhook_id: must not contain whitespace"),
    (dict(timeout=0), "timeout: must be greater than 0"),
    (dict(retries=11), "retries: must be between 0 and 10"),
    (dict(host="ftp://x"), "host: must start with http:// or https://"),
    (dict(access_key_secret=None), "access_key_id and access_key_secret must be given together"),
    (dict(access_token="a-long-enough-token"), "not both"),
])
def test_invalid_input_is_refused_before_any_call(capsys, mocked, args, rule):
    code, result, dummy = run(capsys, **args)
    assert code == 1 and rule in result["msg"] and len(mocked.calls) == 0


def test_missing_library_is_reported(capsys, mocked, monkeypatch):
    monkeypatch.setattr(_module, "VOLUPTUOUS_IMPORT_ERROR", "Traceback: No module named 'voluptuous'")
    code, result, dummy = run(capsys)
    assert code == 1 and "Failed to import the required Python library (voluptuous)" in result["msg"]
    assert len(mocked.calls) == 0


def test_credentials_from_environment(capsys, api, monkeypatch):
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_ID", "pool-1")
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_SECRET", KEY_SECRET)
    monkeypatch.setenv("GENAUTH_HOST", HOST)
    api.post(API + "trigger-webhook", json=envelope({"response": 1}))
    code, result, dummy = run(capsys, host=None, access_key_id=None, access_key_secret=None)
    assert code == 0 and result["response"] == 1
    assert json.loads(api.calls[0].request.body)["accessKeySecret"] == KEY_SECRET


def test_plain_http_to_a_remote_host_warns(capsys, mocked):
    mocked.post("http://genauth.test/api/v3/get-management-token", json=token_reply())
    mocked.get("http://genauth.test/api/v3/get-webhook", json=envelope(WEBHOOK))
    dummy, result, dummy = run(capsys, host="http://genauth.test", _ansible_check_mode=True)
    assert any("plain http" in warning for warning in warnings_of(result))


def test_task_token_wins_over_key_pair_in_environment(capsys, mocked, monkeypatch):
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_ID", "pool-1")
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_SECRET", KEY_SECRET)
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope({"response": 1}))
    code, result, dummy = run(capsys, access_key_id=None, access_key_secret=None, access_token=TOKEN)
    assert code == 0, result
    assert not [c for c in mocked.calls if c.request.url.endswith("/get-management-token")]
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer " + TOKEN


def test_key_id_in_task_with_secret_from_environment(capsys, api, monkeypatch):
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_SECRET", KEY_SECRET)
    monkeypatch.setenv("GENAUTH_ACCESS_TOKEN", TOKEN)  # ignored: the task chose the key pair
    api.post(API + "trigger-webhook", json=envelope({"response": 1}))
    code, result, out = run(capsys, access_key_secret=None)
    assert code == 0, result
    assert json.loads(api.calls[0].request.body)["accessKeySecret"] == KEY_SECRET
    assert KEY_SECRET not in out


def test_both_kinds_in_environment_are_refused(capsys, mocked, monkeypatch):
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_ID", "pool-1")
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_SECRET", KEY_SECRET)
    monkeypatch.setenv("GENAUTH_ACCESS_TOKEN", TOKEN)
    code, result, out = run(capsys, access_key_id=None, access_key_secret=None)
    assert code == 1 and "not both" in result["msg"] and len(mocked.calls) == 0
    assert KEY_SECRET not in out and TOKEN not in out


def test_retry_warnings_never_show_secrets(capsys, mocked):
    # A gateway page that echoes the secret the module just sent, then a success.
    mocked.post(API + "get-management-token", status=503, body="echo " + KEY_SECRET, headers={"Retry-After": "0"})
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", status=503, body="echo " + TOKEN, headers={"Retry-After": "0"})
    mocked.get(API + "get-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "trigger-webhook", json=envelope({"response": 1}))
    code, result, out = run(capsys)
    assert code == 0 and len(warnings_of(result)) == 2
    assert KEY_SECRET not in out and TOKEN not in out


def test_webhook_answer_that_is_not_an_object(capsys, mocked):
    mocked.post(API + "get-management-token", json=token_reply())
    mocked.get(API + "get-webhook", json=envelope(["not", "a", "webhook"]))
    code, result, dummy = run(capsys)
    assert code == 1 and "without the expected object" in result["msg"] and not triggers(mocked)


def test_unexpected_errors_fail_cleanly(capsys, api, monkeypatch):
    from ansible_collections.genauth.management.plugins.module_utils import _webhooks

    def broken(self, *args, **kwargs):
        raise RuntimeError("surprise")
    monkeypatch.setattr(_webhooks.WebhookAPI, "trigger", broken)
    code, result, dummy = run(capsys)
    assert code == 1 and result["msg"].startswith("Unexpected RuntimeError: surprise.")
    assert result["webhook_id"] == "wh1"


# Several webhooks in one task (webhooks, concurrency)

def webhook_reply(request):
    webhook_id = dict(pair.split("=") for pair in request.url.split("?", 1)[1].split("&"))["webhookId"]
    if webhook_id == "missing":
        return 200, {}, json.dumps({"statusCode": 404, "message": "Webhook not found", "apiCode": 1404,
                                    "requestId": "r404"})
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


def run_many(capsys, webhooks, **args):
    return run(capsys, webhook_id=None, webhooks=webhooks, **args)


def test_webhooks_results_in_input_order_with_one_token(capsys, many):
    items = [dict(webhook_id="wh%d" % n, request_body={"n": n}) for n in range(12)]
    code, result, out = run_many(capsys, items, concurrency=4)
    assert code == 0 and result["changed"] is True and "response" not in result
    assert [entry["webhook_id"] for entry in result["results"]] == ["wh%d" % n for n in range(12)]
    for n, entry in enumerate(result["results"]):
        assert entry["failed"] is False and entry["msg"] == "Triggered" and entry["status_code"] == 200
        assert entry["response"]["for"] == "wh%d" % n and entry["response"]["body"] == {"n": n}
        assert entry["response"]["echo"] != "whsec-wh%d" % n and entry["webhook"]["secret"] == "********"
    token_calls = [c for c in many.calls if c.request.url.endswith("/get-management-token")]
    assert len(token_calls) == 1 and len(triggers(many)) == 12
    for n in range(12):
        assert "whsec-wh%d" % n not in out
    assert KEY_SECRET not in out and TOKEN not in out


def test_webhooks_every_item_is_tried_and_the_task_names_the_failures(capsys, many):
    items = [dict(webhook_id="wh1"), dict(webhook_id="missing"), dict(webhook_id="wh3")]
    code, result, dummy = run_many(capsys, items)
    assert code == 1 and result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("1 of 3 webhooks failed: [1] missing: ") and "Webhook not found" in result["msg"]
    assert [e["failed"] for e in result["results"]] == [False, True, False]
    assert [w for w in warnings_of(result) if w.startswith("Webhook missing failed: ")]
    failed = result["results"][1]
    assert (failed["status_code"], failed["api_code"], failed["request_id"]) == (404, 1404, "r404")
    assert sorted(json.loads(c.request.body)["webhookId"] for c in triggers(many)) == ["wh1", "wh3"]


def test_webhooks_check_mode_triggers_nothing(capsys, many):
    code, result, dummy = run_many(capsys, [dict(webhook_id="wh1", request_body={"v": 1}), dict(webhook_id="wh2")],
                                   _ansible_check_mode=True)
    assert code == 0 and result["changed"] is True and triggers(many) == []
    assert [e["request"] for e in result["results"]] == [{"webhookId": "wh1", "requestBody": {"v": 1}},
                                                         {"webhookId": "wh2"}]
    assert {e["msg"] for e in result["results"]} == {"Would trigger (check mode)"}


def test_webhooks_bad_credentials_fail_once_before_any_webhook(capsys, mocked):
    mocked.post(API + "get-management-token", json={"statusCode": 401, "message": "bad key", "requestId": "r"})
    code, result, dummy = run_many(capsys, [dict(webhook_id="wh1"), dict(webhook_id="wh2")])
    assert code == 1 and result["msg"].startswith("None of the 2 webhooks was triggered: ") and "bad key" in result["msg"]
    assert [(e["webhook_id"], e["failed"], e["status_code"]) for e in result["results"]] == [
        ("wh1", True, 401), ("wh2", True, 401)]
    assert warnings_of(result) == [result["msg"]]
    assert [c.request.url.rsplit("/", 1)[1] for c in mocked.calls] == ["get-management-token"]


def test_webhooks_retry_per_item(capsys, many):
    many.replace("POST", API + "trigger-webhook", status=503, headers={"Retry-After": "0"})
    code, result, dummy = run_many(capsys, [dict(webhook_id="wh1"), dict(webhook_id="wh2")], retries=1)
    assert code == 1 and len(triggers(many)) == 4  # each item: the first try and one retry
    assert all("HTTP 503" in e["msg"] and e["http_status"] == 503 for e in result["results"])
    retried = sorted(w.split(":")[0] for w in warnings_of(result) if "retry 1 of 1" in w)
    assert retried == ["GenAuth trigger-webhook for webhook wh1", "GenAuth trigger-webhook for webhook wh2"]


def test_webhooks_unexpected_error_of_one_item_keeps_the_others(capsys, many, monkeypatch):
    original = genauth_webhook_trigger.WebhookAPI.trigger

    def flaky(self, webhook_id, *args):
        if webhook_id == "wh2":
            raise KeyError("boom")
        return original(self, webhook_id, *args)

    monkeypatch.setattr(genauth_webhook_trigger.WebhookAPI, "trigger", flaky)
    code, result, dummy = run_many(capsys, [dict(webhook_id="wh1"), dict(webhook_id="wh2")])
    assert code == 1 and [e["failed"] for e in result["results"]] == [False, True]
    assert "Unexpected KeyError" in result["results"][1]["msg"] and "bug in genauth.management" in result["msg"]


@pytest.mark.parametrize("args, rule", [
    (dict(webhooks=[dict(webhook_id="ok"), dict(webhook_id="a b")]), "webhooks[1]['webhook_id']: must not contain"),
    (dict(webhooks=[dict(webhook_id="ok", request_headers={"X-A": "1\n2"})]),
     "webhooks[0]['request_headers']['X-A']: value must not contain CR or LF"),
    (dict(webhooks=[dict(webhook_id="ok", request_body="[]")]), "webhooks[0]['request_body']: must be a JSON object"),
    (dict(webhooks=[]), "webhooks: must list at least one webhook"),
    (dict(webhooks=[dict(webhook_id="ok")] * 1001), "webhooks: lists 1001 webhooks; the limit is 1000"),
    (dict(webhooks=[dict(webhook_id="ok")], concurrency=0), "concurrency: must be between 1 and 32"),
    (dict(webhooks=[dict(webhook_id="ok")], concurrency=33), "concurrency: must be between 1 and 32"),
    (dict(webhooks=[dict(webhook_id="ok")], webhook_id="wh1"), "mutually exclusive: webhook_id|webhooks"),
    (dict(webhooks=[dict(webhook_id="ok")], request_body={"a": 1}), "mutually exclusive: request_body|webhooks"),
    (dict(webhooks=None), "one of the following is required: webhook_id, webhooks"),
    (dict(webhooks=[dict(request_body={})]), "missing required arguments: webhook_id"),
])
def test_webhooks_invalid_input_is_refused_before_any_call(capsys, mocked, args, rule):
    code, result, dummy = run(capsys, **dict(dict(webhook_id=None), **args))
    assert code == 1 and rule in result["msg"] and len(mocked.calls) == 0
