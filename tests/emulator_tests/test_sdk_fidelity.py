"""The official `genauth` Python SDK (5.1.0) works against the emulator unchanged.

If the SDK's exact requests are accepted and its expectations about the answers
hold, the emulator speaks the same wire format as the real Management API.
"""

from __future__ import annotations

import json

import pytest

genauth = pytest.importorskip("genauth")
from genauth import ManagementClient  # noqa: E402

WEBHOOK_DTO_FIELDS = {"webhookId", "createdAt", "updatedAt", "name", "url", "contentType",
                      "enabled", "events", "secret"}


@pytest.fixture
def sdk(fresh, monkeypatch):
    """SDK clients for the seeded pool, ``sdk(secret)`` with another key secret. The SDK's requests honour proxy
    variables, so loopback is exempted explicitly."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")
    return lambda secret=fresh.access_key_secret: ManagementClient(
        access_key_id=fresh.access_key_id, access_key_secret=secret, host=fresh.emulator_url)


@pytest.fixture
def client(sdk):
    return sdk()


def test_trigger_webhook(client, fresh):
    answer = client.trigger_webhook(fresh.webhooks["deploy"], request_headers={"X-Deploy": "1"},
                                    request_body={"version": "1.2.3"})
    assert answer["statusCode"] == 200
    assert answer["data"]["response"] == {"received": True, "delivery": 1}

    # The SDK's exact request was accepted: body with None fields dropped, its headers.
    [token_call] = fresh.emulator.requests("get-management-token")
    assert json.loads(token_call["body"]) == {"accessKeyId": fresh.access_key_id,
                                              "accessKeySecret": fresh.access_key_secret}
    [call] = fresh.emulator.requests("trigger-webhook")
    assert json.loads(call["body"]) == {"webhookId": fresh.webhooks["deploy"], "requestHeaders": {"X-Deploy": "1"},
                                        "requestBody": {"version": "1.2.3"}}
    assert call["headers"]["authorization"].startswith("Bearer ")
    assert call["headers"]["x-genauth-userpool-id"] == fresh.userpool_id
    assert call["headers"]["x-genauth-sdk-version"].startswith("genauth-py-sdk:")


def test_trigger_webhook_without_optional_fields(client, fresh):
    assert client.trigger_webhook(fresh.webhooks["deploy"])["statusCode"] == 200
    [call] = fresh.emulator.requests("trigger-webhook")
    assert json.loads(call["body"]) == {"webhookId": fresh.webhooks["deploy"]}


def test_get_webhook(client, fresh):
    answer = client.get_webhook(fresh.webhooks["form"])
    assert answer["statusCode"] == 200
    assert set(answer["data"]) == WEBHOOK_DTO_FIELDS
    assert answer["data"]["contentType"] == "application/x-www-form-urlencoded"


def test_list_webhooks(client, fresh):
    default = client.list_webhooks()
    assert default["statusCode"] == 200 and default["data"]["totalCount"] == 4
    page = client.list_webhooks(page=2, limit=3)["data"]
    assert page["totalCount"] == 4 and len(page["list"]) == 1
    assert all(set(hook) == WEBHOOK_DTO_FIELDS for hook in default["data"]["list"])


def test_create_webhook(client, fresh):
    answer = client.create_webhook(content_type="application/json", events=["test", "login"],
                                   url=fresh.receiver_url + "/created", name="created")
    assert answer["statusCode"] == 200
    hook = answer["data"]
    assert hook["events"] == ["test", "login"] and hook["enabled"] is True
    assert client.trigger_webhook(hook["webhookId"])["statusCode"] == 200
    assert fresh.receiver.deliveries()[0]["path"] == "/created"


def test_update_delete_logs_and_events(client, fresh):
    webhook_id = fresh.webhooks["deploy"]
    assert client.update_webhook(webhook_id, enabled=False)["data"]["enabled"] is False
    client.trigger_webhook(webhook_id)
    logs = client.get_webhook_logs(webhook_id, page=1, limit=10)
    assert logs["statusCode"] == 200 and logs["data"]["totalCount"] == 1
    events = client.get_webhook_event_list()["data"]
    assert "test" in {event["value"] for event in events["events"]}
    deleted = client.delete_webhook([webhook_id])
    assert deleted["statusCode"] == 200 and deleted["data"] is None


def test_wrong_secret_is_the_sdk_error(fresh, sdk):
    from genauth.GenAuthException import GenAuthException

    with pytest.raises(GenAuthException):
        sdk("wrong").trigger_webhook(fresh.webhooks["deploy"])
    assert fresh.receiver.deliveries() == []


def test_the_webhook_lifecycle_as_the_sdk_and_the_collection_send_it(client, fresh):
    """create, update (partial), list, logs and delete, with the SDK's exact requests, and the answers the
    collection's genauth_webhook and genauth_webhook_info read."""
    created = client.create_webhook(content_type="application/json", events=["user:created"],
                                    url=fresh.receiver_url + "/sdk", name="sdk", enabled=True, secret="sdk-secret")
    hook = created["data"]
    assert created["statusCode"] == 200 and hook["secret"] == "sdk-secret" and hook["enabled"] is True
    [call] = fresh.emulator.requests("create-webhook")
    assert json.loads(call["body"]) == {"name": "sdk", "url": fresh.receiver_url + "/sdk", "events": ["user:created"],
                                        "contentType": "application/json", "enabled": True, "secret": "sdk-secret"}

    updated = client.update_webhook(hook["webhookId"], events=["user:created", "login"])["data"]
    assert updated["events"] == ["user:created", "login"]
    assert {key: updated[key] for key in ("name", "url", "contentType", "enabled", "secret")} == {
        key: hook[key] for key in ("name", "url", "contentType", "enabled", "secret")}
    [call] = fresh.emulator.requests("update-webhook")
    assert json.loads(call["body"]) == {"webhookId": hook["webhookId"], "events": ["user:created", "login"]}

    listed = client.list_webhooks(page=1, limit=50)["data"]
    assert listed["totalCount"] == 5 and hook["webhookId"] in {item["webhookId"] for item in listed["list"]}

    assert client.trigger_webhook(hook["webhookId"], request_body={"n": 1})["statusCode"] == 200
    logs = client.get_webhook_logs(hook["webhookId"], page=1, limit=50)["data"]
    assert logs["totalCount"] == 1 and logs["list"][0]["requestHeaders"]["x-authing-webhook-secret"] == "sdk-secret"
    assert set(logs["list"][0]) >= {"webhookId", "eventName", "requestBody", "requestHeaders", "responseStatusCode",
                                    "responseHeaders", "responseBody", "timestamp", "success", "errorMessage"}

    assert client.delete_webhook([hook["webhookId"], "ffffffffffffffffffffffff"])["statusCode"] == 200
    assert client.get_webhook(hook["webhookId"])["statusCode"] == 404
