"""Behaviour of the GenAuth emulator and webhook receiver, over real loopback sockets."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse

import pytest
import requests

from tests.emulator.harness import Servers, closed_port


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def api(servers, method, endpoint, token=None, **kwargs) -> requests.Response:
    return servers.emulator.call(method, endpoint, token, **kwargs)


def data(response: requests.Response):
    """The data of a success envelope."""
    body = response.json()
    assert response.status_code == 200 and body["statusCode"] == 200, body
    return body["data"]


def trigger(servers, token, webhook="deploy", timeout=15, **fields) -> requests.Response:
    """trigger-webhook for a seeded webhook name (or a raw id); fields go into the JSON body."""
    body = {"webhookId": servers.webhooks.get(webhook, webhook), **fields}
    return api(servers, "POST", "trigger-webhook", token, json=body, timeout=timeout)


def assert_error(response: requests.Response, status_code: int, *message_parts: str) -> dict:
    """An HTTP 200 error envelope with the given business statusCode."""
    assert response.status_code == 200
    body = response.json()
    assert body["statusCode"] == status_code, body
    assert isinstance(body["apiCode"], int) and body["requestId"]
    for part in message_parts:
        assert part.lower() in body["message"].lower(), body
    return body


NEW_HOOK = {"name": "n", "url": "http://127.0.0.1/", "events": ["test"], "contentType": "application/json"}


def new_token(servers) -> str:
    return servers.emulator.management_token(servers.access_key_id, servers.access_key_secret)


def event_list(servers, token=None, **kwargs) -> requests.Response:
    return api(servers, "GET", "get-webhook-event-list", token, **kwargs)


# --------------------------------------------------------------------------- tokens


def test_management_token_is_a_scoped_jwt(fresh):
    response = api(fresh, "POST", "get-management-token",
                   json={"accessKeyId": fresh.access_key_id, "accessKeySecret": fresh.access_key_secret})
    assert response.json()["message"] == ""
    answer = data(response)
    assert answer["expires_in"] == 7200
    claims = claims_of(answer["access_token"])
    assert claims["scoped_userpool_id"] == fresh.userpool_id
    assert claims["exp"] - claims["iat"] == 7200 and claims["jti"]


@pytest.mark.parametrize("wrong_field", ["accessKeyId", "accessKeySecret"])
def test_wrong_credentials_are_refused_with_2333(fresh, wrong_field):
    credentials = {"accessKeyId": fresh.access_key_id, "accessKeySecret": fresh.access_key_secret, wrong_field: "wrong"}
    body = assert_error(api(fresh, "POST", "get-management-token", json=credentials), 401)
    assert body["message"] == "Invalid accessKeyId or accessKeySecret" and body["apiCode"] == 2333


@pytest.mark.parametrize("authorization, message", [
    (None, "missing"), ("Bearer", "invalid"), ("Basic abc", "invalid"), ("Bearer not-a-jwt", "invalid")])
def test_bad_bearer_is_401(fresh, authorization, message):
    assert_error(event_list(fresh, headers={"authorization": authorization} if authorization else {}), 401, message)


def test_tampered_token_is_invalid(fresh, token):
    header, payload, signature = token.split(".")
    forged = dict(claims_of(token), scoped_userpool_id=fresh.other_userpool_id)
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert_error(event_list(fresh, f"{header}.{payload}.{signature}"), 401, "invalid")


def test_expired_and_revoked_tokens_are_refused_and_new_ones_work(fresh, token):
    assert fresh.emulator.expire_tokens() >= 1
    assert_error(event_list(fresh, token), 401, "expired")
    second = new_token(fresh)
    fresh.emulator.revoke_tokens()
    assert_error(event_list(fresh, second), 401, "revoked")
    data(event_list(fresh, new_token(fresh)))
    assert token in fresh.emulator.issued_tokens()


def test_lowercase_bearer_scheme_and_header_name_are_accepted(fresh, token):
    data(event_list(fresh, headers={"AUTHORIZATION": f"bearer {token}"}))


@pytest.mark.parametrize("header", ["x-genauth-userpool-id", "x-authing-userpool-id"])
def test_userpool_header_must_match_the_token(fresh, token, header):
    assert_error(event_list(fresh, token, headers={header: fresh.other_userpool_id}), 403, header)
    data(event_list(fresh, token, headers={header: fresh.userpool_id}))


# --------------------------------------------------------------------------- trigger


def test_trigger_delivers_with_headers_and_body_and_returns_receiver_json(fresh, token):
    response = trigger(fresh, token, requestHeaders={"X-Deploy": "1", "User-Agent": "evil",
                                                     "x-authing-webhook-secret": "forged"},
                       requestBody={"version": "1.2.3", "nested": {"a": [1, 2]}})
    assert response.json()["message"] == "Operation successful" and response.json()["requestId"]
    assert data(response) == {"response": {"received": True, "delivery": 1}}
    [delivery] = fresh.receiver.deliveries()
    assert delivery["method"] == "POST" and delivery["path"] == "/hooks/deploy"
    assert delivery["headers"]["user-agent"] == "authing-webhook@2.0"
    assert delivery["headers"]["x-authing-webhook-secret"] == fresh.webhook_secrets["deploy"]
    assert delivery["headers"]["x-authing-userpool-id"] == fresh.userpool_id
    assert delivery["headers"]["content-type"] == "application/json" and delivery["headers"]["x-deploy"] == "1"
    assert delivery["json"] == {"version": "1.2.3", "nested": {"a": [1, 2]}}


def test_a_delivery_carries_the_raw_secret_in_both_headers_of_genauth_s_delivery_log(fresh, token):
    """GenAuth signs nothing: the V3 delivery log shows x-authing-token and x-authing-webhook-secret, each with the
    webhook's secret itself. requestHeaders cannot forge either."""
    data(trigger(fresh, token, requestHeaders={"X-Authing-Token": "forged", "x-authing-webhook-secret": "forged"}))
    [delivery] = fresh.receiver.deliveries()
    for header in ("x-authing-webhook-secret", "x-authing-token"):
        assert delivery["headers"][header] == fresh.webhook_secrets["deploy"], header
    assert "forged" not in json.dumps(delivery["headers"])


@pytest.mark.parametrize("webhook, fields, content_type, received", [
    ("deploy", {}, "application/json", "{}"),  # no requestBody: an empty object
    ("form", {"requestBody": {"version": "2", "n": 3}}, "application/x-www-form-urlencoded", "version=2&n=3"),
    ("disabled", {}, "application/json", "{}"),  # a manual trigger delivers even when the webhook is disabled
], ids=["without-body", "form", "disabled"])
def test_a_trigger_delivers_its_body_as_the_webhook_s_content_type(fresh, token, webhook, fields, content_type,
                                                                   received):
    data(trigger(fresh, token, webhook, **fields))
    [delivery] = fresh.receiver.deliveries()
    assert delivery["path"] == "/hooks/" + webhook and delivery["headers"]["content-type"] == content_type
    assert delivery["body"] == received


def test_a_form_delivery_sends_nested_values_as_json_fields(fresh, token):
    body = {"eventName": "user:created", "data": {"id": "u1", "tags": ["a"]}, "count": 2, "flag": True}
    data(trigger(fresh, token, "form", requestBody=body))
    [delivery] = fresh.receiver.deliveries()
    assert delivery["headers"]["content-type"] == "application/x-www-form-urlencoded"
    fields = dict(urllib.parse.parse_qsl(delivery["body"], strict_parsing=True))
    assert fields == {"eventName": "user:created", "data": json.dumps(body["data"]), "count": "2", "flag": "true"}


def test_an_event_is_delivered_to_each_enabled_webhook_of_the_pool_that_subscribes_to_it(fresh, token):
    """What GenAuth does when something happens: {"eventName", "data"} to the subscribers, in their content type."""
    subscribed = {}
    for name, content_type, enabled, events in (("json", "application/json", True, ["user:created", "login"]),
                                                ("form", "application/x-www-form-urlencoded", True, ["user:created"]),
                                                ("off", "application/json", False, ["user:created"]),
                                                ("other-event", "application/json", True, ["login"])):
        created = data(api(fresh, "POST", "create-webhook", token, json={
            "name": name, "url": "%s/events/%s" % (fresh.receiver_url, name), "events": events,
            "contentType": content_type, "enabled": enabled, "secret": "secret-" + name}))
        subscribed[name] = created["webhookId"]
    fresh.receiver.configure(body={"queued": True})
    deliveries = fresh.emulator.emit_event(fresh.userpool_id, "user:created", {"id": "u1", "username": "ada"})
    assert sorted(d["webhookId"] for d in deliveries) == sorted([subscribed["json"], subscribed["form"]])
    assert all(d["response"] == {"queued": True} for d in deliveries)
    received = {d["path"]: d for d in fresh.receiver.deliveries()}
    assert set(received) == {"/events/json", "/events/form"}
    assert received["/events/json"]["json"] == {"eventName": "user:created", "data": {"id": "u1", "username": "ada"}}
    assert dict(urllib.parse.parse_qsl(received["/events/form"]["body"])) == {
        "eventName": "user:created", "data": json.dumps({"id": "u1", "username": "ada"})}
    for path, delivery in received.items():
        assert delivery["headers"]["x-authing-webhook-secret"] == "secret-" + path.rsplit("/", 1)[1]
        assert delivery["headers"]["user-agent"] == "authing-webhook@2.0"
    # Each delivery is in the webhook's logs, as a trigger's is; another pool's event reaches none of these.
    logs = data(api(fresh, "POST", "get-webhook-logs", token, json={"webhookId": subscribed["json"]}))
    assert [log["eventName"] for log in logs["list"]] == ["user:created"]
    assert fresh.emulator.emit_event(fresh.other_userpool_id, "user:created") == []


@pytest.mark.parametrize("spec, message", [
    ({"userpoolId": "nope", "eventName": "login"}, "unknown userpoolId"),
    ({"eventName": "user:exploded"}, "unknown eventName"),
    ({"eventName": "login", "data": [1]}, "data must be a JSON object"),
    ({"eventName": "login", "extra": 1}, "unknown event field"),
])
def test_an_event_the_emulator_cannot_make_happen_is_refused(fresh, spec, message):
    spec = {"userpoolId": fresh.userpool_id, **spec}
    answer = fresh.emulator.session.post(fresh.emulator_url + "/__emulator__/events", json=spec, timeout=10)
    assert answer.status_code == 400 and message in answer.json()["error"]


def test_an_event_whose_subscriber_cannot_be_reached_reports_the_error(fresh, token):
    data(api(fresh, "POST", "create-webhook", token, json={
        "name": "gone", "url": "http://127.0.0.1:%d/x" % closed_port(), "events": ["login"],
        "contentType": "application/json"}))
    [delivery] = fresh.emulator.emit_event(fresh.userpool_id, "login")
    assert "failed: Connection" in delivery["error"]


def test_receiver_text_and_echo_answers_are_passed_through(fresh, token):
    fresh.receiver.configure(status=500, text="plain <b>oops</b>")
    assert data(trigger(fresh, token)) == {"response": "plain <b>oops</b>"}
    fresh.receiver.configure(body={"echo": True})
    assert data(trigger(fresh, token, requestBody={"k": "v"})) == {
        "response": {"received": True, "delivery": 2, "echo": {"k": "v"}}}


def test_receiver_answers_after_the_configured_latency(fresh, token):
    # Benchmarks set a subscriber latency; a trigger must wait for it and still succeed.
    fresh.receiver.configure(delay=0.3)
    start = time.monotonic()
    assert data(trigger(fresh, token)) == {"response": {"received": True, "delivery": 1}}
    assert time.monotonic() - start >= 0.3
    fresh.receiver.configure(delay=0)
    data(trigger(fresh, token))
    assert len(fresh.receiver.deliveries()) == 2


def test_receiver_gathers_deliveries_and_records_how_many_were_in_flight(fresh, token):
    # Three triggers at once, each held by the receiver until all three are in flight: proof of overlap without a
    # clock.
    fresh.receiver.configure(gather=3)
    threads = [threading.Thread(target=trigger, args=(fresh, token)) for dummy in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(d["in_flight"] for d in fresh.receiver.deliveries()) == [1, 2, 3]
    fresh.receiver.configure()
    trigger(fresh, token)
    assert fresh.receiver.deliveries()[-1]["in_flight"] == 1


@pytest.mark.parametrize("config", [{"delay": -1}, {"delay": "0.1"}, {"delay": True}, {"gather": 0}, {"gather": 1.5}])
def test_receiver_refuses_an_invalid_latency_or_gather(fresh, config):
    with pytest.raises(requests.HTTPError) as raised:
        fresh.receiver.configure(**config)
    assert raised.value.response.status_code == 400
    assert list(config)[0] in raised.value.response.json()["error"]


def test_trigger_is_logged_for_get_webhook_logs(fresh, token):
    fresh.receiver.configure(status=202, body={"ok": 1})
    trigger(fresh, token, requestHeaders={"X-Deploy": "1"}, requestBody={"eventName": "test"})
    logs = data(api(fresh, "POST", "get-webhook-logs", token,
                    json={"webhookId": fresh.webhooks["deploy"], "page": 1, "limit": 10}))
    assert logs["totalCount"] == 1
    [log] = logs["list"]
    assert log["responseStatusCode"] == 202 and log["success"] is True
    assert log["eventName"] == "test" and json.loads(log["responseBody"]) == {"ok": 1}
    # The headers sent, the secret header too.
    assert log["requestHeaders"]["x-authing-webhook-secret"] == fresh.webhook_secrets["deploy"]
    assert log["requestHeaders"]["X-Deploy"] == "1" and log["requestHeaders"]["User-Agent"] == "authing-webhook@2.0"


@pytest.mark.parametrize("webhook, fields, status, message", [
    ("0123456789abcdef01234567", {}, 404, "Webhook not found"),
    ("foreign", {}, 404, "Webhook not found"),
    ("unreachable", {}, 601, "failed: Connection"),
    ("deploy", {"requestHeaders": {"X-A": "caf\u00e9 \u20ac"}}, 601, "UnicodeEncodeError"),  # HTTP cannot carry it
    ("far", {}, 601, "only delivers to loopback"),
], ids=["unknown", "foreign", "unreachable", "header-value", "non-loopback"])
def test_a_trigger_that_cannot_deliver_is_an_error_and_sends_nothing(fresh, token, webhook, fields, status, message):
    if webhook == "foreign":
        webhook = fresh.foreign_webhook_id
    if webhook == "far":
        webhook = data(api(fresh, "POST", "create-webhook", token,
                           json=dict(NEW_HOOK, url="http://192.0.2.10/hook")))["webhookId"]
    body = assert_error(trigger(fresh, token, webhook, **fields), status, message)
    assert body["apiCode"] == {404: 1404, 601: 6001}[status]
    assert fresh.receiver.deliveries() == []


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("endpoint, payload, message", [
    ("get-management-token", {"accessKeyId": "x"}, "accessKeySecret is required"),
    ("trigger-webhook", {"webhookId": "x", "extra": 1}, "Unknown field: extra"),
    ("trigger-webhook", {"webhookId": "x", "requestBody": "text"}, "requestBody must be an object"),
    ("trigger-webhook", {"webhookId": "x", "requestBody": [1]}, "requestBody must be an object"),
    ("trigger-webhook", {"webhookId": "x", "requestHeaders": ["a"]}, "requestHeaders must be an object"),
    ("trigger-webhook", {"webhookId": "x", "requestHeaders": {"bad name": "v"}}, "invalid header name"),
    ("trigger-webhook", {"webhookId": 5}, "webhookId must be a non-empty string"),
    ("trigger-webhook", {"webhookId": ""}, "webhookId must be a non-empty string"),
    ("trigger-webhook", {}, "webhookId is required"),
    ("get-webhook-logs", {"webhookId": "x", "limit": 51}, "limit must be between 1 and 50"),
    ("get-webhook-logs", {"webhookId": "x", "page": "1"}, "page must be an integer"),
    ("create-webhook", dict(NEW_HOOK, url="ftp://127.0.0.1/"), "url must be"),
    ("create-webhook", dict(NEW_HOOK, events=["nope"]), "Unknown event: nope"),
    ("create-webhook", dict(NEW_HOOK, contentType="text/xml"), "contentType must be one of"),
    ("create-webhook", {key: NEW_HOOK[key] for key in ("name", "url", "events")}, "contentType is required"),
    ("delete-webhook", {"webhookIds": "abc"}, "webhookIds must be a list"),
])
def test_invalid_json_requests_are_400(fresh, token, endpoint, payload, message):
    assert_error(api(fresh, "POST", endpoint, token, json=payload), 400, message)
    assert fresh.receiver.deliveries() == []


@pytest.mark.parametrize("params, message", [
    ({"limit": "51"}, "limit must be between 1 and 50"),
    ({"limit": "0"}, "limit must be between 1 and 50"),
    ({"page": "0"}, "page must be >= 1"),
    ({"limit": "ten"}, "limit must be an integer"),
    ({"sort": "x"}, "Unknown field: sort"),
])
def test_invalid_list_queries_are_400(fresh, token, params, message):
    assert_error(api(fresh, "GET", "list-webhooks", token, params=params), 400, message)


@pytest.mark.parametrize("body, content_type, message", [
    ("webhookId=x", "application/x-www-form-urlencoded", "Content-Type must be application/json"),
    ("{nope", "application/json", "not valid JSON"),
    ('["x"]', "application/json", "JSON object"),
], ids=["form-encoded", "not-json", "not-an-object"])
def test_post_needs_json_object_body(fresh, token, body, content_type, message):
    response = api(fresh, "POST", "trigger-webhook", token, data=body, headers={"content-type": content_type})
    assert_error(response, 400, message)


def test_unknown_path_is_404_and_wrong_method_is_405(fresh, token):
    missing = api(fresh, "GET", "no-such-endpoint", token)
    assert missing.status_code == 404 and missing.json()["statusCode"] == 404
    wrong = api(fresh, "GET", "trigger-webhook", token)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"


# --------------------------------------------------------------------------- webhooks

DTO_FIELDS = {"webhookId", "createdAt", "updatedAt", "name", "url", "contentType", "enabled", "events", "secret"}


def test_webhook_crud_and_paging(fresh, token):
    hook = data(api(fresh, "POST", "create-webhook", token, json=dict(
        NEW_HOOK, name="new", url=fresh.receiver_url + "/new", events=["login"], enabled=False, secret="s")))
    assert set(hook) == DTO_FIELDS and len(hook["webhookId"]) == 24 and int(hook["webhookId"], 16) >= 0
    assert data(api(fresh, "GET", "get-webhook", token, params={"webhookId": hook["webhookId"]})) == hook
    updated = data(api(fresh, "POST", "update-webhook", token, json={
        "webhookId": hook["webhookId"], "enabled": True, "events": ["user:created", "user:deleted"]}))
    assert updated["enabled"] is True and updated["events"] == ["user:created", "user:deleted"]
    page = data(api(fresh, "GET", "list-webhooks", token, params={"page": 2, "limit": 3}))
    assert page["totalCount"] == 5 and [h["name"] for h in page["list"]] == ["unreachable", "new"]
    assert data(api(fresh, "POST", "delete-webhook", token,
                    json={"webhookIds": [hook["webhookId"], "ffffffffffffffffffffffff"]})) is None
    assert_error(api(fresh, "GET", "get-webhook", token, params={"webhookId": hook["webhookId"]}), 404)


def test_updates_are_partial_and_names_need_not_be_unique(fresh, token):
    fields = {"name": "twin", "url": fresh.receiver_url + "/twin", "events": ["login", "test", "login"],
              "contentType": "application/x-www-form-urlencoded", "enabled": False, "secret": "s-1"}
    first, second = (data(api(fresh, "POST", "create-webhook", token, json=fields)) for dummy in range(2))
    assert first["webhookId"] != second["webhookId"] and first["events"] == ["login", "test"]
    url = fresh.receiver_url + "/x"
    updated = data(api(fresh, "POST", "update-webhook", token, json={"webhookId": first["webhookId"], "url": url}))
    assert updated == dict(first, url=url, updatedAt=updated["updatedAt"])
    assert_error(api(fresh, "POST", "update-webhook", token, json={"webhookId": first["webhookId"],
                                                                   "events": ["nope"]}), 400, "Unknown event")


def test_event_list_has_the_documented_events(fresh, token):
    answer = data(event_list(fresh, token))
    values = {event["value"] for event in answer["events"]}
    assert {"test", "login", "register", "user:created", "user:updated", "user:deleted"} <= values
    assert {"name", "nameEn", "value"} <= set(answer["categories"][0])


def test_pages_of_at_most_50_over_many_webhooks(fresh, token):
    ids = fresh.emulator.add_webhooks([{"userpoolId": fresh.userpool_id, "name": "bulk-%d" % n,
                                        "url": "http://127.0.0.1:9/h"} for n in range(120)])
    pages = [data(api(fresh, "GET", "list-webhooks", token, params={"page": page, "limit": 50})) for page in (1, 2, 3)]
    assert [page["totalCount"] for page in pages] == [124] * 3 and [len(page["list"]) for page in pages] == [50, 50, 24]
    assert ids[-1] == pages[2]["list"][-1]["webhookId"]
    fresh.emulator.reset()
    assert data(api(fresh, "GET", "list-webhooks", token))["totalCount"] == 4


# --------------------------------------------------------------------------- control API


def test_reset_restores_seed_and_clears_request_log(fresh, token):
    api(fresh, "POST", "delete-webhook", token, json={"webhookIds": [fresh.webhooks["deploy"]]})
    assert fresh.emulator.requests("delete-webhook")
    fresh.emulator.reset()
    assert fresh.emulator.requests() == []
    assert fresh.webhooks["deploy"] in {hook["webhookId"] for hook in fresh.emulator.state()["webhooks"]}


def test_api_latency_slows_every_api_call_until_the_next_reset(fresh, token):
    config = fresh.emulator_url + "/__emulator__/config"
    assert fresh.emulator.configure(api_latency=0.2) == {"api_latency": 0.2}
    started = time.monotonic()
    assert trigger(fresh, token).status_code == 200
    # A floor, not a timing: the emulator sleeps at least this long before it answers.
    assert time.monotonic() - started >= 0.2
    assert fresh.emulator.state()  # the control API itself is not slowed (and not logged)
    fresh.emulator.reset()
    assert fresh.emulator.session.get(config).json() == {"api_latency": 0.0}
    for bad in ({"api_latency": -1}, {"api_latency": True}, {"latency": 1}):
        assert fresh.emulator.session.post(config, json=bad).status_code == 400


def test_request_log_records_what_was_sent(fresh, token):
    trigger(fresh, token, requestBody={"a": 1})
    [entry] = fresh.emulator.requests("trigger-webhook")
    assert entry["method"] == "POST" and entry["path"] == "/api/v3/trigger-webhook"
    assert json.loads(entry["body"])["requestBody"] == {"a": 1}
    assert entry["headers"]["authorization"] == f"Bearer {token}"
    assert entry["statusCode"] == 200 and entry["httpStatus"] == 200


# --------------------------------------------------------------------------- faults

PHASES = pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)], ids=["before", "after"])


@PHASES
@pytest.mark.parametrize("kind, options, status, headers, text", [
    ("http_status", {"status": 429, "retry_after": "2"}, 429, {"Retry-After": "2"}, '"statusCode": 429'),
    ("envelope_status", {"status": 503}, 200, {}, '"statusCode": 503'),
    ("html", {}, 502, {"Content-Type": "text/html"}, "<html>"),
    ("invalid_json", {}, 200, {"Content-Type": "application/json; charset=utf-8"}, '"message": "Operation succ'),
], ids=["http_status", "envelope_status", "html", "invalid_json"])
def test_a_fault_answers_instead_of_the_api_once(fresh, token, kind, options, status, headers, text, phase,
                                                 deliveries):
    fresh.emulator.add_fault("trigger-webhook", kind, phase=phase, **options)
    response = trigger(fresh, token)
    assert response.status_code == status and text in response.text, response.text
    assert headers.items() <= response.headers.items()
    if kind == "envelope_status":
        assert_error(response, 503)
    if kind == "html":
        assert "Bad Gateway" in response.text
    if kind == "invalid_json":
        with pytest.raises(ValueError):
            response.json()
    assert len(fresh.receiver.deliveries()) == deliveries
    assert trigger(fresh, token).status_code == 200  # count 1 is consumed


@PHASES
@pytest.mark.parametrize("kind, error", [
    ("drop", requests.ConnectionError), ("truncate", requests.exceptions.ChunkedEncodingError)], ids=["drop", "truncate"])
def test_a_fault_breaks_the_connection(fresh, token, kind, error, phase, deliveries):
    """drop closes it without an answer; truncate sends the headers and half the body, then closes it."""
    fresh.emulator.add_fault("trigger-webhook", kind, phase=phase)
    with pytest.raises(error):
        trigger(fresh, token)
    assert len(fresh.receiver.deliveries()) == deliveries
    if kind == "drop":
        assert fresh.emulator.requests("trigger-webhook")[0]["statusCode"] is None


@pytest.mark.parametrize("phase", ["before", "after"])
def test_delay_fault_then_normal_answer(fresh, token, phase):
    fresh.emulator.add_fault("trigger-webhook", "delay", delay=0.4, phase=phase)
    started = time.monotonic()
    response = trigger(fresh, token)
    assert time.monotonic() - started >= 0.4
    data(response)
    assert len(fresh.receiver.deliveries()) == 1


def test_delay_after_delivers_even_when_the_client_gives_up(fresh, token):
    fresh.emulator.add_fault("trigger-webhook", "delay", delay=1.0, phase="after")
    with pytest.raises(requests.Timeout):
        trigger(fresh, token, timeout=0.3)
    assert len(fresh.receiver.deliveries()) == 1


def test_a_request_in_flight_at_reset_is_not_logged_after_it(fresh, token):
    fresh.emulator.add_fault("trigger-webhook", "delay", delay=1, phase="after")
    slow = threading.Thread(target=trigger, args=(fresh, token))
    slow.start()
    deadline = time.monotonic() + 5
    while not fresh.receiver.deliveries() and time.monotonic() < deadline:
        time.sleep(0.02)
    fresh.emulator.reset()
    slow.join()
    assert fresh.emulator.requests() == []


def test_fault_count_and_token_endpoint_faults(fresh):
    fresh.emulator.add_fault("get-management-token", "http_401", count=2)
    for _attempt in range(2):
        with pytest.raises(RuntimeError):
            new_token(fresh)
    assert fresh.emulator.faults() == []
    assert new_token(fresh)


def test_fault_on_other_endpoint_does_not_fire(fresh, token):
    fresh.emulator.add_fault("get-webhook", "envelope_status", status=500)
    data(trigger(fresh, token))
    assert_error(api(fresh, "GET", "get-webhook", token, params={"webhookId": fresh.webhooks["deploy"]}), 500)


@pytest.mark.parametrize("endpoint, kind", [("no-such-endpoint", "drop"), ("trigger-webhook", "explode")],
                         ids=["unknown-endpoint", "unknown-kind"])
def test_bad_fault_spec_is_rejected(fresh, endpoint, kind):
    with pytest.raises(requests.HTTPError):
        fresh.emulator.add_fault(endpoint, kind)


# --------------------------------------------------------------------------- TLS


def test_tls_works_with_the_test_ca(fresh_tls):
    assert fresh_tls.emulator_url.startswith("https://127.0.0.1:")
    data(trigger(fresh_tls, new_token(fresh_tls)))


@pytest.mark.parametrize("verify", ["system", "other"])
def test_tls_fails_without_the_test_ca(fresh_tls, verify):
    session = requests.Session()
    session.trust_env = False
    session.verify = fresh_tls.other_ca_path if verify == "other" else True
    with pytest.raises(requests.exceptions.SSLError):
        session.post(f"{fresh_tls.emulator_url}/api/v3/get-management-token", json={}, timeout=5)
    assert fresh_tls.other_ca_path != fresh_tls.ca_path


# --------------------------------------------------------------------------- short timeouts


@pytest.fixture(scope="module")
def quick_servers(tmp_path_factory):
    """Servers with a 1 s token lifetime and a 1 s delivery timeout."""
    with Servers(tmp_path_factory.mktemp("quick"), token_ttl=1, delivery_timeout=1) as running:
        yield running


def test_token_expires_after_its_ttl(quick_servers):
    token = new_token(quick_servers)
    assert claims_of(token)["exp"] - claims_of(token)["iat"] == 1
    time.sleep(2.05)
    assert_error(event_list(quick_servers, token), 401, "expired")


def test_slow_subscriber_is_603(quick_servers):
    # Token times are whole seconds, so a 1 s token fetched late in a second may expire at once: start a second.
    time.sleep(1 - time.time() % 1)
    token = new_token(quick_servers)
    quick_servers.receiver.configure(delay=1.5)
    try:
        assert_error(trigger(quick_servers, token), 603, "timed out")
    finally:
        quick_servers.receiver.reset()
