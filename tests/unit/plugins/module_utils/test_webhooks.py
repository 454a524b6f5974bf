import json

import pytest

from ansible_collections.genauth.management.plugins.module_utils._auth import StaticToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient
from ansible_collections.genauth.management.plugins.module_utils._declared import (
    DECLARED_RULES, EVENT_SUGGESTIONS, catalogue_names, creation_fields, plan_update, unknown_events,
)
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import SECRET_MASK
from ansible_collections.genauth.management.plugins.module_utils._resource import find_by_name
from ansible_collections.genauth.management.plugins.module_utils._trigger import (
    MAX_BODY_BYTES, TRIGGER_RULES, trigger_list, trigger_payload,
)
from ansible_collections.genauth.management.plugins.module_utils._validation import build_schema, validate
from ansible_collections.genauth.management.plugins.module_utils._webhook_info import redact_log
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    MAX_WEBHOOKS, PAGE_LIMIT, TRIGGER_WEBHOOK, WebhookAPI, mask_webhook, normalize_webhook, secret_known, webhook_result,
)
from ansible_collections.genauth.management.tests.unit.helpers import API, HOST, TOKEN, envelope, query, refusal

WEBHOOK = {"webhookId": "wh1", "name": "n", "url": "https://h.example/x", "contentType": "application/json",
           "enabled": True, "events": ["test"], "secret": "whsec", "createdAt": "2024-01-01T00:00:00Z"}


@pytest.fixture
def webhook_api():
    return WebhookAPI(GenAuthClient(HOST, StaticToken(TOKEN)))


def sent(call):
    return json.loads(call.request.body) if call.request.body else None


def test_trigger_payload_omits_what_was_not_given():
    assert trigger_payload("wh1") == {"webhookId": "wh1"}
    assert trigger_payload("wh1", {"X-Deploy": "1"}, {"version": "1.2.3"}) == {
        "webhookId": "wh1", "requestHeaders": {"X-Deploy": "1"}, "requestBody": {"version": "1.2.3"}}


def test_every_endpoint_is_called_as_the_sdk_does(mocked, webhook_api):
    mocked.post(API + "trigger-webhook", json=envelope({"response": {"ok": 1}}))
    mocked.get(API + "get-webhook", json=envelope(dict(WEBHOOK, events='["test", "login"]')))
    mocked.get(API + "list-webhooks", json=envelope({"totalCount": 1, "list": [WEBHOOK]}))
    mocked.post(API + "create-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "update-webhook", json=envelope(WEBHOOK))
    mocked.post(API + "delete-webhook", json=envelope(None))
    mocked.post(API + "get-webhook-logs", json=envelope({"totalCount": 0, "list": []}))
    mocked.get(API + "get-webhook-event-list", json=envelope({"categories": [], "events": []}))

    assert webhook_api.trigger("wh1", trigger_payload("wh1", request_body={"a": 1})).data == {"response": {"ok": 1}}
    assert webhook_api.get("wh1")["events"] == ["test", "login"]
    assert webhook_api.list(page=2)["list"][0]["webhookId"] == "wh1"
    assert webhook_api.create("n", "https://h.example/x", ["test"], "application/json")["secret"] == "whsec"
    webhook_api.update("wh1", enabled=False)
    assert webhook_api.delete(["wh1", "unknown"]) is None
    assert webhook_api.logs("wh1", limit=5) == ([], 0)
    assert webhook_api.event_list() == {"categories": [], "events": []}

    calls = mocked.calls
    assert sent(calls[0]) == {"webhookId": "wh1", "requestBody": {"a": 1}}
    assert calls[1].request.url.endswith("/get-webhook?webhookId=wh1") and calls[1].request.method == "GET"
    assert calls[2].request.url.endswith("/list-webhooks?page=2")
    assert sent(calls[3]) == {"name": "n", "url": "https://h.example/x", "events": ["test"],
                              "contentType": "application/json"}
    assert sent(calls[4]) == {"webhookId": "wh1", "enabled": False}
    assert sent(calls[5]) == {"webhookIds": ["wh1", "unknown"]}
    assert sent(calls[6]) == {"webhookId": "wh1", "limit": 5}
    assert calls[7].request.method == "GET"


@pytest.mark.parametrize("count, total, pages", [
    (0, 0, 1), (49, 49, 1), (50, 50, 1), (51, 51, 2), (120, 120, 3),
    (100, 100, 2),  # a full last page: totalCount says it is the last, no empty page is asked for
    (100, 500, 3),  # totalCount larger than what the server has: a short (empty) page ends the sweep
    (120, "many", 3),  # no usable totalCount: short pages alone decide
])
def test_list_all_reads_every_page_and_stops(mocked, webhook_api, count, total, pages):
    webhooks = [dict(WEBHOOK, webhookId="wh%d" % index) for index in range(count)]

    def page(request):
        limit = int(query(request)["limit"])
        start = (int(query(request)["page"]) - 1) * limit
        return 200, {}, json.dumps(envelope({"totalCount": total, "list": webhooks[start:start + limit]}))

    mocked.add_callback("GET", API + "list-webhooks", callback=page)
    assert [webhook["webhookId"] for webhook in webhook_api.list_all()] == ["wh%d" % index for index in range(count)]
    calls = [call for call in mocked.calls if "list-webhooks" in call.request.url]
    assert len(calls) == pages
    assert all("limit=%d" % PAGE_LIMIT in call.request.url for call in calls)


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
def test_get_and_list_refuse_answers_without_an_object(mocked, webhook_api, data):
    mocked.get(API + "get-webhook", json=envelope(data))
    mocked.get(API + "list-webhooks", json=envelope(data))
    with pytest.raises(GenAuthError, match="get-webhook answered statusCode 200 without the expected object"):
        webhook_api.get("wh1")
    with pytest.raises(GenAuthError, match="list-webhooks answered statusCode 200 without the expected object"):
        webhook_api.list()


def test_trigger_hints_name_the_request_body_and_the_subscriber():
    assert "send a smaller request_body" in TRIGGER_WEBHOOK.hints[413]
    assert all("check the webhook's url" in TRIGGER_WEBHOOK.hints[code] for code in (601, 602, 603))


# What a trigger may send ----------------------------------------------------------------------------------------

SCHEMA = build_schema(dict(TRIGGER_RULES, webhooks=trigger_list))


def check(**options):
    return validate(SCHEMA, dict(dict(webhook_id="wh1"), **options))


def refused(**options):
    return refusal(SCHEMA, dict(dict(webhook_id="wh1"), **options))


def test_headers_and_body_are_normalised():
    result = check(request_headers={"X-Num": 1, "X-Flag": True, "X-Off": False, "X-F": 1.5, "X-S": "caf\u00e9\tok"},
                   request_body='{"version": "1.2.3"}')
    assert result["request_headers"] == {"X-Num": "1", "X-Flag": "true", "X-Off": "false", "X-F": "1.5",
                                         "X-S": "caf\u00e9\tok"}
    assert result["request_body"] == {"version": "1.2.3"}


@pytest.mark.parametrize("headers, rule", [
    ({"X-A": "a\r\nb"}, "request_headers['X-A']: value must not contain CR or LF"),
    ({"X-A": "a\nb"}, "request_headers['X-A']: value must not contain CR or LF"),
    ({"X-A": "a\x00b"}, "request_headers['X-A']: value must not contain NUL"),
    ({"X-A": "a\x07b"}, "request_headers['X-A']: value must not contain control characters"),
    ({"X-A": "caf\u00e9 \u20ac"}, "request_headers['X-A']: value must contain only Latin-1"),
    ({"Bad Name": "x"}, "request_headers['Bad Name']: is not a valid HTTP header name"),
    ({"X-A\r\nInjected": "x"}, "is not a valid HTTP header name"),
    ({"": "x"}, "request_headers['']: is not a valid HTTP header name"),
    ({"X-A\n": "x"}, "is not a valid HTTP header name"),
    ({"X-A": ["list"]}, "request_headers['X-A']: value must be a string, number or boolean, not list"),
    ({"X-A": None}, "request_headers['X-A']: value must be a string, number or boolean, not NoneType"),
    ({"X-A": "1", "x-a": "2"}, "duplicates header 'X-A'"),
    ("X-A: 1", "request_headers: must be a dictionary of header name to value"),
])
def test_bad_headers(headers, rule):
    assert rule in refused(request_headers=headers)


@pytest.mark.parametrize("body, rule", [
    ("[1, 2]", "request_body: must be a JSON object, but the string holds an array"),
    ('"text"', "request_body: must be a JSON object, but the string holds a string"),
    ("{not json", "request_body: must be a JSON object, but the string is not valid JSON"),
    ("", "request_body: must be a JSON object, but the string is not valid JSON"),
    ([1, 2], "request_body: must be a JSON object (a dictionary), not an array"),
    (5, "request_body: must be a JSON object (a dictionary), not a number"),
    (True, "request_body: must be a JSON object (a dictionary), not a boolean"),
    ({"n": float("nan")}, "request_body: must contain only JSON values"),
    ({"s": {1, 2}}, "request_body: must contain only JSON values"),
])
def test_bad_body(body, rule):
    assert rule in refused(request_body=body)


def test_body_size_limit():
    fits = {"x": "a" * (MAX_BODY_BYTES - len(json.dumps({"x": ""}, separators=(",", ":"))))}
    assert check(request_body=fits)["request_body"] == fits
    assert "request_body: is %d bytes as JSON; the limit is %d bytes" % (MAX_BODY_BYTES + 1, MAX_BODY_BYTES) in refused(
        request_body={"x": fits["x"] + "a"})


def test_a_list_of_webhooks_holds_each_item_to_the_rules_of_one():
    items = [{"webhook_id": "wh1", "request_body": '{"a": 1}'}, {"webhook_id": "wh2", "request_headers": {"X": 1}}]
    assert check(webhook_id=None, webhooks=items)["webhooks"] == [
        {"webhook_id": "wh1", "request_body": {"a": 1}}, {"webhook_id": "wh2", "request_headers": {"X": "1"}}]
    assert "webhooks[1]['request_headers']['X']: value must not contain CR or LF" in refused(
        webhook_id=None, webhooks=[{"webhook_id": "wh1"}, {"webhook_id": "wh2", "request_headers": {"X": "a\nb"}}])
    assert "webhooks: lists %d webhooks; the limit is %d per task" % (MAX_WEBHOOKS + 1, MAX_WEBHOOKS) in refused(
        webhook_id=None, webhooks=[{"webhook_id": "wh1"}] * (MAX_WEBHOOKS + 1))


# ---------------------------------------------------------------------------------------------- a declared webhook


@pytest.mark.parametrize("option, value, message", [
    ("name", "", "name: must be a non-empty string"),
    ("name", "a\x07b", "name: must not contain control characters"),
    ("url", "hooks.example.com", "url: must start with http:// or https://"),
    ("url", "https://", "url: must name a host"),
    ("url", "https://h.example:99999/", "url: has an invalid host or port"),
    ("url", "https://h.example/a b", "url: must not contain whitespace"),
    ("events", [], "events: must list at least one event name"),
    ("events", ["test", ""], "events[1]: must be an event name"),
    ("secret", "", "secret: must be a non-empty string"),
    ("secret", "a\r\nb", "secret: must not contain control characters"),
    ("secret", "\u5bc6\u94a5", "secret: must contain only Latin-1 characters"),
    ("webhook_id", "a b", "webhook_id: must not contain whitespace"),
])
def test_declared_webhook_rules(option, value, message):
    assert message in refusal(build_schema(DECLARED_RULES), {option: value})


def test_declared_values_are_normalised():
    checked = validate(build_schema(DECLARED_RULES), {"events": ["b", "a", "b"], "url": "http://127.0.0.1:8/h",
                                                      "secret": "caf\u00e9-s3cret"})
    assert checked["events"] == ["b", "a"] and checked["url"] == "http://127.0.0.1:8/h"


def test_defaults_apply_on_create_only():
    options = {"name": "n", "url": "https://h.example/", "events": ["test"], "content_type": None, "enabled": None,
               "secret": None, "update_secret": "always"}
    assert creation_fields(options) == {"name": "n", "url": "https://h.example/", "events": ["test"],
                                        "contentType": "application/json", "enabled": True, "secret": None}
    existing = dict(WEBHOOK, contentType="application/x-www-form-urlencoded", enabled=False, url="https://h.example/")
    assert plan_update(existing, dict(options, name="n")) == ({}, False)


def test_unknown_events_name_the_closest_valid_ones():
    known = ["test", "login", "register", "user:created", "user:updated", "user:deleted"]
    assert unknown_events(["test", "login"], known) is None
    message = unknown_events(["user:creatd", "registr", "@@@"], known)
    assert message.startswith("events: unknown events 'user:creatd' (did you mean 'user:created'")
    assert "'registr' (did you mean 'register'?)" in message and "'@@@' (no similar event)" in message
    assert message.count("did you mean") == 2
    assert unknown_events(["logn"], known, "webhooks[1]['events']").startswith("webhooks[1]['events']: unknown event 'logn'")
    suggestions = message.split("did you mean ")[1].split("?")[0].split(", ")
    assert 1 <= len(suggestions) <= EVENT_SUGGESTIONS


@pytest.mark.parametrize("event_list, names", [
    ({"events": [{"value": "test"}, {"value": 3}, "login", None]}, ["test", "login"]),
    ({"events": "test"}, []), (None, []), ([], []),
])
def test_catalogue_names_tolerate_odd_answers(event_list, names):
    assert catalogue_names(event_list) == names


def test_recent_logs_read_pages_of_the_page_limit(mocked, webhook_api):
    for page in (1, 2):
        mocked.post(API + "get-webhook-logs", json=envelope({"totalCount": 120, "list": [{"n": page}] * PAGE_LIMIT}))
    assert len(webhook_api.recent_logs("wh1", 60)) == 60
    assert [sent(call) for call in mocked.calls] == [
        {"webhookId": "wh1", "page": 1, "limit": PAGE_LIMIT}, {"webhookId": "wh1", "page": 2, "limit": PAGE_LIMIT}]


def test_find_by_id_treats_404_as_none_and_reports_other_errors(mocked, webhook_api):
    mocked.get(API + "get-webhook", json={"statusCode": 404, "message": "not found", "requestId": "r"})
    mocked.get(API + "get-webhook", json={"statusCode": 403, "message": "forbidden", "requestId": "r"})
    mocked.get(API + "get-webhook", status=404, body="<html>Not Found</html>", content_type="text/html")
    assert webhook_api.find(webhook_id="wh1") == []
    with pytest.raises(GenAuthError, match="forbidden"):
        webhook_api.find(webhook_id="wh1")
    # A proxy's or a wrong host path's HTTP 404 is not GenAuth saying there is no such webhook.
    with pytest.raises(GenAuthError, match="HTTP 404"):
        webhook_api.find(webhook_id="wh1")


def test_webhook_result_masks_and_says_whether_there_is_a_secret():
    assert webhook_result(WEBHOOK) == dict(WEBHOOK, secret=SECRET_MASK, has_secret=True)
    assert webhook_result(dict(WEBHOOK, secret=""))["has_secret"] is False
    assert webhook_result(None) == {} and webhook_result({}) == {}


@pytest.mark.parametrize("data, problem", [
    ({"totalCount": 1, "list": "wh1"}, "data.list is a string, not an array"),
    ({"totalCount": 1, "list": 7}, "data.list is a number, not an array"),
    ({"totalCount": 1, "list": {"webhookId": "wh1"}}, "data.list is an object, not an array"),
    ({"totalCount": 1, "list": [None]}, "data.list[0] is null, not an object"),
    ({"totalCount": 1, "list": [dict(WEBHOOK, webhookId=["wh1"])]}, "data.list[0].webhookId is an array"),
    ({"totalCount": 1, "list": [dict(WEBHOOK, events=[{"value": "test"}])]},
     "data.list[0].events of webhook wh1 is not a list of event names (it holds an object)"),
    ({"totalCount": 1, "list": [dict(WEBHOOK, enabled="yes")]}, "data.list[0].enabled of webhook wh1 is a string"),
    ({"totalCount": 1, "list": [dict(WEBHOOK, secret=5)]}, "data.list[0].secret of webhook wh1 is a number"),
    ("not an object", "without the expected object in data"),
])
def test_a_list_of_an_odd_shape_is_a_clear_error_naming_the_endpoint(mocked, webhook_api, data, problem):
    mocked.get(API + "list-webhooks", json=envelope(data))
    with pytest.raises(GenAuthError) as info:
        webhook_api.list_all()
    assert info.value.msg.startswith("GenAuth list-webhooks answered statusCode 200") and problem in info.value.msg


def test_a_webhook_of_an_odd_shape_from_get_webhook_is_a_clear_error(mocked, webhook_api):
    mocked.get(API + "get-webhook", json=envelope(dict(WEBHOOK, events='[{"a": 1}]')))
    with pytest.raises(GenAuthError, match=r"get-webhook .*data.events of webhook wh1 is not a list of event names"):
        webhook_api.get("wh1")


def test_list_all_keeps_a_webhook_that_moved_between_pages_once(mocked, webhook_api):
    first = [dict(WEBHOOK, webhookId="wh%04d" % n, name="hook-%d" % n) for n in range(PAGE_LIMIT)]
    mocked.get(API + "list-webhooks", json=envelope({"totalCount": 51, "list": first}))
    mocked.get(API + "list-webhooks", json=envelope({"totalCount": 51, "list": [first[-1]]}))
    webhooks = webhook_api.list_all()
    assert len(webhooks) == PAGE_LIMIT == len(set(webhook["webhookId"] for webhook in webhooks))
    assert len(find_by_name(webhooks, "hook-49")) == 1


@pytest.mark.parametrize("webhook, known", [
    ({"secret": "whsec"}, True), ({"secret": ""}, True), ({}, False), ({"secret": None}, False),
    ({"secret": SECRET_MASK}, False), ({"secret": "wh****ec"}, False),
])
def test_a_secret_is_known_only_when_shown_or_shown_empty(webhook, known):
    assert secret_known(webhook) is known


OLD = "old-secret-Qx4"
CURRENT = "whsec-Lm93"


@pytest.mark.parametrize("headers", [
    {"X-Authing-Webhook-Secret": OLD, "Authorization": "Bearer sub-token-Zz1", "user-agent": "authing-webhook@2.0"},
    json.dumps({"x-authing-webhook-secret": OLD, "authorization": "Bearer sub-token-Zz1", "user-agent": "a"}),
    [["x-authing-webhook-secret", OLD], ["Authorization", "Bearer sub-token-Zz1"], ["user-agent", "a"]],
    [{"name": "X-GenAuth-Token", "value": OLD}, {"key": "authorization", "value": "Bearer sub-token-Zz1"}],
    json.dumps([["x-authing-token", OLD], ["authorization", "Bearer sub-token-Zz1"]]),
    "x-authing-webhook-secret: %s\r\nAuthorization: Bearer sub-token-Zz1\r\nuser-agent: a" % OLD,
])
def test_a_log_is_masked_whatever_the_shape_of_its_headers(headers):
    log = {"webhookId": "wh1", "requestHeaders": headers,
           "requestBody": {"echo": "was %s" % OLD, OLD: CURRENT, "token": "sub-token-Zz1"},
           "responseHeaders": [["Set-Cookie", "session=abc123"], ["content-type", "application/json"]],
           "responseBody": "saw %s and %s" % (CURRENT, OLD)}
    redacted, found = redact_log(log, [CURRENT, SECRET_MASK])
    text = json.dumps(redacted)
    for secret in (OLD, CURRENT, "sub-token-Zz1", "session=abc123"):
        assert secret not in text, secret
    assert OLD in found and "sub-token-Zz1" in found
    assert type(redacted["requestHeaders"]) is type(headers), "the shape is kept"
    assert "application/json" in text and redacted["responseBody"] == "saw %s and %s" % (SECRET_MASK, SECRET_MASK)


@pytest.mark.parametrize("data", [None, [], {"webhookId": "wh1", "events": [{"a": 1}]}])
def test_an_update_acknowledged_with_no_readable_webhook_keeps_the_request_s_effect(mocked, webhook_api, data):
    mocked.post(API + "update-webhook", json=envelope(data))
    assert webhook_api.update("wh1", enabled=False) == {}
