import json
import random

import pytest
import requests
import responses
from urllib3.connection import HTTPConnection
from urllib3.exceptions import MaxRetryError, NewConnectionError

from ansible_collections.genauth.management.plugins.module_utils._auth import AccessKeyToken, StaticToken
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy

from ansible_collections.genauth.management.tests.unit.helpers import API, HOST, TOKEN, TOKEN2, envelope, token_reply

TRIGGER = API + "trigger-webhook"
TOKEN_URL = API + "get-management-token"
BODY = {"webhookId": "wh1", "requestBody": {"v": 1}}


class Recorder(object):
    def __init__(self):
        self.warnings = []
        self.sleeps = []


@pytest.fixture
def rec():
    return Recorder()


def client(rec, auth=None, retries=3, **kwargs):
    return GenAuthClient(
        HOST, auth or AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(retries, rng=random.Random(0)),
        user_agent="genauth.management/test", warn=rec.warnings.append, sleep=rec.sleeps.append, **kwargs)


def calls_to(mocked, url):
    return [call for call in mocked.calls if call.request.url.split("?")[0] == url]


def test_token_then_call_with_all_headers(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, json=envelope({"response": {"ok": True}}))
    with client(rec, timeout=7.5, ca_path="/etc/ca.pem") as api:
        result = api.call("POST", "trigger-webhook", json=BODY)
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


def test_tls_verified_by_default_and_can_be_disabled(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.get(API + "get-webhook", json=envelope({}))
    client(rec).call("GET", "get-webhook", params={"webhookId": "a"})
    client(rec, validate_certs=False).call("GET", "get-webhook", params={"webhookId": "a"})
    # True may be replaced by requests with the REQUESTS_CA_BUNDLE path: verification on either way.
    verifies = [call.request.req_kwargs["verify"] for call in mocked.calls]
    assert all(verifies[:2]) and verifies[2:] == [False, False]


def test_explicit_userpool_id_wins(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, json=envelope({"response": None}))
    client(rec, userpool_id="other").call("POST", "trigger-webhook", json=BODY)
    assert mocked.calls[1].request.headers["x-authing-userpool-id"] == "other"


def test_token_is_fetched_once_per_client(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, json=envelope({"response": 1}))
    api = client(rec)
    for dummy in range(3):
        api.call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TOKEN_URL)) == 1 and len(calls_to(mocked, TRIGGER)) == 3


@pytest.mark.parametrize("first", [
    dict(status=503, body="busy", headers={"Retry-After": "2"}),
    dict(status=429, json={"statusCode": 429, "message": "slow down"}, headers={"Retry-After": "1"}),
    dict(status=200, json={"statusCode": 503, "message": "unavailable"}, headers={"Retry-After": "2"}),
])
def test_retry_after_503_or_429_then_success(mocked, rec, first):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.add(responses.POST, TRIGGER, **first)
    mocked.add(responses.POST, TRIGGER, json=envelope({"response": "done"}))
    assert client(rec).call("POST", "trigger-webhook", json=BODY).data == {"response": "done"}
    assert len(calls_to(mocked, TRIGGER)) == 2
    assert rec.sleeps == [float(first["headers"]["Retry-After"])]
    assert len(rec.warnings) == 1 and rec.warnings[0].startswith("GenAuth trigger-webhook: retry 1 of 3 in ")


def test_retries_are_bounded(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, status=503, body="busy")
    with pytest.raises(GenAuthError) as info:
        client(rec, retries=2).call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TRIGGER)) == 3 and len(rec.warnings) == 2
    assert info.value.http_status == 503
    assert 0.25 <= rec.sleeps[0] <= 0.5 and 0.5 <= rec.sleeps[1] <= 1.0


@pytest.mark.parametrize("answer", [
    dict(status=500, body="boom"),
    dict(status=502, body="<html>Bad Gateway</html>"),
    dict(status=504, body="timeout"),
    dict(status=200, json={"statusCode": 500, "message": "internal"}),
    dict(status=200, json={"statusCode": 601, "message": "subscriber failed"}),
    dict(body=requests.exceptions.ReadTimeout("read timed out")),
    dict(body=requests.exceptions.ConnectionError("Connection aborted.")),
])
def test_ambiguous_failures_are_never_retried(mocked, rec, answer):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.add(responses.POST, TRIGGER, **answer)
    with pytest.raises(GenAuthError) as info:
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TRIGGER)) == 1 and rec.warnings == [] and rec.sleeps == []
    assert "Traceback" not in info.value.msg


def test_timeout_message_says_it_may_have_been_processed(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(GenAuthError, match=r"no answer within 30 s \(timeout\)\. The request may have been processed, so it was not retried"):
        client(rec).call("POST", "trigger-webhook", json=BODY)


@pytest.mark.parametrize("broken", [
    requests.exceptions.ConnectionError("Remote end closed connection without response"),
    requests.exceptions.ChunkedEncodingError("IncompleteRead(98 bytes read, 99 more expected)"),
])
def test_connection_broken_before_or_during_the_answer_says_so(mocked, rec, broken):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, body=broken)
    with pytest.raises(GenAuthError, match=r"failed: the connection broke before the answer arrived \(.+\)\. "
                                           r"The request may have been processed, so it was not retried"):
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TRIGGER)) == 1 and rec.warnings == []


def test_refused_connection_is_retried(mocked, rec):
    refused = requests.exceptions.ConnectionError(MaxRetryError(None, "/", reason=NewConnectionError(
        HTTPConnection("genauth.test"), "Failed to establish a new connection: [Errno 111] Connection refused")))
    mocked.post(TOKEN_URL, body=refused)
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, json=envelope({"response": 1}))
    client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TOKEN_URL)) == 2 and len(rec.warnings) == 1
    assert ("Could not connect to https://genauth.test/gw for get-management-token: "
            "Failed to establish a new connection: [Errno 111] Connection refused. Check host") in rec.warnings[0]


def test_tls_failure_message(mocked, rec):
    mocked.post(TOKEN_URL, body=requests.exceptions.SSLError("certificate verify failed: unable to get local issuer"))
    with pytest.raises(GenAuthError) as info:
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert info.value.msg.startswith("TLS failure talking to https://genauth.test/gw for get-management-token: "
                                     "certificate verify failed")
    assert "set ca_path" in info.value.msg and rec.warnings == []


@pytest.mark.parametrize("rejection", [
    dict(status=200, json={"statusCode": 401, "message": "token expired", "apiCode": 2020}),
    dict(status=401, json={"statusCode": 401, "message": "Unauthorized"}),
    dict(status=401, body="Unauthorized"),
])
def test_rejected_token_is_refreshed_once(mocked, rec, rejection):
    mocked.post(TOKEN_URL, json=token_reply(TOKEN))
    mocked.post(TOKEN_URL, json=token_reply(TOKEN2))
    mocked.add(responses.POST, TRIGGER, **rejection)
    mocked.post(TRIGGER, json=envelope({"response": "ok"}))
    assert client(rec).call("POST", "trigger-webhook", json=BODY).data == {"response": "ok"}
    triggers = calls_to(mocked, TRIGGER)
    assert [call.request.headers["Authorization"] for call in triggers] == ["Bearer " + TOKEN, "Bearer " + TOKEN2]
    assert len(rec.warnings) == 1 and "fetched a new token; repeating the call once" in rec.warnings[0]


def test_refresh_happens_only_once(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, json={"statusCode": 401, "message": "revoked"})
    with pytest.raises(GenAuthError) as info:
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TOKEN_URL)) == 2 and len(calls_to(mocked, TRIGGER)) == 2
    assert info.value.status_code == 401


def test_given_access_token_is_never_refreshed(mocked, rec):
    mocked.post(TRIGGER, json={"statusCode": 401, "message": "expired", "requestId": "r"})
    with pytest.raises(GenAuthError) as info:
        client(rec, auth=StaticToken(TOKEN)).call("POST", "trigger-webhook", json=BODY)
    assert calls_to(mocked, TOKEN_URL) == [] and len(calls_to(mocked, TRIGGER)) == 1
    assert "The access_token was rejected (expired or revoked?)" in info.value.msg


def test_wrong_credentials_are_not_refreshed(mocked, rec):
    mocked.post(TOKEN_URL, json={"statusCode": 401, "message": "bad key", "apiCode": 2333, "requestId": "r9"})
    with pytest.raises(GenAuthError) as info:
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(mocked.calls) == 1
    assert (info.value.status_code, info.value.api_code, info.value.request_id) == (401, 2333, "r9")


def test_redirects_are_not_followed(mocked, rec):
    mocked.post(TOKEN_URL, status=302, headers={"Location": "https://evil.example/"})
    with pytest.raises(GenAuthError, match="redirected to https://evil.example/"):
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(mocked.calls) == 1


def test_no_refresh_warning_when_the_new_token_cannot_be_fetched(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TOKEN_URL, json={"statusCode": 500, "message": "token service down"})
    mocked.post(TRIGGER, json={"statusCode": 401, "message": "revoked"})
    with pytest.raises(GenAuthError, match="token service down"):
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert rec.warnings == [] and len(calls_to(mocked, TRIGGER)) == 1


def test_gateway_500_around_an_upstream_503_is_not_retried(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, status=500, json={"statusCode": 503, "message": "upstream unavailable"})
    with pytest.raises(GenAuthError):
        client(rec).call("POST", "trigger-webhook", json=BODY)
    assert len(calls_to(mocked, TRIGGER)) == 1 and rec.warnings == []


def test_a_token_claim_that_cannot_be_a_header_is_left_out(mocked, rec):
    from ansible_collections.genauth.management.tests.unit.helpers import make_jwt
    mocked.post(TOKEN_URL, json=token_reply(make_jwt({"scoped_userpool_id": "\u6c60 1"})))
    mocked.post(TRIGGER, json=envelope({"response": 1}))
    client(rec).call("POST", "trigger-webhook", json=BODY)
    assert "x-genauth-userpool-id" not in calls_to(mocked, TRIGGER)[0].request.headers


def test_a_header_requests_refuses_is_reported_without_quoting_it(mocked, rec):
    with pytest.raises(GenAuthError) as info:
        client(rec, auth=StaticToken("tok\nen-secret-part")).call("POST", "trigger-webhook", json=BODY)
    assert "Nothing was sent" in info.value.msg and "en-secret-part" not in info.value.msg
    assert len(mocked.calls) == 0


def test_calls_at_the_same_time_share_one_token_and_one_refresh(mocked, rec):
    """Threads that all meet a revoked token replace it once, not once each."""
    import threading

    mocked.post(TOKEN_URL, json=token_reply(TOKEN))
    mocked.post(TOKEN_URL, json=token_reply(TOKEN2))
    barrier = threading.Barrier(4)

    def trigger(request):
        if request.headers["Authorization"] == "Bearer " + TOKEN:
            barrier.wait(timeout=5)  # every thread holds the old token before any is answered
            return 200, {}, json.dumps({"statusCode": 401, "message": "token revoked", "requestId": "r"})
        return 200, {}, json.dumps(envelope({"response": "ok"}))

    mocked.add_callback("POST", TRIGGER, callback=trigger)
    api = client(rec, pool_size=4)
    api.authenticate()
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(api.call("POST", "trigger-webhook", json=BODY)))
               for dummy in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.data for a in answers] == [{"response": "ok"}] * 4
    assert len(calls_to(mocked, TOKEN_URL)) == 2 and len(calls_to(mocked, TRIGGER)) == 8


def test_pool_size_keeps_a_connection_per_thread(rec):
    assert client(rec, pool_size=32)._session.get_adapter(HOST)._pool_maxsize == 32
    assert client(rec)._session.get_adapter(HOST)._pool_maxsize == 10


def test_subject_names_the_call_in_warnings(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply())
    mocked.post(TRIGGER, status=503)
    mocked.post(TRIGGER, json=envelope({"response": None}))
    client(rec).call("POST", "trigger-webhook", json=BODY, subject="webhook wh1")
    assert rec.warnings[0].startswith("GenAuth trigger-webhook for webhook wh1: retry 1 of 3 in ")


def test_cookies_are_refused(mocked, rec):
    mocked.post(TOKEN_URL, json=token_reply(), headers={"Set-Cookie": "lb=node-1; Path=/"})
    mocked.post(TRIGGER, json=envelope({"response": None}))
    api = client(rec)
    api.call("POST", "trigger-webhook", json=BODY)
    assert len(api._session.cookies) == 0
    assert "Cookie" not in mocked.calls[-1].request.headers
