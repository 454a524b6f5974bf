import email.utils
import random

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import (
    RETRY_AFTER_CAP, RetryPolicy, connection_never_made, parse_retry_after,
)


@pytest.mark.parametrize("value, expected", [
    ("2", 2.0), ("0", 0.0), (" 1.5 ", 1.5), ("-3", 0.0), ("3600", RETRY_AFTER_CAP),
    (None, None), ("", None), ("soon", None), ("nan", None),
])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = 1_700_000_000
    assert parse_retry_after(email.utils.formatdate(now + 5, usegmt=True), now=now) == pytest.approx(5)
    assert parse_retry_after(email.utils.formatdate(now - 5, usegmt=True), now=now) == 0.0


def retryable(retry_after=None):
    return GenAuthError("x", connect_failed=True, retry_after=retry_after)


def test_backoff_grows_exponentially_with_jitter_and_stops_after_retries():
    assert RetryPolicy.is_retryable(retryable())  # a connection that was never made
    policy = RetryPolicy(retries=4, base_delay=0.5, max_delay=3, rng=random.Random(1))
    delays = [policy.delay_before_retry(retryable(), attempt) for attempt in range(5)]
    for attempt, delay in enumerate(delays[:4]):
        step = min(3, 0.5 * 2 ** attempt)
        assert step / 2 <= delay <= step
    assert delays[4] is None


@pytest.mark.parametrize("retries, error, delay", [
    (1, retryable(retry_after=7), 7),  # Retry-After wins over the backoff
    (3, GenAuthError("x"), None),  # not retryable
    (0, retryable(), None),
], ids=["retry-after", "not-retryable", "no-retries"])
def test_the_delay_before_the_first_retry(retries, error, delay):
    assert RetryPolicy(retries=retries).delay_before_retry(error, 0) == delay


@pytest.mark.parametrize("http_status, status_code, expected", [
    (429, 429, True), (503, 503, True), (500, 500, False), (502, 502, False), (504, 504, False),
    (200, 429, True), (200, 503, True), (200, 500, False), (200, 601, False), (200, 401, False),
    # A real HTTP error decides alone: a gateway's 500 around an upstream 503 envelope may have been processed.
    (500, 503, False), (503, 500, True),
    # No answer at all (timeout, dropped connection) is never retried.
    (None, None, False),
])
def test_what_is_retryable(http_status, status_code, expected):
    error = GenAuthError("x", http_status=http_status, status_code=status_code)
    assert RetryPolicy.is_retryable(error) is expected


@pytest.mark.parametrize("error", [
    GenAuthError("timeout or dropped connection", no_answer=True),
    GenAuthError("gateway", http_status=502, status_code=502),
    GenAuthError("gateway timeout", http_status=504, status_code=504),
    GenAuthError("envelope 502", http_status=200, status_code=502),
    GenAuthError("envelope 504", http_status=200, status_code=504),
], ids=["no-answer", "http-502", "http-504", "envelope-502", "envelope-504"])
def test_what_may_have_been_processed_is_retried_only_for_idempotent_calls(error):
    assert RetryPolicy.is_retryable(error, idempotent=True)
    assert not RetryPolicy.is_retryable(error, idempotent=False)
    assert not RetryPolicy.is_retryable(error)  # at most once unless a call is declared safe
    assert RetryPolicy(retries=1).delay_before_retry(error, 0, idempotent=True) is not None
    assert RetryPolicy(retries=1).delay_before_retry(error, 0) is None


@pytest.mark.parametrize("error", [
    GenAuthError("GenAuth's own 500", http_status=500, status_code=500),
    GenAuthError("envelope 500", http_status=200, status_code=500),
    GenAuthError("not found", http_status=200, status_code=404),
    GenAuthError("TLS failure or a request that could not be built"),
], ids=["http-500", "envelope-500", "envelope-404", "no-transport-fact"])
def test_idempotent_calls_still_report_what_a_retry_would_not_fix(error):
    assert not RetryPolicy.is_retryable(error, idempotent=True)


def _requests_error(reason):
    return requests.exceptions.ConnectionError(MaxRetryError(None, "/api/v3/x", reason=reason))


def test_connection_never_made():
    assert connection_never_made(_requests_error(NewConnectionError(None, "Connection refused")))
    assert connection_never_made(_requests_error(NameResolutionError("nohost", None, OSError("no such host"))))
    # A dropped or reset connection after sending may have been processed: never "not made".
    assert not connection_never_made(requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))))
    assert not connection_never_made(requests.exceptions.ReadTimeout("read timed out"))
    assert not connection_never_made(ValueError("other"))
