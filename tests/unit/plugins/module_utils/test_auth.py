import base64
import json

import pytest

from ansible_collections.genauth.management.plugins.module_utils._auth import AccessKeyToken, StaticToken, token_claims
from ansible_collections.genauth.management.plugins.module_utils._envelope import Envelope
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError


def jwt(claims):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()
    return "%s.%s.sig" % (part({"alg": "HS256"}), part(claims))


def test_token_claims():
    assert token_claims(jwt({"scoped_userpool_id": "pool1", "exp": 5})) == {"scoped_userpool_id": "pool1", "exp": 5}
    for opaque in ("opaque", "a.b.c", "", None, "a.%s.c" % base64.urlsafe_b64encode(b"[1]").decode()):
        assert token_claims(opaque) == {}


class Fetcher(object):
    def __init__(self, *envelopes):
        self.envelopes = list(envelopes)
        self.calls = []

    def __call__(self, payload):
        self.calls.append(payload)
        return self.envelopes.pop(0)


def ok(data):
    return Envelope(200, "", None, "req", data)


def test_access_key_token_is_cached_until_it_expires():
    now = [1000.0]
    seen = []
    auth = AccessKeyToken("id", "secret", on_token=seen.append, clock=lambda: now[0])
    fetch = Fetcher(ok({"access_token": "t1", "expires_in": 7200}), ok({"access_token": "t2", "expires_in": 7200}))
    assert auth.token(fetch) == "t1" and auth.token(fetch) == "t1"
    assert fetch.calls == [{"accessKeyId": "id", "accessKeySecret": "secret"}]
    now[0] += 7200 - 29  # inside the refresh margin
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
    import threading
    import time

    auth = AccessKeyToken("id", "secret")
    calls = []

    def slow_fetch(payload):
        calls.append(payload)
        time.sleep(0.05)
        return ok({"access_token": "t%d" % len(calls)})

    tokens = []
    threads = [threading.Thread(target=lambda: tokens.append(auth.token(slow_fetch))) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ["t1"] * 8 and len(calls) == 1


def test_exp_claim_used_without_expires_in():
    now = [1000.0]
    auth = AccessKeyToken("id", "secret", clock=lambda: now[0])
    fetch = Fetcher(ok({"access_token": jwt({"exp": 1100})}), ok({"access_token": "t2"}))
    auth.token(fetch)
    now[0] = 1071
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
    import threading

    auth = AccessKeyToken("id", "secret")
    calls = []
    throttled = GenAuthError("GenAuth get-management-token: Too Many Requests", endpoint="get-management-token")

    def fetch(payload):
        calls.append(payload)
        if len(calls) == 1:
            return ok({"access_token": "t1"})
        raise throttled

    assert auth.token(fetch) == "t1"
    errors = []

    def renew():
        try:
            auth.renew("t1", fetch)
        except GenAuthError as error:
            errors.append(error)

    threads = [threading.Thread(target=renew) for dummy in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [throttled] * 6 and len(calls) == 2  # one failed fetch, shared by all six


def test_a_failed_first_fetch_stands_for_the_run():
    auth = AccessKeyToken("id", "secret")
    outcomes = [GenAuthError("down", endpoint="get-management-token"), ok({"access_token": "t2"})]

    def fetch(payload):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with pytest.raises(GenAuthError, match="down"):
        auth.token(fetch)
    # The next run of the same task is a new process; within one, a failed first fetch stands.
    with pytest.raises(GenAuthError, match="down"):
        auth.token(fetch)
    assert outcomes == [ok({"access_token": "t2"})]
