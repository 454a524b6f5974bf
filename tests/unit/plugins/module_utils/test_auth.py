import base64
import time

import pytest

from ansible_collections.genauth.management.plugins.module_utils._auth import (
    AccessKeyToken, StaticToken, TokenWithKeyPair, refresh_time, token_claims,
)
from ansible_collections.genauth.management.plugins.module_utils._client import GenAuthClient
from ansible_collections.genauth.management.plugins.module_utils._envelope import Envelope
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy

from ansible_collections.genauth.management.tests.unit.helpers import HOST, Clock, in_threads, make_jwt as jwt


def test_token_claims():
    assert token_claims(jwt({"scoped_userpool_id": "pool1", "exp": 5})) == {"scoped_userpool_id": "pool1", "exp": 5}
    for opaque in ("opaque", "a.b.c", "", None, "a.%s.c" % base64.urlsafe_b64encode(b"[1]").decode()):
        assert token_claims(opaque) == {}


class Fetcher(object):
    """Fetches a token: answers each payload with the next of ``outcomes``, an envelope or an error to raise."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = []

    def __call__(self, payload):
        self.calls.append(payload)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def ok(data):
    return Envelope(200, "", None, "req", data)


def test_access_key_token_is_cached_until_it_expires():
    clock, seen = Clock(1000.0), []
    auth = AccessKeyToken("id", "secret", on_token=seen.append, clock=clock)
    fetch = Fetcher(ok({"access_token": "t1", "expires_in": 7200}), ok({"access_token": "t2", "expires_in": 7200}))
    assert auth.token(fetch) == "t1" and auth.token(fetch) == "t1"
    assert fetch.calls == [{"accessKeyId": "id", "accessKeySecret": "secret"}]
    clock.now += 7200 - 29  # inside the refresh margin
    assert auth.token(fetch) == "t2"
    assert seen == ["t1", "t2"]


def test_renew_replaces_a_rejected_token_once():
    auth = AccessKeyToken("id", "secret")
    fetch = Fetcher(ok({"access_token": "t1"}), ok({"access_token": "t2"}), ok({"access_token": "t3"}))
    assert auth.token(fetch) == "t1"
    assert auth.renew("t1", fetch) == "t2"
    # A second call rejected with the same old token gets the renewed one, without another fetch.
    assert auth.renew("t1", fetch) == "t2"
    assert auth.token(fetch) == "t2" and len(fetch.calls) == 2


def test_concurrent_callers_share_one_fetch():
    auth = AccessKeyToken("id", "secret")
    calls = []

    def slow_fetch(payload):
        calls.append(payload)
        time.sleep(0.05)
        return ok({"access_token": "t%d" % len(calls)})

    tokens = []
    in_threads(8, lambda: tokens.append(auth.token(slow_fetch)))
    assert tokens == ["t1"] * 8 and len(calls) == 1


def test_exp_claim_used_without_expires_in():
    clock = Clock(1000.0)
    auth = AccessKeyToken("id", "secret", clock=clock)
    fetch = Fetcher(ok({"access_token": jwt({"exp": 1100})}), ok({"access_token": "t2"}))
    auth.token(fetch)
    clock.now = 1071
    assert auth.token(fetch) == "t2"


@pytest.mark.parametrize("data", [None, {}, {"access_token": ""}, {"access_token": 5}, []])
def test_answer_without_token_is_an_error(data):
    with pytest.raises(GenAuthError, match="without an access_token"):
        AccessKeyToken("id", "secret").token(Fetcher(ok(data)))


def test_static_token():
    auth = StaticToken("given")
    assert auth.token(None) == "given" and not auth.refreshable
    assert auth.renew("given", None) is None
    assert auth.token(None) == "given"


def test_a_failed_fetch_is_not_repeated_by_the_callers_waiting_for_it():
    auth = AccessKeyToken("id", "secret")
    throttled = GenAuthError("GenAuth get-management-token: Too Many Requests", endpoint="get-management-token")
    fetch = Fetcher(ok({"access_token": "t1"}), *[throttled] * 6)
    assert auth.token(fetch) == "t1"
    errors = []

    def renew():
        try:
            auth.renew("t1", fetch)
        except GenAuthError as error:
            errors.append(error)

    in_threads(6, renew)
    assert errors == [throttled] * 6 and len(fetch.calls) == 2  # one failed fetch, shared by all six


def test_a_failed_first_fetch_stands_for_the_run():
    auth = AccessKeyToken("id", "secret")
    fetch = Fetcher(GenAuthError("down", endpoint="get-management-token"), ok({"access_token": "t2"}))
    with pytest.raises(GenAuthError, match="down"):
        auth.token(fetch)
    # The next run of the same task is a new process; within one, a failed first fetch stands.
    with pytest.raises(GenAuthError, match="down"):
        auth.token(fetch)
    assert len(fetch.calls) == 1


def test_refresh_time_keeps_a_margin_of_at_most_half_the_lifetime():
    assert refresh_time(1000.0, expires_in=7200) == 1000.0 + 7200 - 30
    assert refresh_time(1000.0, expires_in=10) == 1000.0 + 10 - 5
    assert refresh_time(1000.0, exp_claim=2000, iat_claim=1000) == 2000 - 30
    assert refresh_time(1000.0, exp_claim=1004, iat_claim=1000) == 1004 - 2  # a 4 s token: used for 2 s
    assert refresh_time(1000.0, exp_claim=1010) == 1010 - 5  # no iat: half of what is left
    assert refresh_time(1000.0) is None and refresh_time(1000.0, exp_claim="soon") is None


def given_with_pair(claims, clock, warnings, on_token=None):
    pair = AccessKeyToken("id", "secret", on_token=on_token, clock=clock)
    return TokenWithKeyPair(jwt(claims), pair, warn=warnings.append, clock=clock)


def test_given_token_is_used_first_and_nothing_is_fetched():
    clock, warnings = Clock(1000.0), []
    auth = given_with_pair({"exp": 8200, "iat": 1000}, clock, warnings)
    fetch = Fetcher()
    assert auth.token(fetch) == jwt({"exp": 8200, "iat": 1000}) and auth.refreshable
    assert fetch.calls == [] and warnings == []
    assert auth.describe(jwt({"exp": 8200, "iat": 1000})) == "the access_token given"


def test_given_token_expired_by_its_exp_claim_is_replaced_once_with_one_warning():
    clock, warnings, seen = Clock(1000.0), [], []
    auth = given_with_pair({"exp": 1010, "iat": 0}, clock, warnings, on_token=seen.append)
    fetch = Fetcher(ok({"access_token": "t1", "expires_in": 7200}))
    assert auth.token(fetch) == "t1"
    assert auth.token(fetch) == "t1" and len(fetch.calls) == 1 and seen == ["t1"]
    assert warnings == ["The access_token given expires at 1970-01-01T00:16:50Z (its exp claim) and was not used; "
                        "fetched a new token with the access key pair. Log in again (genauth.management.genauth_token) "
                        "to spare later tasks this call."]
    assert auth.describe("t1") == "the management token"


def test_given_token_expires_during_the_run():
    clock, warnings = Clock(1000.0), []
    auth = given_with_pair({"exp": 1100, "iat": 1000}, clock, warnings)
    fetch = Fetcher(ok({"access_token": "t1", "expires_in": 7200}))
    given = auth.token(fetch)
    clock.now = 1069
    assert auth.token(fetch) == given and warnings == []
    clock.now = 1070  # 30 s before its exp, the margin of a fetched token
    assert auth.token(fetch) == "t1" and len(warnings) == 1


def test_given_token_rejected_is_replaced_once_then_the_fetched_one_is_renewed_as_usual():
    clock, warnings = Clock(1000.0), []
    auth = given_with_pair({"exp": 9000}, clock, warnings)
    given = jwt({"exp": 9000})
    fetch = Fetcher(ok({"access_token": "t1"}), ok({"access_token": "t2"}))
    assert auth.renew(given, fetch) == "t1"
    assert auth.renew(given, fetch) == "t1"  # a second call rejected with the given token: no second fetch
    assert auth.token(fetch) == "t1" and len(fetch.calls) == 1
    assert auth.renew("t1", fetch) == "t2" and len(fetch.calls) == 2
    assert warnings == []  # the client warns for a 401, once per rejected call


def test_opaque_given_token_is_used_until_rejected():
    clock, warnings = Clock(1000.0), []
    auth = TokenWithKeyPair("opaque", AccessKeyToken("id", "secret", clock=clock), warn=warnings.append, clock=clock)
    clock.now = 10 ** 10
    assert auth.token(Fetcher()) == "opaque" and warnings == []


def test_a_failed_fetch_of_the_replacement_is_reported_and_not_repeated():
    clock, warnings = Clock(1000.0), []
    auth = given_with_pair({"exp": 990}, clock, warnings)
    fetch = Fetcher(GenAuthError("GenAuth API error on get-management-token", endpoint="get-management-token"))
    for dummy in range(2):
        with pytest.raises(GenAuthError):
            auth.token(fetch)
    assert len(fetch.calls) == 1 and warnings == []


@pytest.mark.parametrize("answer", [
    # What a Nest gateway in front of the API answers for a path it does not serve, and a bare 404 page.
    dict(json={"statusCode": 404, "message": "Cannot POST /gw/api/v3/api/v3/get-management-token",
               "error": "Not Found"}, status=404),
    dict(body="<html><body>404 Not Found</body></html>", status=404, content_type="text/html"),
])
def test_a_token_endpoint_that_is_not_there_points_at_host_not_at_an_id(mocked, answer):
    wrong_host = HOST + "/api/v3"  # the API's path given in host, which the module adds again
    mocked.post(wrong_host + "/api/v3/get-management-token", **answer)
    with pytest.raises(GenAuthError) as failure:
        with GenAuthClient(wrong_host, AccessKeyToken("pool-1", "key-secret"), retry_policy=RetryPolicy(0),
                           user_agent="genauth.management/test", warn=lambda msg: None) as api:
            api.authenticate()
    msg = failure.value.msg
    assert "check host (or GENAUTH_HOST)" in msg and "without /api/v3" in msg, msg
    assert "Check that the id exists" not in msg, msg
