"""What genauth_webhook_info decides, through main() with HTTP mocked at the requests level: every page, the
selection, has_secret, logs redacted and paged, the event list, and that nothing is ever written.

The documented playbook contract (120 webhooks listed against the emulator, logs of real deliveries, the secret
scan at -vvvv) is the genauth_webhook_info ansible-test target's.
"""

import pytest

from ansible_collections.genauth.management.plugins.module_utils._resource import SECRET_MASK
from ansible_collections.genauth.management.plugins.modules import genauth_webhook_info
from ansible_collections.genauth.management.tests.unit.helpers import CONNECTION, KEY_SECRET, run_module
from ansible_collections.genauth.management.tests.unit.plugins.modules.fake_genauth import EVENTS, FakeGenAuth

SECRET = "whsec-Yp27-current"


def hook(number, **fields):
    return dict({"webhookId": "wh%d" % number, "name": "hook %d" % number, "url": "https://h.example/%d" % number,
                 "contentType": "application/json", "enabled": True, "events": ["test"], "secret": "",
                 "createdAt": "t0", "updatedAt": "t0"}, **fields)


def log(number, header="x-authing-webhook-secret"):
    return {"webhookId": "wh1", "eventName": "test", "requestBody": {"n": number, "echo": "got " + SECRET},
            "requestHeaders": {header: SECRET, "X-Authing-Token": SECRET, "x-GENAUTH-token": SECRET,
                               "X-GenAuth-Webhook-Secret": SECRET, "user-agent": "authing-webhook@2.0"},
            "responseStatusCode": 200, "responseHeaders": {}, "responseBody": "ok", "timestamp": "t%d" % number,
            "success": True, "errorMessage": None}


def run(**args):
    """main(); neither secret is in what it prints, whatever it does."""
    code, result, out = run_module(genauth_webhook_info, {**CONNECTION, "_ansible_check_mode": False, **args})
    assert KEY_SECRET not in out and SECRET not in out
    return code, result


def test_every_page_is_read(mocked):
    fake = FakeGenAuth(mocked, [hook(number) for number in range(120)])
    code, result = run()
    assert code == 0 and result["changed"] is False
    assert [webhook["webhookId"] for webhook in result["webhooks"]] == ["wh%d" % number for number in range(120)]
    assert [params for name, params in fake.calls] == [{"page": "1", "limit": "50"}, {"page": "2", "limit": "50"},
                                                       {"page": "3", "limit": "50"}]


def test_secrets_are_masked_and_has_secret_says_whether_there_is_one(mocked):
    FakeGenAuth(mocked, [hook(1, secret=SECRET), hook(2)])
    code, result = run()
    assert [(hook["secret"], hook["has_secret"]) for hook in result["webhooks"]] == [(SECRET_MASK, True), ("", False)]


@pytest.mark.parametrize("args, selected", [
    (dict(name="same"), ["wh1", "wh2"]), (dict(webhook_id="wh3"), ["wh3"]),
    (dict(webhook_id="nope", logs=True), []), (dict(name="nope"), []),
])
def test_select_by_id_with_get_webhook_or_by_name(mocked, args, selected):
    fake = FakeGenAuth(mocked, [hook(1, name="same"), hook(2, name="same"), hook(3)])
    assert [webhook["webhookId"] for webhook in run(**args)[1]["webhooks"]] == selected
    assert (fake.names()[-1] == "get-webhook") is ("webhook_id" in args)


@pytest.mark.parametrize("header", ["x-authing-webhook-secret", "X-Authing-Webhook-Secret", "X-AUTHING-WEBHOOK-SECRET"])
def test_logs_are_redacted_in_any_case(mocked, header):
    FakeGenAuth(mocked, [hook(1, secret=SECRET)], logs={"wh1": [log(1, header)]})
    code, result = run(webhook_id="wh1", logs=True)
    [entry] = result["webhooks"][0]["logs"]
    headers = entry["requestHeaders"]
    assert headers[header] == headers["X-Authing-Token"] == headers["x-GENAUTH-token"] == SECRET_MASK
    assert headers["X-GenAuth-Webhook-Secret"] == SECRET_MASK and headers["user-agent"] == "authing-webhook@2.0"
    assert entry["requestBody"] == {"n": 1, "echo": "got " + SECRET_MASK}


def test_logs_limit_reads_only_the_pages_it_needs(mocked):
    fake = FakeGenAuth(mocked, [hook(1, secret=SECRET)], logs={"wh1": [log(number) for number in range(130)]})
    code, result = run(webhook_id="wh1", logs=True, logs_limit=60)
    assert [entry["requestBody"]["n"] for entry in result["webhooks"][0]["logs"]] == list(range(60))
    assert [params.get("page") for name, params in fake.calls if name == "get-webhook-logs"] == [1, 2]
    code, result = run(webhook_id="wh1", logs=True)
    assert len(result["webhooks"][0]["logs"]) == 20
    code, result = run(webhook_id="wh1")
    assert "logs" not in result["webhooks"][0]


def test_event_list(mocked):
    FakeGenAuth(mocked, [])
    code, result = run(event_list=True)
    assert code == 0 and [event["value"] for event in result["event_list"]["events"]] == EVENTS
    assert "event_list" not in run()[1]


@pytest.mark.parametrize("check_mode", [False, True])
def test_nothing_is_ever_written(mocked, check_mode):
    fake = FakeGenAuth(mocked, [hook(1, secret=SECRET)], logs={"wh1": [log(1)]})
    code, result = run(logs=True, event_list=True, _ansible_check_mode=check_mode)
    assert code == 0 and result["changed"] is False and fake.writes() == []
    assert len(result["webhooks"][0]["logs"]) == 1


@pytest.mark.parametrize("args, message", [
    (dict(logs_limit=201), "logs_limit: must be between 1 and 200"),
    (dict(logs_limit=0), "logs_limit: must be between 1 and 200"),
    (dict(webhook_id="a", name="b"), "mutually exclusive"),
    (dict(webhook_id="a b"), "webhook_id: must not contain whitespace"),
])
def test_invalid_options_are_refused_before_any_call(mocked, args, message):
    FakeGenAuth(mocked)
    code, result = run(**args)
    assert code == 1 and message in result["msg"] and len(mocked.calls) == 0
