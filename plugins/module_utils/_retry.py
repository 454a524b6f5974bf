# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The retry policy: which failures are retried, and how long to wait before the next attempt.

Every call is retried when the request surely was not processed (no connection was made) or when the
server explicitly asks for a retry (429, 503, by HTTP status or by the envelope's statusCode).

What else is retried depends on the call (``_envelope.Endpoint.idempotent``):

- A call that is not idempotent (a webhook trigger, a create) keeps the at-most-once rule: a timeout after
  the request was sent, a dropped connection, a 500, 502 or 504 are never retried, because the call may
  already have taken effect, and doing it twice (a second delivery, a second webhook) is worse than
  reporting the failure.
- An idempotent call (a read, an update to given values, a delete, the token request) is also retried after
  a timeout or a dropped connection once the request was sent, and after a gateway's 502 or 504: repeating
  it has the effect of doing it once. A 500 is still reported: it is GenAuth's own answer, not a gateway's,
  and would most likely come back.
"""

import email.utils
import math
import random
import time

# HTTP statuses and envelope statusCodes that mean "not processed, come back later".
RETRYABLE_STATUS_CODES = frozenset((429, 503))
# What a gateway answers when the upstream failed or was too slow: the call may or may not have been processed,
# so only idempotent calls retry them.
GATEWAY_STATUS_CODES = frozenset((502, 504))
# The longest wait a Retry-After may ask for, and the backoff's first and longest steps, in seconds.
RETRY_AFTER_CAP = 60.0
BASE_DELAY = 0.5
MAX_DELAY = 10.0


def parse_retry_after(value, now=None):
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or HTTP-date), or None.

    The result is clamped to ``[0, RETRY_AFTER_CAP]`` so a misbehaving server cannot stall a play.
    """
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


class RetryPolicy(object):
    """Exponential backoff with jitter, bounded by ``retries`` extra attempts.

    :param retries: how many times a retryable failure may be retried (0 disables retries); the option's
        default and range are ``_connection.RETRIES``.
    :param base_delay: the first backoff step in seconds; each further step doubles it.
    :param max_delay: the longest backoff step in seconds (``Retry-After`` has its own cap).
    :param rng: a ``random.Random``-like object, for repeatable tests.
    """

    def __init__(self, retries, base_delay=BASE_DELAY, max_delay=MAX_DELAY, rng=None):
        self.retries = retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._rng = rng or random.Random()

    @staticmethod
    def is_retryable(error, idempotent=False):
        """True when the call that failed with ``error`` may be sent again.

        Any call: ``error`` proves the request was not processed, or the server asked for a retry. An
        idempotent call (see the module docstring) also: no answer came after the request was sent (a timeout,
        a dropped connection), or a gateway answered 502 or 504.

        A real HTTP error status decides on its own: a gateway's 500 wrapping an upstream 503 envelope may
        still have reached GenAuth. The envelope's statusCode counts only inside an HTTP 2xx answer.
        """
        retryable = RETRYABLE_STATUS_CODES | (GATEWAY_STATUS_CODES if idempotent else frozenset())
        if error.connect_failed:
            return True
        if error.no_answer:
            return bool(idempotent)
        if error.http_status is not None and not 200 <= error.http_status < 300:
            return error.http_status in retryable
        return error.http_status is not None and error.status_code in retryable

    def delay_before_retry(self, error, attempt, idempotent=False):
        """Return how long to wait before retrying after ``error``, or None when it must not be retried.

        :param error: a :class:`GenAuthError` from attempt number ``attempt`` (0 for the first try).
        :param idempotent: whether the call is safe to repeat (``Endpoint.idempotent``).
        """
        if attempt >= self.retries or not self.is_retryable(error, idempotent):
            return None
        if error.retry_after is not None:
            return error.retry_after
        step = min(self.max_delay, self.base_delay * (2 ** attempt))
        # "Equal jitter": keep half of the step, randomise the other half, so concurrent
        # clients spread out without any of them retrying immediately.
        return step / 2.0 + self._rng.uniform(0, step / 2.0)


# urllib3 raises these (wrapped by requests) only before a single byte of the request was sent.
_NOT_CONNECTED = frozenset(("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"))


def connection_never_made(exc):
    """True when a transport exception proves the request never reached the server.

    requests wraps urllib3's errors (``ConnectionError(MaxRetryError(reason=NewConnectionError))``); the
    class names are matched along that chain so this needs neither library at import time.
    """
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if any(cls.__name__ in _NOT_CONNECTED for cls in type(current).__mro__):
            return True
        stack.extend(current.args)
        stack.extend((getattr(current, "reason", None), current.__cause__))
    return False
