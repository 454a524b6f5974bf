# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Management tokens: fetched from an access key pair, given ready-made, or given with the key pair to fall back
on; and what they claim."""

import base64
import json
import threading
import time
from datetime import datetime, timezone

from ansible_collections.genauth.management.plugins.module_utils._envelope import Endpoint
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError

_KEY_PAIR_HINT = "Check access_key_id and access_key_secret (or GENAUTH_ACCESS_KEY_ID and GENAUTH_ACCESS_KEY_SECRET)."
# Every GenAuth API has this endpoint, so a 404 means the request went to the wrong address, not a missing id.
_WRONG_HOST_HINT = ("No token endpoint at this address: check host (or GENAUTH_HOST). It is the API's base URL, such "
                    "as https://api.genauth.ai, with a private deployment's path prefix if it has one, but without "
                    "/api/v3, which the module adds.")
# Safe to repeat although a POST: it only issues a token, and a token nobody received is never used.
TOKEN_ENDPOINT = Endpoint("POST", "get-management-token",
                          hints={400: _KEY_PAIR_HINT, 401: _KEY_PAIR_HINT, 403: _KEY_PAIR_HINT, 404: _WRONG_HOST_HINT},
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


def refresh_time(now, expires_in=None, exp_claim=None, iat_claim=None):
    """When a token should be replaced: ``EXPIRY_MARGIN`` before it lapses (at most half its lifetime, so a
    short-lived token is still used), from ``expires_in`` (seconds from ``now``, immune to clock skew) or else
    the JWT's ``exp`` (its lifetime from ``iat`` when it has one, else what is left). None when neither is known."""
    seconds = _number(expires_in)
    lifetime = seconds
    if seconds is None:
        exp = _number(exp_claim)
        if exp is None:
            return None
        seconds = exp - now
        iat = _number(iat_claim)
        lifetime = exp - iat if iat is not None else seconds
    margin = min(EXPIRY_MARGIN, max(lifetime, 0) / 2.0)
    return now + seconds - margin


def utc_iso(timestamp):
    """An epoch time as ISO 8601 in UTC, to the second (``2026-05-01T12:00:00Z``); None for a time no date can
    hold (an absurd ``expires_in`` or ``exp`` from a strange server)."""
    try:
        return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


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

    def describe(self, token):
        """What to call ``token`` in a warning."""
        return "the access_token given"

    def rebind(self, on_token, warn):
        """Nothing to hand over: the token is the run's own option."""


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
        # The current token's lifetime as issued: (seconds, epoch time it lapses), when known.
        self.lifetime = None
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

    def describe(self, token):
        """What to call ``token`` in a warning."""
        return "the management token"

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
        # Without expires_in or exp, only a 401 refreshes it.
        claims = token_claims(token)
        now = self._clock()
        seconds = _number(data.get("expires_in"))
        if seconds is None and _number(claims.get("exp")) is not None:
            seconds = _number(claims.get("exp")) - now
        self.lifetime = (seconds, now + seconds) if seconds is not None else None
        return token, refresh_time(now, data.get("expires_in"), claims.get("exp"), claims.get("iat"))

    def fetch_new(self, fetch):
        """Fetch a token now, whatever is cached: the token a caller holds is known to be unusable."""
        with self._lock:
            self._refetch(fetch)
            return self._token

    def rebind(self, on_token, warn):
        """Serve a later run (``_client.SHARED``): its ``on_token`` learns the token held now and every new one."""
        with self._lock:
            self._on_token = on_token
            # A failure is the earlier run's: this one asks again (a loop's next item, an until retry).
            self._failure = None
            if self._token is not None and on_token:
                on_token(self._token)


class TokenWithKeyPair(object):
    """The ``access_token`` given, used first; when it has expired by its ``exp`` claim, or is rejected with
    401, a token fetched with the access key pair replaces it for the rest of the run. The switch happens
    once, whichever call meets it first, with one warning for an expired token (the client warns for a 401).

    :param token: the ``access_token`` given.
    :param key_pair: an :class:`AccessKeyToken` for the access key pair given with it.
    :param warn: called with the warning when the token is replaced because it expired.
    :param clock: a ``time.time``-like callable, for tests.
    """

    refreshable = True

    def __init__(self, token, key_pair, warn=None, clock=time.time):
        self._given = token
        self._key_pair = key_pair
        self._warn = warn or (lambda msg: None)
        self._clock = clock
        claims = token_claims(token)
        self._stale_at = refresh_time(clock(), None, claims.get("exp"), claims.get("iat"))
        self._exp = _number(claims.get("exp"))
        self._replaced = False
        self._lock = threading.Lock()

    def token(self, fetch):
        with self._lock:
            if not self._replaced and self._stale_at is not None and self._clock() >= self._stale_at:
                self._key_pair.fetch_new(fetch)
                self._replaced = True
                self._warn("The access_token given expires at %s (its exp claim) and was not used; fetched a new "
                           "token with the access key pair. Log in again (genauth.management.genauth_token) to "
                           "spare later tasks this call." % utc_iso(self._exp))
        return self._given if not self._replaced else self._key_pair.token(fetch)

    def renew(self, rejected, fetch):
        """Replace the given token with one from the key pair when it is the one ``rejected``; a fetched one
        is renewed as :meth:`AccessKeyToken.renew` does."""
        with self._lock:
            if not self._replaced:
                token = self._key_pair.fetch_new(fetch)
                self._replaced = True
                return token
        if rejected == self._given:  # another call replaced it already
            return self._key_pair.token(fetch)
        return self._key_pair.renew(rejected, fetch)

    def describe(self, token):
        """What to call ``token`` in a warning."""
        return "the access_token given" if token == self._given else "the management token"

    def rebind(self, on_token, warn):
        """Serve a later run (``_client.SHARED``), with its callbacks."""
        self._warn = warn or (lambda msg: None)
        self._key_pair.rebind(on_token, warn)


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
