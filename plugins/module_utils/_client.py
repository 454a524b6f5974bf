# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""A small client for the GenAuth Management API V3: one keep-alive session, a token, the envelope,
the retry policy, and TLS verified by default.

Every endpoint goes through :meth:`GenAuthClient.call`; endpoint-specific helpers (see ``_webhooks``)
only define the endpoint (``_envelope.Endpoint``) and shape the request.
"""

import http.cookiejar
import re
import time
import traceback
from urllib.parse import urlsplit

from ansible_collections.genauth.management.plugins.module_utils._auth import (
    TOKEN_ENDPOINT, AccessKeyToken, StaticToken, TokenWithKeyPair, token_claims,
)
from ansible_collections.genauth.management.plugins.module_utils._connection import RETRIES, TIMEOUT
from ansible_collections.genauth.management.plugins.module_utils._envelope import parse_response
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy, connection_never_made
from ansible_collections.genauth.management.plugins.module_utils._validation import is_header_safe

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

API_PREFIX = "/api/v3/"
# The Python SDK names the user pool header x-genauth-userpool-id, the authing SDK x-authing-userpool-id;
# which one a server reads is not documented, so both are sent.
USERPOOL_HEADERS = ("x-genauth-userpool-id", "x-authing-userpool-id")
# Plain http to these is a test setup, not a risk worth a warning.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def _innermost_reason(exc):
    """The most specific text of a requests/urllib3 exception chain, without object reprs."""
    current, text = exc, str(exc)
    for dummy in range(10):
        nested = getattr(current, "reason", None)
        if not isinstance(nested, BaseException):
            nested = next((arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)), None)
        if nested is None:
            break
        current, text = nested, str(nested) or text
    # urllib3 prefixes the connection object ("HTTPConnection(host=..., port=...): "); the host is named elsewhere.
    text = re.sub(r"^(<[^>]* object at 0x[0-9a-fA-F]+>|\w+\([^)]*\)):\s*", "", text)
    return text.strip() or type(exc).__name__


class GenAuthClient(object):
    """Calls Management API V3 endpoints and returns their envelopes.

    :param host: the API base URL, already validated (scheme, host, optional path prefix, no trailing slash).
    :param auth: a token source from ``_auth`` (``AccessKeyToken`` or ``StaticToken``).
    :param userpool_id: sent as the user pool headers; when None, read from the token's ``scoped_userpool_id``.
    :param validate_certs: verify the server's TLS certificate (on by default, unlike the official SDKs).
    :param ca_path: a CA bundle (file or directory) to verify against instead of the system store.
    :param timeout: seconds for connecting and for each read, per HTTP request.
    :param retry_policy: a :class:`RetryPolicy`.
    :param user_agent: the User-Agent header.
    :param warn: called with a message for every retry and token refresh (``AnsibleModule.warn``).
    :param sleep: ``time.sleep``, replaceable in tests.
    :param pool_size: keep-alive connections kept per host; at least the number of threads calling at once.

    One client may be shared by several threads (see ``_parallel``): they share the token and the connections.
    """

    def __init__(self, host, auth, userpool_id=None, validate_certs=True, ca_path=None, timeout=TIMEOUT.default,
                 retry_policy=None, user_agent=None, warn=None, sleep=time.sleep, pool_size=None):
        self.host = host
        self._auth = auth
        self._userpool_id = userpool_id
        self._verify = (ca_path or True) if validate_certs else False
        self._timeout = timeout
        self._policy = retry_policy or RetryPolicy(RETRIES.default)
        self._warn = warn or (lambda msg: None)
        self._sleep = sleep
        self._session = requests.Session()
        # The API authenticates with the bearer token; refusing cookies also keeps threads sharing the session
        # from writing its cookie jar while others read it.
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        if pool_size and pool_size > requests.adapters.DEFAULT_POOLSIZE:
            for scheme in ("https://", "http://"):
                self._session.mount(scheme, requests.adapters.HTTPAdapter(pool_maxsize=pool_size))
        if not validate_certs:
            # The module already warns once that verification is off; urllib3 would add a warning per request.
            requests.packages.urllib3.disable_warnings(requests.packages.urllib3.exceptions.InsecureRequestWarning)
        if user_agent:
            self._session.headers["User-Agent"] = user_agent
        self._session.headers["Accept"] = "application/json"

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def call(self, endpoint, params=None, json=None, subject=None):
        """Call an :class:`~._envelope.Endpoint` with the management token and return its :class:`Envelope`.

        ``subject`` names what the call is about (``webhook 62a...``) in warnings, which calls made at the
        same time would otherwise share word for word.

        Retries follow the retry policy. When a token this client fetched, or an access_token given with the
        access key pair, is rejected (401), a new one is fetched with the key pair and the call repeated once: a
        401 means the call was not processed, so this is safe.
        """
        label = "%s for %s" % (endpoint, subject) if subject else endpoint.name
        token = self._auth.token(self._fetch_token)
        try:
            return self._with_retries(endpoint, params, json, self._auth_headers(token), label)
        except GenAuthError as error:
            if not error.unauthorized:
                raise
            if not self._auth.refreshable:
                error.msg += (" The access_token was rejected (expired or revoked?): issue a new one, or give "
                              "access_key_id and access_key_secret so that tokens are fetched and refreshed.")
                error.args = (error.msg,)
                raise
        rejected = self._auth.describe(token)
        token = self._auth.renew(token, self._fetch_token)
        self._warn("GenAuth %s rejected %s (statusCode 401); fetched a new token; "
                   "repeating the call once." % (label, rejected))
        return self._with_retries(endpoint, params, json, self._auth_headers(token), label)

    def authenticate(self):
        """Get the management token now (when it comes from the access key pair), so that a credentials
        problem fails once, before a batch of calls, rather than in each of them. Returns the token."""
        return self._auth.token(self._fetch_token)

    @property
    def auth(self):
        """The token source (``_auth``), for what it knows of the current token (``AccessKeyToken.lifetime``)."""
        return self._auth

    def _fetch_token(self, payload):
        return self._with_retries(TOKEN_ENDPOINT, None, payload, {})

    def _auth_headers(self, token):
        headers = {"Authorization": "Bearer %s" % token}
        userpool_id = self._userpool_id or token_claims(token).get("scoped_userpool_id")
        # A claim that cannot be a header value (a strange server's) is left out rather than breaking the call.
        if is_header_safe(userpool_id):
            headers.update((name, userpool_id) for name in USERPOOL_HEADERS)
        return headers

    def _with_retries(self, endpoint, params, json, headers, label=None):
        attempt = 0
        while True:
            try:
                return self._send(endpoint, params, json, headers)
            except GenAuthError as error:
                delay = self._policy.delay_before_retry(error, attempt, endpoint.idempotent)
                if delay is None:
                    raise
                attempt += 1
                self._warn("GenAuth %s: retry %d of %d in %.1f s after: %s"
                           % (label or endpoint.name, attempt, self._policy.retries, delay, error.msg))
                self._sleep(delay)

    def _send(self, endpoint, params, json, headers):
        url = self.host + API_PREFIX + endpoint.name
        try:
            response = self._session.request(
                endpoint.method, url, params=params, json=json, headers=headers, verify=self._verify,
                timeout=(self._timeout, self._timeout),
                # A redirect would turn the POST into a GET and could carry the token elsewhere: report it instead.
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:
            raise GenAuthError(
                "TLS failure talking to %s for %s: %s. If the server uses a private CA, set ca_path to its CA "
                "bundle; validate_certs=false turns verification off, which is only fit for tests."
                % (self.host, endpoint, _innermost_reason(exc)), endpoint=endpoint.name)
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError, ValueError) as exc:
            # Raised while building the request, before anything is sent. The exception's text may quote a
            # header value (the token), so it is not repeated.
            raise GenAuthError(
                "Could not build the %s request for %s (%s): a header or the URL holds characters HTTP cannot "
                "carry. Nothing was sent. Check host, userpool_id and the credentials for stray characters."
                % (endpoint, self.host, type(exc).__name__), endpoint=endpoint.name)
        except requests.exceptions.RequestException as exc:
            raise self._transport_error(endpoint, exc)
        return parse_response(endpoint, response.status_code, response.reason, response.headers, response.text)

    def _transport_error(self, endpoint, exc):
        reason = _innermost_reason(exc)
        if connection_never_made(exc):
            return GenAuthError(
                "Could not connect to %s for %s: %s. Check host (GENAUTH_HOST), the network and any proxy settings."
                % (self.host, endpoint, reason), endpoint=endpoint.name, connect_failed=True)
        if isinstance(exc, requests.exceptions.Timeout):
            what = "no answer within %g s (timeout)" % self._timeout
        elif isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            # ChunkedEncodingError: the headers came, then the connection closed before the whole body did.
            what = "the connection broke before the answer arrived (%s)" % reason
        else:
            what = reason
        if endpoint.idempotent:
            advice = ("The call is safe to repeat, so it is retried (see retries); if this persists, check that "
                      "the server and any proxy in front of it are healthy, or raise timeout.")
        else:
            advice = ("The request may have been processed, so it was not retried; check whether it took effect "
                      "before running it again, or raise timeout.")
        return GenAuthError("GenAuth %s at %s failed: %s. %s" % (endpoint, self.host, what, advice),
                            endpoint=endpoint.name, no_answer=True)


def transport_warnings(options):
    """What is unsafe about how checked options (``_connection.RULES``) reach the server, one warning each."""
    if not options["validate_certs"]:
        return ["validate_certs is false: the GenAuth server's TLS certificate is not verified, so the "
                "credentials can be intercepted. Use ca_path for a private CA instead."]
    if options["host"].startswith("http://") and (urlsplit(options["host"]).hostname or "").lower() not in LOOPBACK_HOSTS:
        return ["host uses plain http: the credentials and token travel unencrypted. Use https."]
    return []


def auth_from_options(options, warn, on_secret):
    """The token source for checked shared options: the access_token as given; the access key pair; or both,
    the token first and the key pair when it has expired or is rejected (``_auth.TokenWithKeyPair``)."""
    key_pair = None
    if options.get("access_key_id"):
        key_pair = AccessKeyToken(options["access_key_id"], options["access_key_secret"], on_token=on_secret)
    if not options.get("access_token"):
        return key_pair
    if key_pair is None:
        return StaticToken(options["access_token"])
    return TokenWithKeyPair(options["access_token"], key_pair, warn=warn)


def client_from_options(options, warn, on_secret, user_agent=None, pool_size=None):
    """The :class:`GenAuthClient` for checked shared options: the one place that turns them into a client, for
    every module (``_module.GenAuthModule.client``) and any other plugin.

    :param options: the shared options after ``_connection.RULES`` and the credential rule.
    :param warn: called with each warning (unsafe transport, retries, token refreshes); it must mask secrets.
    :param on_secret: called with each secret the client learns (a fetched token), to be masked from then on.
    :param pool_size: the most calls the caller makes at once (see ``_parallel``).
    """
    for warning in transport_warnings(options):
        warn(warning)
    auth = auth_from_options(options, warn, on_secret)
    return GenAuthClient(
        options["host"], auth,
        userpool_id=options.get("userpool_id"),
        validate_certs=options["validate_certs"],
        ca_path=options.get("ca_path"),
        timeout=options["timeout"],
        retry_policy=RetryPolicy(retries=options["retries"]),
        user_agent=user_agent,
        warn=warn,
        pool_size=pool_size,
    )
