# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The retry policy: which failures are retried, and how long to wait before the next attempt.

A webhook trigger is not idempotent. A failure is retried only when the request surely was not
processed (no connection was made) or when the server explicitly asks for a retry (429, 503, by HTTP
status or by the envelope's statusCode). A timeout after the request was sent, a dropped connection,
a 500 or a 502 are never retried: the webhook may already have been delivered, and delivering it twice
is worse than reporting the failure.
"""

import email.utils
import math
import random
import time

# HTTP statuses and envelope statusCodes that mean "not processed, come back later".
RETRYABLE_STATUS_CODES = frozenset((429, 503))
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
    def is_retryable(error):
        """True only when ``error`` proves the request was not processed, or the server asked for a retry.

        A real HTTP error status decides on its own: a gateway's 500 wrapping an upstream 503 envelope may
        still have reached GenAuth. The envelope's statusCode counts only inside an HTTP 2xx answer.
        """
        if error.connect_failed:
            return True
        if error.http_status is not None and not 200 <= error.http_status < 300:
            return error.http_status in RETRYABLE_STATUS_CODES
        return error.http_status is not None and error.status_code in RETRYABLE_STATUS_CODES

    def delay_before_retry(self, error, attempt):
        """Return how long to wait before retrying after ``error``, or None when it must not be retried.

        :param error: a :class:`GenAuthError` from attempt number ``attempt`` (0 for the first try).
        """
        if attempt >= self.retries or not self.is_retryable(error):
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
