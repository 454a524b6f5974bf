"""What the trigger module decides itself, through main() with HTTP mocked at the requests level.

The documented playbook contract (results, chaining, check mode, failures named, refusals) is the
genauth_webhook_trigger ansible-test target's; faults are the scenarios' (test_fault_scenarios.py for the HTTP
answers, the fault matrix for what needs sockets); the option rules are tested where
they live (_connection, _webhooks); arbitrary input is test_trigger_input_properties.py's.
"""

import json
import re

import pytest

from ansible_collections.genauth.management.plugins.module_utils import _module
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_trigger
from ansible_collections.genauth.management.tests.unit.helpers import (
    API, CONNECTION, KEY_SECRET, TOKEN, WEBHOOK, calls_to, envelope, query, run_module, token_reply, warnings_of,
)


def run(**args):
    return run_module(genauth_webhook_trigger, {**CONNECTION, "webhook_id": "wh1", **args})


def test_user_agent_names_the_collection_ansible_core_and_python(api):
    run()
    assert re.match(r"^genauth\.management \(ansible-core/[\w.]+; python/\d+\.\d+\.\d+\)$",
                    api.calls[-1].request.headers["User-Agent"])


def test_a_disabled_webhook_is_triggered_with_a_warning(api):
    api.replace("GET", API + "get-webhook", json=envelope(dict(WEBHOOK, enabled=False)))
    code, result, dummy = run()
    assert code == 0 and result["changed"] is True
    assert "Webhook wh1 is disabled; GenAuth may not deliver it." in warnings_of(result)


@pytest.mark.parametrize("host, warned", [("http://genauth.test", True), ("http://127.0.0.1:8080", False)])
def test_plain_http_warns_unless_loopback(mocked, host, warned):
    mocked.post(host + "/api/v3/get-management-token", json=token_reply())
    mocked.get(host + "/api/v3/get-webhook", json=envelope(WEBHOOK))
    dummy, result, dummy = run(host=host, _ansible_check_mode=True)
    assert any("plain http" in warning for warning in warnings_of(result)) is warned


@pytest.mark.parametrize("library", ["requests", "voluptuous"])
def test_a_missing_library_is_reported_before_any_call(mocked, monkeypatch, library):
    monkeypatch.setattr(_module, "%s_IMPORT_ERROR" % library.upper(), "Traceback: No module named %r" % library)
    code, result, dummy = run()
    assert code == 1 and "Failed to import the required Python library (%s)" % library in result["msg"]
    assert len(mocked.calls) == 0


def test_secrets_from_the_environment_are_used_and_masked(api, monkeypatch):
    monkeypatch.setenv("GENAUTH_ACCESS_KEY_SECRET", KEY_SECRET)
    monkeypatch.setenv("GENAUTH_ACCESS_TOKEN", TOKEN)  # ignored: the task chose the key pair
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {"echo": KEY_SECRET}}))
    code, result, out = run(access_key_secret=None)
    assert code == 0, result
    assert json.loads(api.calls[0].request.body)["accessKeySecret"] == KEY_SECRET
    assert result["response"]["echo"] != KEY_SECRET and KEY_SECRET not in out


def test_unexpected_errors_fail_cleanly(api, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("surprise")
    monkeypatch.setattr(genauth_webhook_trigger.WebhookAPI, "trigger", broken)
    code, result, dummy = run()
    assert code == 1 and result["msg"].startswith("Unexpected RuntimeError: surprise.")
    assert result["webhook_id"] == "wh1"


# Several webhooks in one task (webhooks, concurrency)

def webhook_reply(request):
    webhook_id = query(request)["webhookId"]
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


def test_each_webhook_s_own_secret_is_masked_while_items_run_at_once(many):
    items = [dict(webhook_id="wh%d" % n, request_body={"n": n}) for n in range(12)]
    code, result, out = run(webhook_id=None, webhooks=items, concurrency=4)
    assert code == 0 and [entry["response"]["body"] for entry in result["results"]] == [{"n": n} for n in range(12)]
    for n, entry in enumerate(result["results"]):
        assert entry["response"]["echo"] != "whsec-wh%d" % n and entry["webhook"]["secret"] == "********"
        assert "whsec-wh%d" % n not in out


def test_an_unexpected_error_of_one_item_keeps_the_others(many, monkeypatch):
    original = genauth_webhook_trigger.WebhookAPI.trigger

    def flaky(self, webhook_id, *args):
        if webhook_id == "wh2":
            raise KeyError("boom")
        return original(self, webhook_id, *args)

    monkeypatch.setattr(genauth_webhook_trigger.WebhookAPI, "trigger", flaky)
    code, result, dummy = run(webhook_id=None, webhooks=[dict(webhook_id="wh1"), dict(webhook_id="wh2")])
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
def test_the_module_s_own_option_combinations_are_refused_before_any_call(mocked, args, rule):
    code, result, dummy = run(**args)
    assert code == 1 and rule in result["msg"] and len(mocked.calls) == 0


@pytest.mark.parametrize("args, calls", [
    (dict(access_key_id=None, access_key_secret=None, access_token=TOKEN), ["trigger-webhook"]),
    (dict(webhook_id=None, webhooks=[{"webhook_id": "wh1"}, {"webhook_id": "wh2"}]),
     ["get-management-token", "trigger-webhook", "trigger-webhook"]),
], ids=["with a token", "webhooks"])
def test_lookup_webhook_false_only_triggers(api, args, calls):
    code, result, dummy = run(lookup_webhook=False, **args)
    assert code == 0 and result["changed"] is True
    assert all("webhook" not in entry for entry in result.get("results", [result]))
    assert [call.request.url.split("?")[0] for call in api.calls] == [API + name for name in calls]


def test_check_mode_looks_the_webhook_up_even_with_lookup_webhook_false(api):
    code, result, dummy = run(lookup_webhook=False, _ansible_check_mode=True)
    assert code == 0 and result["webhook"]["secret"] == "********"
    assert len(calls_to(api, "get-webhook")) == 1 and not calls_to(api, "trigger-webhook")


def hooks(count):
    return [dict(WEBHOOK, webhookId="wh%03d" % index, name="n%d" % index) for index in range(count)]


def listing(mocked, pool):
    """list-webhooks answering pages of ``pool``, as the API pages them."""
    def page(request):
        number, limit = int(query(request)["page"]), int(query(request)["limit"])
        return 200, {}, json.dumps(envelope({"totalCount": len(pool),
                                             "list": pool[(number - 1) * limit:number * limit]}))
    mocked.add_callback("GET", API + "list-webhooks", callback=page)


@pytest.mark.parametrize("pool_size, wanted, pages, gets", [
    (20, range(0, 20), 1, 0),      # every webhook on the first page: one call instead of 20
    (120, range(0, 120, 7), 3, 0),  # 18 webhooks spread over 3 pages: 3 calls
    (500, [0, 60, 499], 1, 2),     # 10 pages for 2 webhooks still missing: 2 get-webhook calls are fewer
    (60, [0, 1], 1, 0),            # both on the first page, though there are two
])
def test_webhooks_are_looked_up_in_as_few_calls_as_the_api_allows(api, pool_size, wanted, pages, gets):
    pool = hooks(pool_size)
    listing(api, pool)
    api.replace("GET", API + "get-webhook", json=envelope(WEBHOOK))
    items = [{"webhook_id": pool[index]["webhookId"]} for index in wanted]
    code, result, dummy = run(webhook_id=None, webhooks=items)
    assert code == 0, result
    assert len(calls_to(api, "list-webhooks")) == pages and len(calls_to(api, "get-webhook")) == gets
    assert len(calls_to(api, "trigger-webhook")) == len(items)
    assert [entry["webhook"]["secret"] for entry in result["results"]] == ["********"] * len(items)
    # Pages are the API's largest, so they are as few as can be.
    assert all("limit=50" in call.request.url for call in calls_to(api, "list-webhooks"))


def test_a_webhook_no_page_lists_is_reported_by_get_webhook(api):
    listing(api, hooks(3))
    api.replace("GET", API + "get-webhook", json=envelope(status_code=404, message="Webhook not found"))
    code, result, dummy = run(webhook_id=None, webhooks=[{"webhook_id": "wh000"}, {"webhook_id": "gone"}])
    assert code == 1 and result["results"][0]["failed"] is False
    assert result["results"][1]["status_code"] == 404 and "get-webhook" in result["results"][1]["msg"]
    assert len(calls_to(api, "trigger-webhook")) == 1


WITHOUT_SECRET = dict((key, value) for key, value in WEBHOOK.items() if key != "secret")


# The secret must be known to mask it in an answer that echoes it, and a list may leave it out or show it masked.
# One webhook named twice is looked up by id alone (listed None: no list is read).
@pytest.mark.parametrize("listed, triggered, looked_up", [
    (None, ["wh1", "wh1"], ["wh1", "wh1"]),
    (envelope(status_code=403, message="Forbidden"), ["wh1", "wh2"], ["wh1", "wh2"]),
    (envelope({"totalCount": 2, "list": [{"webhookId": ["wh1"]}]}), ["wh1", "wh2"], ["wh1", "wh2"]),
    (envelope({"totalCount": 2, "list": [dict(WITHOUT_SECRET, webhookId=webhook_id) for webhook_id in ("wh1", "wh2")]}),
     ["wh1", "wh2"], ["wh1", "wh2"]),
    (envelope({"totalCount": 2, "list": [WEBHOOK, dict(WEBHOOK, webhookId="wh2", secret="********")]}),
     ["wh1", "wh2"], ["wh2"]),
], ids=["one webhook twice", "list refused", "odd shape", "listed without secrets", "a secret listed masked"])
def test_webhooks_the_list_cannot_vouch_for_are_looked_up_with_get_webhook(api, listed, triggered, looked_up):
    secret = WEBHOOK["secret"]
    if listed:
        api.get(API + "list-webhooks", json=listed)
    api.replace("POST", API + "trigger-webhook",
                json=envelope({"response": {"echo": "got " + secret, secret: "as a key"}}))
    code, result, out = run(webhook_id=None, webhooks=[{"webhook_id": webhook_id} for webhook_id in triggered])
    assert code == 0 and [entry["changed"] for entry in result["results"]] == [True, True]
    assert len(calls_to(api, "list-webhooks")) == (1 if listed else 0)
    assert sorted(query(call.request)["webhookId"] for call in calls_to(api, "get-webhook")) == looked_up
    assert secret not in out and [entry["response"] for entry in result["results"]] == [
        {"echo": "got ********", "********": "as a key"}] * 2


def test_a_secret_the_lookup_does_not_show_keeps_the_answer_out(api):
    api.replace("GET", API + "get-webhook", json=envelope(dict(WEBHOOK, secret="********")))
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": {"mask": "********"}}))
    code, result, out = run()
    assert code == 0 and result["changed"] is True and "response" not in result
    assert result["webhook"]["secret"] == "********" and "VALUE_SPECIFIED" not in json.dumps(result["webhook"])
    assert any("response is left out" in warning for warning in warnings_of(result))


def test_an_unreadable_answer_to_the_trigger_says_it_may_have_been_delivered(api):
    api.replace("POST", API + "trigger-webhook", body="[" * 3000 + "]" * 3000, content_type="application/json")
    code, result, dummy = run()
    assert code == 1 and result["changed"] is True and "Unexpected" not in result["msg"]
    assert "nested too deeply to read" in result["msg"] and "may have been delivered" in result["msg"]


def test_a_deep_answer_is_delivered_and_returned_pruned(api):
    deep = "leaf"
    for dummy in range(500):
        deep = {"a": deep}
    api.replace("POST", API + "trigger-webhook", json=envelope({"response": deep}))
    code, result, dummy = run()
    assert code == 0 and result["changed"] is True and "(omitted: nested more than" in json.dumps(result["response"])
    assert any("nested more than" in warning for warning in warnings_of(result))


def test_a_server_message_reaches_the_result_escaped(api):
    api.replace("GET", API + "get-webhook", json={"statusCode": 500, "requestId": "r",
                                                  "message": "\x1b]0;pwned\x07\r\nok: [localhost]"})
    code, result, out = run()
    assert code == 1 and "\\x1b]0;pwned\\x07\\r\\nok: [localhost]" in result["msg"]
    assert "\x1b" not in out and "\\u001b" not in out
