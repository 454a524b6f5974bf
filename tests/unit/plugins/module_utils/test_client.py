"""The client on its own: what it sends, and the behaviours the fault scenarios (tests/guarantees.py) cannot reach
or see from outside (request arguments, redirects, refresh edge cases, threads, cookies)."""

import json
import random
import threading
from types import SimpleNamespace

import pytest
import requests

from ansible_collections.genauth.management.plugins.module_utils import _client, _webhooks
from ansible_collections.genauth.management.plugins.module_utils._auth import (
    AccessKeyToken, StaticToken, TokenWithKeyPair,
)
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient, auth_from_options
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy
from ansible_collections.genauth.management.plugins.module_utils._webhooks import GET_WEBHOOK, TRIGGER_WEBHOOK

from ansible_collections.genauth.management.tests.unit.helpers import (
    API, HOST, TOKEN, TOKEN2, Clock, calls_to, envelope, in_threads, make_jwt, token_reply,
)

TRIGGER_URL = API + "trigger-webhook"
TOKEN_URL = API + "get-management-token"
BODY = {"webhookId": "wh1", "requestBody": {"v": 1}}


@pytest.fixture
def rec():
    """What the client warns of and how long it sleeps."""
    return SimpleNamespace(warnings=[], sleeps=[])


def client(rec, auth=None, retries=3, **kwargs):
    return GenAuthClient(
        HOST, auth or AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(retries, rng=random.Random(0)),
        user_agent="genauth.management/test", warn=rec.warnings.append, sleep=rec.sleeps.append, **kwargs)


def failure(api, endpoint=TRIGGER_WEBHOOK, kwargs=None):
    """The GenAuthError of a call of ``endpoint`` (by default the trigger of BODY)."""
    with pytest.raises(GenAuthError) as info:
        api.call(endpoint, **(dict(json=BODY) if kwargs is None else kwargs))
    return info.value


@pytest.fixture
def token(mocked):
    """get-management-token answers TOKEN."""
    mocked.post(TOKEN_URL, json=token_reply())


def test_token_then_call_with_all_headers(mocked, token, rec):
    mocked.post(TRIGGER_URL, json=envelope({"response": {"ok": True}}))
    with client(rec, timeout=7.5, ca_path="/etc/ca.pem") as api:
        result = api.call(TRIGGER_WEBHOOK, json=BODY)
    assert result.data == {"response": {"ok": True}}
    token_call, trigger_call = mocked.calls
    assert json.loads(token_call.request.body) == {"accessKeyId": "pool-1", "accessKeySecret": "key-secret"}
    assert "Authorization" not in token_call.request.headers
    headers = trigger_call.request.headers
    assert headers["Authorization"] == "Bearer " + TOKEN
    assert headers["x-genauth-userpool-id"] == headers["x-authing-userpool-id"] == "pool-1"
    assert headers["User-Agent"] == "genauth.management/test"
    assert json.loads(trigger_call.request.body) == BODY
    kwargs = trigger_call.request.req_kwargs
    assert kwargs["verify"] == "/etc/ca.pem" and kwargs["timeout"] == (7.5, 7.5)
    assert rec.warnings == [] and rec.sleeps == []


def test_tls_verified_by_default_and_can_be_disabled(mocked, token, rec):
    mocked.get(API + "get-webhook", json=envelope({}))
    client(rec).call(GET_WEBHOOK, params={"webhookId": "a"})
    client(rec, validate_certs=False).call(GET_WEBHOOK, params={"webhookId": "a"})
    # True may be replaced by requests with the REQUESTS_CA_BUNDLE path: verification on either way.
    verifies = [call.request.req_kwargs["verify"] for call in mocked.calls]
    assert all(verifies[:2]) and verifies[2:] == [False, False]


def test_explicit_userpool_id_wins(mocked, token, rec):
    mocked.post(TRIGGER_URL, json=envelope({"response": None}))
    client(rec, userpool_id="other").call(TRIGGER_WEBHOOK, json=BODY)
    assert mocked.calls[1].request.headers["x-authing-userpool-id"] == "other"


def test_wrong_credentials_are_not_refreshed(mocked, rec):
    mocked.post(TOKEN_URL, json={"statusCode": 401, "message": "bad key", "apiCode": 2333, "requestId": "r9"})
    error = failure(client(rec))
    assert len(mocked.calls) == 1 and (error.status_code, error.api_code, error.request_id) == (401, 2333, "r9")


def test_redirects_are_not_followed(mocked, rec):
    mocked.post(TOKEN_URL, status=302, headers={"Location": "https://evil.example/"})
    assert "redirected to https://evil.example/" in failure(client(rec)).msg and len(mocked.calls) == 1


def test_no_refresh_warning_when_the_new_token_cannot_be_fetched(mocked, token, rec):
    mocked.post(TOKEN_URL, json={"statusCode": 500, "message": "token service down"})
    mocked.post(TRIGGER_URL, json={"statusCode": 401, "message": "revoked"})
    assert "token service down" in failure(client(rec)).msg
    assert rec.warnings == [] and len(calls_to(mocked, "trigger-webhook")) == 1


def test_a_token_claim_that_cannot_be_a_header_is_left_out(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply(make_jwt({"scoped_userpool_id": "\u6c60 1"})))
    mocked.post(TRIGGER_URL, json=envelope({"response": 1}))
    client(rec).call(TRIGGER_WEBHOOK, json=BODY)
    assert "x-genauth-userpool-id" not in calls_to(mocked, "trigger-webhook")[0].request.headers


def test_a_header_requests_refuses_is_reported_without_quoting_it(mocked, rec):
    msg = failure(client(rec, auth=StaticToken("tok\nen-secret-part"))).msg
    assert "Nothing was sent" in msg and "en-secret-part" not in msg and len(mocked.calls) == 0


def test_calls_at_the_same_time_share_one_token_and_one_refresh(mocked, rec):
    """Threads that all meet a revoked token replace it once, not once each."""
    mocked.post(TOKEN_URL, json=token_reply(TOKEN))
    mocked.post(TOKEN_URL, json=token_reply(TOKEN2))
    barrier = threading.Barrier(4)

    def trigger(request):
        if request.headers["Authorization"] == "Bearer " + TOKEN:
            barrier.wait(timeout=5)  # every thread holds the old token before any is answered
            return 200, {}, json.dumps({"statusCode": 401, "message": "token revoked", "requestId": "r"})
        return 200, {}, json.dumps(envelope({"response": "ok"}))

    mocked.add_callback("POST", TRIGGER_URL, callback=trigger)
    api = client(rec, pool_size=4)
    api.authenticate()
    answers = []
    in_threads(4, lambda: answers.append(api.call(TRIGGER_WEBHOOK, json=BODY)))
    assert [a.data for a in answers] == [{"response": "ok"}] * 4
    assert len(calls_to(mocked, "get-management-token")) == 2 and len(calls_to(mocked, "trigger-webhook")) == 8


def test_pool_size_keeps_a_connection_per_thread(rec):
    assert client(rec, pool_size=32)._session.get_adapter(HOST)._pool_maxsize == 32
    assert client(rec)._session.get_adapter(HOST)._pool_maxsize == 10


def test_subject_names_the_call_in_warnings(mocked, token, rec):
    mocked.post(TRIGGER_URL, status=503)
    mocked.post(TRIGGER_URL, json=envelope({"response": None}))
    client(rec).call(TRIGGER_WEBHOOK, json=BODY, subject="webhook wh1")
    assert rec.warnings[0].startswith("GenAuth trigger-webhook for webhook wh1: retry 1 of 3 in ")


def test_cookies_are_refused(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply(), headers={"Set-Cookie": "lb=node-1; Path=/"})
    mocked.post(TRIGGER_URL, json=envelope({"response": None}))
    api = client(rec)
    api.call(TRIGGER_WEBHOOK, json=BODY)
    assert len(api._session.cookies) == 0
    assert "Cookie" not in mocked.calls[-1].request.headers


@pytest.mark.parametrize("status_code", [[500], {"code": 503}, "busy", True])
def test_a_status_code_that_is_not_a_number_is_an_api_error_not_retried(mocked, token, rec, status_code):
    mocked.post(TRIGGER_URL, json={"statusCode": status_code, "message": "odd", "requestId": "r"})
    error = failure(client(rec))
    assert error.msg.startswith("GenAuth API error on trigger-webhook: odd (statusCode ")
    assert error.status_code is None and error.request_id == "r"
    assert len(calls_to(mocked, "trigger-webhook")) == 1 and rec.warnings == []


# ------------------------------------------------------------------- which calls are retried after what

# Each endpoint, whether it is safe to repeat, and a request for it.
ENDPOINT_CALLS = [
    (_webhooks.TRIGGER_WEBHOOK, False, dict(json=BODY)),
    (_webhooks.CREATE_WEBHOOK, False, dict(json={"name": "n", "url": "https://h.example/", "events": ["test"],
                                                 "contentType": "application/json"})),
    (_webhooks.GET_WEBHOOK, True, dict(params={"webhookId": "wh1"})),
    (_webhooks.LIST_WEBHOOKS, True, dict(params={"page": 1, "limit": 50})),
    (_webhooks.UPDATE_WEBHOOK, True, dict(json={"webhookId": "wh1", "enabled": False})),
    (_webhooks.DELETE_WEBHOOKS, True, dict(json={"webhookIds": ["wh1"]})),
    (_webhooks.GET_WEBHOOK_LOGS, True, dict(json={"webhookId": "wh1"})),
    (_webhooks.GET_EVENT_LIST, True, dict()),
]
# Failures after the request may have been processed: (id, what the mocked server does).
AMBIGUOUS_FAILURES = [
    ("read-timeout", dict(body=requests.exceptions.ReadTimeout("read timed out"))),
    ("dropped-connection", dict(body=requests.exceptions.ConnectionError("Connection aborted."))),
    ("truncated-body", dict(body=requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead"))),
    ("http-502", dict(status=502, body="<html>Bad Gateway</html>")),
    ("http-504", dict(status=504, body="<html>Gateway Timeout</html>")),
]


@pytest.mark.parametrize("answer", [row[1] for row in AMBIGUOUS_FAILURES], ids=[row[0] for row in AMBIGUOUS_FAILURES])
@pytest.mark.parametrize("endpoint, idempotent, kwargs", ENDPOINT_CALLS, ids=[row[0].name for row in ENDPOINT_CALLS])
def test_calls_that_may_have_been_processed_are_repeated_only_when_safe(mocked, token, rec, endpoint, idempotent,
                                                                        kwargs, answer):
    url = API + endpoint.name
    mocked.add(endpoint.method, url, **answer)
    mocked.add(endpoint.method, url, json=envelope({"ok": True}))
    assert endpoint.idempotent is idempotent
    if idempotent:
        assert client(rec).call(endpoint, **kwargs).data == {"ok": True}
        assert len(calls_to(mocked, endpoint.name)) == 2
        assert len(rec.warnings) == 1 and "retry 1 of 3" in rec.warnings[0]
    else:
        error = failure(client(rec), endpoint, kwargs)
        assert len(calls_to(mocked, endpoint.name)) == 1 and rec.warnings == []
        if "status" not in answer:
            assert "so it was not retried" in error.msg


@pytest.mark.parametrize("endpoint, idempotent, kwargs", ENDPOINT_CALLS, ids=[row[0].name for row in ENDPOINT_CALLS])
def test_a_500_is_reported_even_for_calls_safe_to_repeat(mocked, token, rec, endpoint, idempotent, kwargs):
    mocked.add(endpoint.method, API + endpoint.name, status=500, body="oops")
    failure(client(rec), endpoint, kwargs)
    assert len(calls_to(mocked, endpoint.name)) == 1 and rec.warnings == []


def test_an_idempotent_call_that_keeps_timing_out_says_it_was_retried(mocked, token, rec):
    for dummy in range(3):
        mocked.get(API + "get-webhook", body=requests.exceptions.ReadTimeout("read timed out"))
    msg = failure(client(rec, retries=2), GET_WEBHOOK, dict(params={"webhookId": "wh1"})).msg
    assert len(calls_to(mocked, "get-webhook")) == 3 and len(rec.warnings) == 2
    assert "no answer within 30 s (timeout)" in msg
    assert "safe to repeat, so it is retried" in msg and "not retried" not in msg


def test_the_token_request_is_safe_to_repeat(mocked, rec):
    """Fetching a token has no effect but a new token; one whose answer was lost is simply never used."""
    mocked.post(TOKEN_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER_URL, json=envelope({"response": 1}))
    assert client(rec).call(TRIGGER_WEBHOOK, json=BODY).data == {"response": 1}
    assert len(calls_to(mocked, "get-management-token")) == 2 and len(calls_to(mocked, "trigger-webhook")) == 1


def test_a_tls_failure_is_not_retried_even_when_safe_to_repeat(mocked, rec):
    mocked.post(TOKEN_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    assert "TLS failure" in failure(client(rec), GET_WEBHOOK, dict(params={"webhookId": "wh1"})).msg
    assert len(mocked.calls) == 1


def test_a_given_token_rejected_is_replaced_from_the_key_pair_once(mocked, rec):
    mocked.post(TRIGGER_URL, json=envelope(status_code=401, message="Access token has expired"))
    mocked.post(TOKEN_URL, json=token_reply(TOKEN2))
    mocked.post(TRIGGER_URL, json=envelope({"response": "ok"}))
    auth = TokenWithKeyPair(TOKEN, AccessKeyToken("pool-1", "key-secret"), warn=rec.warnings.append)
    with client(rec, auth=auth) as api:
        assert api.call(TRIGGER_WEBHOOK, json=BODY, subject="webhook wh1").data == {"response": "ok"}
    first, token_call, second = mocked.calls
    assert first.request.headers["Authorization"] == "Bearer " + TOKEN
    assert second.request.headers["Authorization"] == "Bearer " + TOKEN2
    assert rec.warnings == ["GenAuth trigger-webhook for webhook wh1 rejected the access_token given (statusCode 401); "
                            "fetched a new token; repeating the call once."]


def test_only_a_token_keeps_todays_message(mocked, rec):
    mocked.post(TRIGGER_URL, json=envelope(status_code=401, message="Access token has expired"))
    with client(rec, auth=StaticToken(TOKEN)) as api:
        assert "The access_token was rejected (expired or revoked?): issue a new one" in failure(api).msg
    assert len(mocked.calls) == 1 and rec.warnings == []


@pytest.mark.parametrize("credentials, kind", [
    (dict(access_token="t"), StaticToken),
    (dict(access_key_id="pool-1", access_key_secret="s"), AccessKeyToken),
    (dict(access_key_id="pool-1", access_key_secret="s", access_token="t"), TokenWithKeyPair),
])
def test_auth_from_options_picks_the_token_source(credentials, kind):
    assert auth_from_options(credentials, warn=None, on_secret=None).__class__ is kind


def test_a_time_limit_leaves_out_a_retry_that_would_overrun_it(mocked, token, rec):
    mocked.post(TRIGGER_URL, status=503, headers={"Retry-After": "30"})
    with client(rec).time_limit(10) as api:
        assert "No retry was made: the time limit of this send would have run out" in failure(api).msg
    assert rec.sleeps == []


def test_a_spent_time_limit_sends_nothing_more(mocked, token, rec):
    clock = Clock(100.0)
    api = client(rec, clock=clock)
    with api.time_limit(5):
        clock.now += 6
        assert "was not called: the time limit of this send was spent" in failure(api).msg
    assert len(mocked.calls) == 0


def test_a_gateway_error_too_large_to_read_says_so(mocked, token, rec, monkeypatch):
    monkeypatch.setattr(_client, "MAX_ANSWER_BYTES", 1000)
    mocked.post(TRIGGER_URL, status=502, body="x" * 5000)
    error = failure(client(rec))
    assert "failed with HTTP 502 and an answer larger than 1000 bytes" in error.msg
    assert error.http_status == 502 and not error.may_have_been_processed


def never_answers(mocked, clock, method, url):
    """Each attempt runs until the timeout it was given, as against a server that never answers: the clock moves on
    by that much, then the attempt times out."""
    def answer(request):
        clock.now += request.req_kwargs["timeout"][0]
        raise requests.exceptions.ReadTimeout("read timed out")
    mocked.add_callback(method, url, callback=answer)


@pytest.mark.parametrize("limit, timeout, retries", [(5, 2, 3), (5, 2, 0), (1.5, 10, 3), (30, 2, 3)])
def test_a_time_limit_bounds_every_attempt_and_wait_and_records_them(mocked, token, rec, limit, timeout, retries):
    clock = Clock(100.0)
    never_answers(mocked, clock, "GET", API + "get-webhook")
    api = GenAuthClient(HOST, AccessKeyToken("pool-1", "key-secret"), timeout=timeout, clock=clock, sleep=clock.sleep,
                        retry_policy=RetryPolicy(retries, rng=random.Random(0)), warn=rec.warnings.append)
    with api.time_limit(limit):
        failure(api, GET_WEBHOOK, dict(params={"webhookId": "wh1"}))
    budget = api.budget
    lookups = [seconds for name, seconds in budget.attempts if name == "get-webhook"]
    assert len(lookups) == len(calls_to(mocked, "get-webhook")) <= 1 + retries
    assert all(0 < seconds <= timeout for seconds in lookups) and len(budget.waits) == len(lookups) - 1
    # The token came at once; each lookup took all it was given.
    assert budget.attempts[0][0] == "get-management-token" and budget.seconds == limit
    spent = sum(lookups) + sum(budget.waits)
    assert clock.now - 100.0 == pytest.approx(spent) and spent <= limit + 1e-9
    if limit >= (1 + retries) * timeout + 10:
        assert len(lookups) == 1 + retries  # a limit that leaves room for every retry cuts none
