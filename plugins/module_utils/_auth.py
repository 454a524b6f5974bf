# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Management tokens: fetched from an access key pair, or given ready-made; and what they claim."""

import base64
import json
import threading
import time

from ansible_collections.genauth.management.plugins.module_utils._envelope import Endpoint
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError

_KEY_PAIR_HINT = "Check access_key_id and access_key_secret (or GENAUTH_ACCESS_KEY_ID and GENAUTH_ACCESS_KEY_SECRET)."
# Safe to repeat although a POST: it only issues a token, and a token nobody received is never used.
TOKEN_ENDPOINT = Endpoint("POST", "get-management-token", hints={400: _KEY_PAIR_HINT, 401: _KEY_PAIR_HINT, 403: _KEY_PAIR_HINT},
                          idempotent=True)
# Refresh a little before the token's stated expiry, so a call never leaves with a token about to lapse.
EXPIRY_MARGIN = 30.0


def token_claims(token):
    """Decode a JWT's claims without verifying its signature (only the server can, and it will).

    Returns an empty dict for anything that is not a readable JWT: an opaque token is still usable.
    """
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")).decode("utf-8"))
    except (AttributeError, IndexError, ValueError, UnicodeError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}


class StaticToken(object):
    """An already-issued token (``access_token``): used as given, never refreshed."""

    refreshable = False

    def __init__(self, token):
        self._token = token

    def token(self, fetch):
        return self._token

    def renew(self, rejected, fetch):
        """A rejected static token stays rejected; the caller reports it."""
        return None


class AccessKeyToken(object):
    """A token fetched with the access key pair, cached for the run and refreshed when it expires or is rejected.

    Safe to share between threads: concurrent callers wait for one fetch and share its token, and a token
    rejected by several calls at once is replaced once.

    :param access_key_id: the access key id (for a user pool key, the user pool id).
    :param access_key_secret: the matching secret.
    :param on_token: called with every new token, so the caller can keep it out of logs.
    :param clock: a ``time.time``-like callable, for tests.
    """

    refreshable = True

    def __init__(self, access_key_id, access_key_secret, on_token=None, clock=time.time):
        self._key = {"accessKeyId": access_key_id, "accessKeySecret": access_key_secret}
        self._on_token = on_token
        self._clock = clock
        self._token = None
        self._expires_at = None
        self._lock = threading.Lock()
        # The error of the last fetch while it stands: callers that were waiting for that fetch get it too,
        # rather than each fetching again (with its own retries) from an endpoint that just failed.
        self._failure = None

    def token(self, fetch):
        """Return a valid token, fetching one with ``fetch(payload) -> Envelope`` (a call of
        :data:`TOKEN_ENDPOINT`) when needed."""
        with self._lock:
            if self._token is None or (self._expires_at is not None and self._clock() >= self._expires_at):
                self._refetch(fetch)
            return self._token

    def renew(self, rejected, fetch):
        """Replace the token ``rejected`` (answered with 401) and return the new one; if another call has
        replaced it already, return that token instead of fetching again."""
        with self._lock:
            if self._token is None or self._token == rejected:
                self._refetch(fetch)
            return self._token

    def _refetch(self, fetch):
        if self._failure is not None and self._failure[0] is self._token:
            raise self._failure[1]
        try:
            token, expires_at = self._fetch(fetch)
        except GenAuthError as error:
            self._failure = (self._token, error)
            raise
        self._token, self._expires_at, self._failure = token, expires_at, None

    def _fetch(self, fetch):
        envelope = fetch(self._key)
        data = envelope.data if isinstance(envelope.data, dict) else {}
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise GenAuthError(
                "GenAuth %s answered statusCode 200 without an access_token (requestId %s). Check that host "
                "points at the GenAuth Management API." % (TOKEN_ENDPOINT, envelope.request_id),
                endpoint=TOKEN_ENDPOINT.name, status_code=envelope.status_code, request_id=envelope.request_id,
            )
        if self._on_token:
            self._on_token(token)
        return token, self._expiry(data.get("expires_in"), token_claims(token).get("exp"))

    def _expiry(self, expires_in, exp_claim):
        """When to fetch a new token: from ``expires_in`` (relative, so immune to clock skew), else the JWT's
        ``exp``; a little early in both cases. None when neither is known: then only a 401 refreshes it."""
        now = self._clock()
        seconds = _number(expires_in)
        if seconds is None:
            exp = _number(exp_claim)
            if exp is None:
                return None
            seconds = exp - now
        return now + seconds - min(EXPIRY_MARGIN, max(seconds, 0) / 2.0)


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
