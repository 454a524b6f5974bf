import pytest
from requests.structures import CaseInsensitiveDict

from ansible_collections.genauth.management.plugins.module_utils._auth import TOKEN_ENDPOINT
from ansible_collections.genauth.management.plugins.module_utils._envelope import parse_response
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy
from ansible_collections.genauth.management.plugins.module_utils._webhooks import TRIGGER_WEBHOOK as TRIGGER


def parse(text, http_status=200, reason="OK", endpoint=TRIGGER, **headers):
    return parse_response(endpoint, http_status, reason, CaseInsensitiveDict(headers), text)


def failure(*args, **kwargs):
    with pytest.raises(GenAuthError) as info:
        parse(*args, **kwargs)
    return info.value


def test_success_returns_data_unchanged():
    envelope = parse('{"statusCode": 200, "message": "Operation successful", "requestId": "r1", '
                     '"data": {"response": {"a": [1, {"b": null}]}}}')
    assert envelope.status_code == 200 and envelope.message == "Operation successful" and envelope.request_id == "r1"
    assert envelope.data == {"response": {"a": [1, {"b": None}]}}


def test_status_code_as_string_is_accepted():
    assert parse('{"statusCode": "200", "data": null}').data is None


def test_business_error_in_http_200():
    error = failure('{"statusCode": 404, "message": "Webhook not found", "apiCode": 1404, "requestId": "r2"}')
    assert (error.status_code, error.api_code, error.request_id, error.http_status) == (404, 1404, "r2", 200)
    assert error.msg.startswith("GenAuth API error on trigger-webhook: Webhook not found "
                                "(statusCode 404, apiCode 1404, requestId r2).")
    assert "Check that the id exists" in error.msg
    assert not RetryPolicy.is_retryable(error)


def test_api_code_may_be_a_string_and_message_a_list():
    error = failure('{"statusCode": 400, "message": ["webhookId must be a string", "x"], "apiCode": "2011"}')
    assert error.api_code == "2011"
    assert "webhookId must be a string; x (statusCode 400, apiCode 2011)" in error.msg


@pytest.mark.parametrize("text, http_status, reason, retry_after, wait", [
    ('{"statusCode": 429, "message": "busy"}', 200, "OK", "3", 3.0),
    ('{"statusCode": 503, "message": "busy"}', 200, "OK", "3", 3.0),
    ("down", 503, "Service Unavailable", "120", 60.0),  # a real HTTP 503; Retry-After capped
], ids=["envelope-429", "envelope-503", "http-503"])
def test_throttled_and_unavailable_answers_wait_their_retry_after(text, http_status, reason, retry_after, wait):
    error = failure(text, http_status, reason, **{"Retry-After": retry_after})
    assert RetryPolicy.is_retryable(error) and error.retry_after == wait


def test_wrong_credentials_hint():
    error = failure('{"statusCode": 401, "message": "bad key", "apiCode": 2333, "requestId": "r"}',
                    endpoint=TOKEN_ENDPOINT)
    assert "Check access_key_id and access_key_secret" in error.msg and error.unauthorized


def test_html_gateway_page_shows_status_and_200_characters():
    page = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 400 + "</body></html>"
    error = failure(page, 502, "Bad Gateway", **{"Content-Type": "text/html"})
    assert error.msg.startswith("GenAuth trigger-webhook failed with HTTP 502 Bad Gateway: the server answered "
                                "<html><head><title>502 Bad Gateway</title>")
    quoted = error.msg.split("answered ", 1)[1].split("...", 1)[0]
    assert len(quoted) == 200
    assert (error.status_code, error.http_status, RetryPolicy.is_retryable(error)) == (502, 502, False)


def test_real_http_error_with_envelope_body():
    error = failure('{"statusCode": 401, "message": "token expired", "apiCode": 2020}', 401, "Unauthorized")
    assert error.unauthorized and error.http_status == 401
    assert "token expired (statusCode 401, apiCode 2020, HTTP 401)" in error.msg


@pytest.mark.parametrize("text, http_status, reason, headers, says", [
    ("<html>login page</html>", 200, "OK", {"Content-Type": "text/html"},
     ["answered HTTP 200 with a body that is not JSON (content-type text/html): <html>login page</html>",
      "Check that host points at the GenAuth Management API"]),
    ('["a"]', 200, "OK", {}, ["JSON that is not a GenAuth response envelope"]),
    ("", 301, "Moved Permanently", {"Location": "https://elsewhere.example/api"},
     ["redirected to https://elsewhere.example/api; set host"]),
    ("", 500, "Internal Server Error", {}, ["the server sent an empty body"]),
], ids=["not-json", "not-an-envelope", "redirect", "empty-error-body"])
def test_an_answer_that_is_not_an_envelope_says_what_it_is(text, http_status, reason, headers, says):
    msg = failure(text, http_status, reason, **headers).msg
    assert all(part in msg for part in says), msg


@pytest.mark.parametrize("status_code", ["1e999", "200.5", '"abc"', "null", "true", "[500]", '{"code": 500}'])
def test_status_codes_that_are_not_whole_numbers_are_errors(status_code):
    error = failure('{"statusCode": %s, "message": "odd"}' % status_code)
    assert error.msg.startswith("GenAuth API error on trigger-webhook: odd")


def test_snippet_quotes_the_body_escaped_then_cut():
    page = "<html>\r\n<body>\r\n" + "y" * 300
    msg = failure(page, 502, "Bad Gateway").msg
    assert ("<html>\\r\\n<body>\\r\\n" + "y" * 180 + "...") in msg
    assert "\r" not in msg and "\n" not in msg


@pytest.mark.parametrize("endpoint, advice", [
    (TRIGGER, "The webhook's own endpoint failed: check the webhook's url"),
    (TOKEN_ENDPOINT, "A third-party endpoint that GenAuth called for this request failed."),
])
def test_an_endpoint_s_own_advice_wins_over_the_generic_one(endpoint, advice):
    assert advice in failure('{"statusCode": 601, "message": "upstream failed"}', endpoint=endpoint).msg
