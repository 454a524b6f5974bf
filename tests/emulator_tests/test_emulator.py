"""Behaviour of the GenAuth emulator and webhook receiver, over real loopback sockets."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse

import pytest
import requests

from tests.emulator.harness import Servers


def claims_of(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def api(servers, method, endpoint, token=None, **kwargs) -> requests.Response:
    return servers.emulator.call(method, endpoint, token, **kwargs)


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


# --------------------------------------------------------------------------- tokens


def test_management_token_is_a_scoped_jwt(fresh):
    response = api(fresh, "POST", "get-management-token",
                   json={"accessKeyId": fresh.access_key_id,
                         "accessKeySecret": fresh.access_key_secret})
    body = response.json()
    assert response.status_code == 200
    assert body["statusCode"] == 200 and body["message"] == ""
    assert body["data"]["expires_in"] == 7200
    claims = claims_of(body["data"]["access_token"])
    assert claims["scoped_userpool_id"] == fresh.userpool_id
    assert claims["exp"] - claims["iat"] == 7200 and claims["jti"]


@pytest.mark.parametrize("wrong_field", ["accessKeyId", "accessKeySecret"])
def test_wrong_credentials_are_refused_with_2333(fresh, wrong_field):
    credentials = {"accessKeyId": fresh.access_key_id, "accessKeySecret": fresh.access_key_secret}
    credentials[wrong_field] = "wrong"
    body = assert_error(api(fresh, "POST", "get-management-token", json=credentials), 401)
    assert body["message"] == "Invalid accessKeyId or accessKeySecret"
    assert body["apiCode"] == 2333


def test_missing_credential_field_is_400(fresh):
    assert_error(api(fresh, "POST", "get-management-token",
                     json={"accessKeyId": fresh.access_key_id}), 400, "accessKeySecret")


@pytest.mark.parametrize("authorization, message", [
    (None, "missing"),
    ("Bearer", "invalid"),
    ("Basic abc", "invalid"),
    ("Bearer not-a-jwt", "invalid"),
])
def test_bad_bearer_is_401(fresh, authorization, message):
    headers = {"authorization": authorization} if authorization else {}
    assert_error(api(fresh, "GET", "get-webhook-event-list", headers=headers), 401, message)


def test_tampered_token_is_invalid(fresh, token):
    header, payload, signature = token.split(".")
    forged = dict(claims_of(token), scoped_userpool_id=fresh.other_userpool_id)
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert_error(api(fresh, "GET", "get-webhook-event-list", f"{header}.{payload}.{signature}"),
                 401, "invalid")


def test_expired_and_revoked_tokens_are_refused_and_new_ones_work(fresh, token):
    assert fresh.emulator.expire_tokens() >= 1
    assert_error(api(fresh, "GET", "get-webhook-event-list", token), 401, "expired")
    second = fresh.emulator.management_token(fresh.access_key_id, fresh.access_key_secret)
    fresh.emulator.revoke_tokens()
    assert_error(api(fresh, "GET", "get-webhook-event-list", second), 401, "revoked")
    third = fresh.emulator.management_token(fresh.access_key_id, fresh.access_key_secret)
    assert api(fresh, "GET", "get-webhook-event-list", third).json()["statusCode"] == 200


def test_lowercase_bearer_scheme_and_header_name_are_accepted(fresh, token):
    response = api(fresh, "GET", "get-webhook-event-list", headers={"AUTHORIZATION": f"bearer {token}"})
    assert response.json()["statusCode"] == 200


@pytest.mark.parametrize("header", ["x-genauth-userpool-id", "x-authing-userpool-id"])
def test_userpool_header_must_match_the_token(fresh, token, header):
    mismatch = api(fresh, "GET", "get-webhook-event-list", token,
                   headers={header: fresh.other_userpool_id})
    assert_error(mismatch, 403, header)
    match = api(fresh, "GET", "get-webhook-event-list", token, headers={header: fresh.userpool_id})
    assert match.json()["statusCode"] == 200


# --------------------------------------------------------------------------- trigger


def test_trigger_delivers_with_headers_and_body_and_returns_receiver_json(fresh, token):
    response = trigger(fresh, token, requestHeaders={"X-Deploy": "1", "User-Agent": "evil",
                                                     "x-authing-webhook-secret": "forged"},
                       requestBody={"version": "1.2.3", "nested": {"a": [1, 2]}})
    body = response.json()
    assert response.status_code == 200
    assert body["statusCode"] == 200 and body["message"] == "Operation successful"
    assert body["requestId"]
    assert body["data"] == {"response": {"received": True, "delivery": 1}}

    [delivery] = fresh.receiver.deliveries()
    headers = delivery["headers"]
    assert delivery["method"] == "POST" and delivery["path"] == "/hooks/deploy"
    assert headers["user-agent"] == "authing-webhook@2.0"
    assert headers["x-authing-webhook-secret"] == fresh.webhook_secrets["deploy"]
    assert headers["x-authing-userpool-id"] == fresh.userpool_id
    assert headers["content-type"] == "application/json"
    assert headers["x-deploy"] == "1"
    assert delivery["json"] == {"version": "1.2.3", "nested": {"a": [1, 2]}}


def test_trigger_without_body_sends_empty_object(fresh, token):
    assert trigger(fresh, token).json()["statusCode"] == 200
    assert fresh.receiver.deliveries()[0]["body"] == "{}"


def test_trigger_form_webhook_sends_form_encoding(fresh, token):
    assert trigger(fresh, token, "form", requestBody={"version": "2", "n": 3}).json()["statusCode"] == 200
    [delivery] = fresh.receiver.deliveries()
    assert delivery["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert urllib.parse.parse_qs(delivery["body"]) == {"version": ["2"], "n": ["3"]}


def test_disabled_webhook_is_still_delivered_on_manual_trigger(fresh, token):
    assert trigger(fresh, token, "disabled").json()["statusCode"] == 200
    assert [d["path"] for d in fresh.receiver.deliveries()] == ["/hooks/disabled"]


def test_receiver_text_and_echo_answers_are_passed_through(fresh, token):
    fresh.receiver.configure(status=500, text="plain <b>oops</b>")
    assert trigger(fresh, token).json()["data"] == {"response": "plain <b>oops</b>"}
    fresh.receiver.configure(body={"echo": True})
    data = trigger(fresh, token, requestBody={"k": "v"}).json()["data"]
    assert data == {"response": {"received": True, "delivery": 2, "echo": {"k": "v"}}}


def test_receiver_answers_after_the_configured_latency(fresh, token):
    # Benchmarks set a subscriber latency; a trigger must wait for it and still succeed.
    fresh.receiver.configure(delay=0.3)
    start = time.monotonic()
    response = trigger(fresh, token)
    elapsed = time.monotonic() - start
    assert response.json()["data"] == {"response": {"received": True, "delivery": 1}}
    assert elapsed >= 0.3
    fresh.receiver.configure(delay=0)
    assert trigger(fresh, token).json()["statusCode"] == 200
    assert len(fresh.receiver.deliveries()) == 2


def test_receiver_gathers_deliveries_and_records_how_many_were_in_flight(fresh, token):
    # Three triggers at once, each held by the receiver until all three are in flight: proof of overlap
    # without a clock.
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
    trigger(fresh, token, requestBody={"eventName": "test"})
    body = api(fresh, "POST", "get-webhook-logs", token,
               json={"webhookId": fresh.webhooks["deploy"], "page": 1, "limit": 10}).json()
    assert body["data"]["totalCount"] == 1
    [log] = body["data"]["list"]
    assert log["responseStatusCode"] == 202 and log["success"] is True
    assert log["eventName"] == "test" and json.loads(log["responseBody"]) == {"ok": 1}


def test_unknown_and_foreign_webhooks_are_404(fresh, token):
    body = assert_error(trigger(fresh, token, "0123456789abcdef01234567"), 404, "Webhook not found")
    assert body["apiCode"] == 1404
    assert_error(trigger(fresh, token, fresh.foreign_webhook_id), 404)
    assert fresh.receiver.deliveries() == []


def test_unreachable_subscriber_is_601(fresh, token):
    body = assert_error(trigger(fresh, token, "unreachable"), 601, "failed")
    assert "Connection" in body["message"]


def test_header_values_http_cannot_carry_fail_the_delivery(fresh, token):
    assert_error(trigger(fresh, token, requestHeaders={"X-A": "caf\u00e9 \u20ac"}), 601, "UnicodeEncodeError")
    assert fresh.receiver.deliveries() == []


def test_non_loopback_subscriber_is_refused_without_traffic(fresh, token):
    created = api(fresh, "POST", "create-webhook", token,
                  json={"name": "far", "url": "http://192.0.2.10/hook", "events": ["test"],
                        "contentType": "application/json"}).json()["data"]
    assert_error(trigger(fresh, token, created["webhookId"]), 601, "only delivers to loopback")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("endpoint, payload, message", [
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
    ("create-webhook", {"name": "n", "url": "ftp://127.0.0.1/", "events": ["test"],
                        "contentType": "application/json"}, "url must be"),
    ("create-webhook", {"name": "n", "url": "http://127.0.0.1/", "events": ["nope"],
                        "contentType": "application/json"}, "Unknown event: nope"),
    ("create-webhook", {"name": "n", "url": "http://127.0.0.1/", "events": ["test"],
                        "contentType": "text/xml"}, "contentType must be one of"),
    ("create-webhook", {"name": "n", "url": "http://127.0.0.1/", "events": ["test"]},
     "contentType is required"),
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


def test_post_needs_json_object_body(fresh, token):
    assert_error(api(fresh, "POST", "trigger-webhook", token, data="webhookId=x",
                     headers={"content-type": "application/x-www-form-urlencoded"}),
                 400, "Content-Type must be application/json")
    assert_error(api(fresh, "POST", "trigger-webhook", token, data="{nope",
                     headers={"content-type": "application/json"}), 400, "not valid JSON")
    assert_error(api(fresh, "POST", "trigger-webhook", token, json=["x"]), 400, "JSON object")


def test_unknown_path_is_404_and_wrong_method_is_405(fresh, token):
    missing = api(fresh, "GET", "no-such-endpoint", token)
    assert missing.status_code == 404 and missing.json()["statusCode"] == 404
    wrong = api(fresh, "GET", "trigger-webhook", token)
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "POST"


# --------------------------------------------------------------------------- webhook CRUD


def test_webhook_crud_and_paging(fresh, token):
    dto_fields = {"webhookId", "createdAt", "updatedAt", "name", "url", "contentType",
                  "enabled", "events", "secret"}
    created = api(fresh, "POST", "create-webhook", token,
                  json={"name": "new", "url": fresh.receiver_url + "/new", "events": ["login"],
                        "contentType": "application/json", "enabled": False, "secret": "s"}).json()
    hook = created["data"]
    assert created["statusCode"] == 200 and set(hook) == dto_fields
    assert len(hook["webhookId"]) == 24 and int(hook["webhookId"], 16) >= 0

    got = api(fresh, "GET", "get-webhook", token, params={"webhookId": hook["webhookId"]}).json()
    assert got["data"] == hook
    updated = api(fresh, "POST", "update-webhook", token,
                  json={"webhookId": hook["webhookId"], "enabled": True,
                        "events": ["user:created", "user:deleted"]}).json()["data"]
    assert updated["enabled"] is True and updated["events"] == ["user:created", "user:deleted"]

    page = api(fresh, "GET", "list-webhooks", token, params={"page": 2, "limit": 3}).json()["data"]
    assert page["totalCount"] == 5 and [h["name"] for h in page["list"]] == ["unreachable", "new"]

    deleted = api(fresh, "POST", "delete-webhook", token,
                  json={"webhookIds": [hook["webhookId"], "ffffffffffffffffffffffff"]}).json()
    assert deleted["statusCode"] == 200 and deleted["data"] is None
    assert_error(api(fresh, "GET", "get-webhook", token, params={"webhookId": hook["webhookId"]}), 404)


def test_event_list_has_the_documented_events(fresh, token):
    data = api(fresh, "GET", "get-webhook-event-list", token).json()["data"]
    values = {event["value"] for event in data["events"]}
    assert {"test", "login", "register", "user:created", "user:updated", "user:deleted"} <= values
    assert {"name", "nameEn", "value"} <= set(data["categories"][0])


def test_reset_restores_seed_and_clears_request_log(fresh, token):
    api(fresh, "POST", "delete-webhook", token, json={"webhookIds": [fresh.webhooks["deploy"]]})
    assert fresh.emulator.requests("delete-webhook")
    fresh.emulator.reset()
    assert fresh.emulator.requests() == []
    ids = {hook["webhookId"] for hook in fresh.emulator.state()["webhooks"]}
    assert fresh.webhooks["deploy"] in ids


def test_api_latency_slows_every_api_call_until_the_next_reset(fresh, token):
    assert fresh.emulator.configure(api_latency=0.2) == {"api_latency": 0.2}
    started = time.monotonic()
    assert trigger(fresh, token).status_code == 200
    # A floor, not a timing: the emulator sleeps at least this long before it answers.
    assert time.monotonic() - started >= 0.2
    assert fresh.emulator.state()  # the control API itself is not slowed (and not logged)
    fresh.emulator.reset()
    assert fresh.emulator.session.get(fresh.emulator_url + "/__emulator__/config").json() == {"api_latency": 0.0}
    for bad in ({"api_latency": -1}, {"api_latency": True}, {"latency": 1}):
        assert fresh.emulator.session.post(fresh.emulator_url + "/__emulator__/config", json=bad).status_code == 400


def test_request_log_records_what_was_sent(fresh, token):
    trigger(fresh, token, requestBody={"a": 1})
    [entry] = fresh.emulator.requests("trigger-webhook")
    assert entry["method"] == "POST" and entry["path"] == "/api/v3/trigger-webhook"
    assert json.loads(entry["body"])["requestBody"] == {"a": 1}
    assert entry["headers"]["authorization"] == f"Bearer {token}"
    assert entry["statusCode"] == 200 and entry["httpStatus"] == 200


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)])
def test_http_status_fault_with_retry_after(fresh, token, phase, deliveries):
    fresh.emulator.add_fault("trigger-webhook", "http_status", status=429, retry_after="2",
                             phase=phase)
    response = trigger(fresh, token)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert len(fresh.receiver.deliveries()) == deliveries
    assert trigger(fresh, token).status_code == 200  # count 1 is consumed


@pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)])
def test_envelope_status_fault(fresh, token, phase, deliveries):
    fresh.emulator.add_fault("trigger-webhook", "envelope_status", status=503, phase=phase)
    assert_error(trigger(fresh, token), 503)
    assert len(fresh.receiver.deliveries()) == deliveries


@pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)])
def test_html_fault(fresh, token, phase, deliveries):
    fresh.emulator.add_fault("trigger-webhook", "html", phase=phase)
    response = trigger(fresh, token)
    assert response.status_code == 502 and response.headers["Content-Type"] == "text/html"
    assert "<html>" in response.text and "Bad Gateway" in response.text
    assert len(fresh.receiver.deliveries()) == deliveries


@pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)])
def test_invalid_json_fault(fresh, token, phase, deliveries):
    fresh.emulator.add_fault("trigger-webhook", "invalid_json", phase=phase)
    response = trigger(fresh, token)
    assert response.status_code == 200 and "application/json" in response.headers["Content-Type"]
    with pytest.raises(ValueError):
        response.json()
    assert len(fresh.receiver.deliveries()) == deliveries


@pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)])
def test_drop_fault(fresh, token, phase, deliveries):
    fresh.emulator.add_fault("trigger-webhook", "drop", phase=phase)
    with pytest.raises(requests.ConnectionError):
        trigger(fresh, token)
    assert len(fresh.receiver.deliveries()) == deliveries
    assert fresh.emulator.requests("trigger-webhook")[0]["statusCode"] is None


@pytest.mark.parametrize("phase, deliveries", [("before", 0), ("after", 1)])
def test_truncate_fault_breaks_the_answer_mid_body(fresh, token, phase, deliveries):
    fresh.emulator.add_fault("trigger-webhook", "truncate", phase=phase)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        trigger(fresh, token)
    assert len(fresh.receiver.deliveries()) == deliveries


def test_issued_tokens_are_listed(fresh, token):
    assert token in fresh.emulator.issued_tokens()


@pytest.mark.parametrize("phase", ["before", "after"])
def test_delay_fault_then_normal_answer(fresh, token, phase):
    fresh.emulator.add_fault("trigger-webhook", "delay", delay=0.4, phase=phase)
    started = time.monotonic()
    response = trigger(fresh, token)
    assert time.monotonic() - started >= 0.4
    assert response.json()["statusCode"] == 200
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
            fresh.emulator.management_token(fresh.access_key_id, fresh.access_key_secret)
    assert fresh.emulator.faults() == []
    assert fresh.emulator.management_token(fresh.access_key_id, fresh.access_key_secret)


def test_fault_on_other_endpoint_does_not_fire(fresh, token):
    fresh.emulator.add_fault("get-webhook", "envelope_status", status=500)
    assert trigger(fresh, token).json()["statusCode"] == 200
    assert_error(api(fresh, "GET", "get-webhook", token,
                     params={"webhookId": fresh.webhooks["deploy"]}), 500)


def test_bad_fault_spec_is_rejected(fresh):
    with pytest.raises(requests.HTTPError):
        fresh.emulator.add_fault("no-such-endpoint", "drop")
    with pytest.raises(requests.HTTPError):
        fresh.emulator.add_fault("trigger-webhook", "explode")


# --------------------------------------------------------------------------- TLS


def test_tls_works_with_the_test_ca(fresh_tls):
    assert fresh_tls.emulator_url.startswith("https://127.0.0.1:")
    token = fresh_tls.emulator.management_token(fresh_tls.access_key_id,
                                                fresh_tls.access_key_secret)
    response = fresh_tls.emulator.call("POST", "trigger-webhook", token,
                                       json={"webhookId": fresh_tls.webhooks["deploy"]})
    assert response.json()["statusCode"] == 200


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
    token = quick_servers.emulator.management_token(quick_servers.access_key_id,
                                                    quick_servers.access_key_secret)
    assert claims_of(token)["exp"] - claims_of(token)["iat"] == 1
    time.sleep(2.05)
    assert_error(api(quick_servers, "GET", "get-webhook-event-list", token), 401, "expired")


def test_slow_subscriber_is_603(quick_servers):
    # Token times are whole seconds, so a 1 s token fetched late in a second may expire at once: start a second.
    time.sleep(1 - time.time() % 1)
    token = quick_servers.emulator.management_token(quick_servers.access_key_id,
                                                    quick_servers.access_key_secret)
    quick_servers.receiver.configure(delay=1.5)
    try:
        assert_error(trigger(quick_servers, token), 603, "timed out")
    finally:
        quick_servers.receiver.reset()


def test_updates_are_partial_names_need_not_be_unique_and_unknown_deletes_are_fine(fresh, token):
    fields = {"name": "twin", "url": fresh.receiver_url + "/twin", "events": ["login", "test", "login"],
              "contentType": "application/x-www-form-urlencoded", "enabled": False, "secret": "s-1"}
    first = api(fresh, "POST", "create-webhook", token, json=fields).json()["data"]
    second = api(fresh, "POST", "create-webhook", token, json=fields).json()["data"]
    assert first["webhookId"] != second["webhookId"] and first["events"] == ["login", "test"]
    updated = api(fresh, "POST", "update-webhook", token, json={"webhookId": first["webhookId"], "url": fresh.receiver_url + "/x"}).json()["data"]
    assert updated == dict(first, url=fresh.receiver_url + "/x", updatedAt=updated["updatedAt"])
    assert_error(api(fresh, "POST", "update-webhook", token, json={"webhookId": first["webhookId"], "events": ["nope"]}), 400, "Unknown event")
    assert api(fresh, "POST", "delete-webhook", token, json={"webhookIds": ["ffffffffffffffffffffffff"]}).json()["statusCode"] == 200


def test_delivery_logs_record_the_headers_sent_with_the_secret_header(fresh, token):
    trigger(fresh, token, requestHeaders={"X-Deploy": "1"})
    [log] = api(fresh, "POST", "get-webhook-logs", token, json={"webhookId": fresh.webhooks["deploy"]}).json()["data"]["list"]
    assert log["requestHeaders"]["x-authing-webhook-secret"] == fresh.webhook_secrets["deploy"]
    assert log["requestHeaders"]["X-Deploy"] == "1" and log["requestHeaders"]["User-Agent"] == "authing-webhook@2.0"
    assert_error(api(fresh, "POST", "get-webhook-logs", token, json={"webhookId": fresh.webhooks["deploy"], "limit": 51}), 400)


def test_pages_of_at_most_50_over_many_webhooks(fresh, token):
    ids = fresh.emulator.add_webhooks([{"userpoolId": fresh.userpool_id, "name": "bulk-%d" % n, "url": "http://127.0.0.1:9/h"}
                                       for n in range(120)])
    pages = [api(fresh, "GET", "list-webhooks", token, params={"page": page, "limit": 50}).json()["data"] for page in (1, 2, 3)]
    assert [page["totalCount"] for page in pages] == [124] * 3 and [len(page["list"]) for page in pages] == [50, 50, 24]
    assert ids[-1] == pages[2]["list"][-1]["webhookId"]
    assert_error(api(fresh, "GET", "list-webhooks", token, params={"limit": 51}), 400)
    fresh.emulator.reset()
    assert api(fresh, "GET", "list-webhooks", token).json()["data"]["totalCount"] == 4
