import json

import pytest

from ansible_collections.genauth.management.plugins.module_utils._auth import StaticToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    SECRET_MASK, WebhookAPI, mask_webhook, normalize_webhook, trigger_payload,
)
from ansible_collections.genauth.management.tests.unit.helpers import API, HOST, TOKEN, envelope

WEBHOOK = {"webhookId": "wh1", "name": "n", "url": "https://h.example/x", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": "whsec", "createdAt": "2024-01-01T00:00:00Z"}


@pytest.fixture
def api():
    return WebhookAPI(GenAuthClient(HOST, StaticToken(TOKEN)))


def sent(call):
    return json.loads(call.request.body) if call.request.body else None


def test_trigger_payload_omits_what_was_not_given():
    assert trigger_payload("wh1") == {"webhookId": "wh1"}
    assert trigger_payload("wh1", {"X-Deploy": "1"}, {"version": "1.2.3"}) == {
        "webhookId": "wh1", "requestHeaders": {"X-Deploy": "1"}, "requestBody": {"version": "1.2.3"}}


def test_every_endpoint_is_called_as_the_sdk_does(mocked, api):
    mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": 1}}))
    mocked.get(API + "get-webhook", json=envelope(dict(WEBHOOK, events='["test", "login"]')))
    mocked.get(API + "list-webhooks", json=envelope({"totalCount": 1, "list": [WEBHOOK]}))
    mocked.post(API + "create-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "update-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "delete-webhook", json=envelope(None))
    mocked.post(API + "get-webhook-logs", json=envelope({"totalCount": 0, "list": []}))
    mocked.get(API + "get-webhook-event-list", json=envelope({"categories": [], "events": []}))

    assert api.trigger("wh1", request_body={"a": 1}).data == {"response": {"ok": 1}}
    assert api.get("wh1")["events"] == ["test", "login"]
    assert api.list(page=2)["list"][0]["webhookId"] == "wh1"
    assert api.create("n", "https://h.example/x", ["test"], "application/json")["secret"] == "whsec"
    api.update("wh1", enabled=False)
    assert api.delete(["wh1", "unknown"]) is None
    assert api.logs("wh1", limit=5) == {"totalCount": 0, "list": []}
    assert api.event_list() == {"categories": [], "events": []}

    calls = mocked.calls
    assert sent(calls[0]) == {"webhookId": "wh1", "requestBody": {"a": 1}}
    assert calls[1].request.url.endswith("/get-webhook?webhookId=wh1") and calls[1].request.method == "GET"
    assert calls[2].request.url.endswith("/list-webhooks?page=2")
    assert sent(calls[3]) == {"name": "n", "url": "https://h.example/x", "events": ["test"], "contentType": "application/json"}
    assert sent(calls[4]) == {"webhookId": "wh1", "enabled": False}
    assert sent(calls[5]) == {"webhookIds": ["wh1", "unknown"]}
    assert sent(calls[6]) == {"webhookId": "wh1", "limit": 5}
    assert calls[7].request.method == "GET"


@pytest.mark.parametrize("events, expected", [
    (["a"], ["a"]), ('["a", "b"]', ["a", "b"]), ("a, b", ["a", "b"]), ('"a"', ["a"]), (None, None),
])
def test_events_are_always_a_list(events, expected):
    assert normalize_webhook(dict(WEBHOOK, events=events))["events"] == expected


def test_mask_webhook_hides_only_the_secret():
    masked = mask_webhook(WEBHOOK)
    assert masked["secret"] == SECRET_MASK and WEBHOOK["secret"] == "whsec"
    assert dict(masked, secret="whsec") == WEBHOOK
    assert mask_webhook(dict(WEBHOOK, secret=""))["secret"] == ""
    assert mask_webhook(None) is None


@pytest.mark.parametrize("data", [None, [], "text", 5])
def test_get_and_list_refuse_answers_without_an_object(mocked, api, data):
    from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
    mocked.get(API + "get-webhook", json=envelope(data))
    mocked.get(API + "list-webhooks", json=envelope(data))
    with pytest.raises(GenAuthError, match="get-webhook answered statusCode 200 without the expected object"):
        api.get("wh1")
    with pytest.raises(GenAuthError, match="list-webhooks answered statusCode 200 without the expected object"):
        api.list()
