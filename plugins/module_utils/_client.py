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

import contextlib
import hashlib
import http.cookiejar
import json as json_lib
import re
import socket
import time
import traceback
from urllib.parse import urlsplit

from ansible_collections.genauth.management.plugins.module_utils._auth import (
    TOKEN_ENDPOINT, AccessKeyToken, StaticToken, TokenWithKeyPair, token_claims,
)
from ansible_collections.genauth.management.plugins.module_utils._connection import RETRIES, TIMEOUT, argument_spec
from ansible_collections.genauth.management.plugins.module_utils._envelope import (
    MAX_ANSWER_BYTES, parse_response, unreadable,
)
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import Secrets
from ansible_collections.genauth.management.plugins.module_utils import _proxy
from ansible_collections.genauth.management.plugins.module_utils._retry import RetryPolicy, connection_never_made
from ansible_collections.genauth.management.plugins.module_utils._transport import (
    ACCEPT_ENCODING, AnswerTooLarge, Deadline, UnreadableEncoding, WatchedAdapter, read_answer,
)
from ansible_collections.genauth.management.plugins.module_utils._validation import is_header_safe

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    import urllib3
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

API_PREFIX = "/api/v3/"
# The Python SDK names the user pool header x-genauth-userpool-id, the authing SDK x-authing-userpool-id;
# which one a server reads is not documented, so both are sent.
USERPOOL_HEADERS = ("x-genauth-userpool-id", "x-authing-userpool-id")
# Plain http to these is a test setup, not a risk worth a warning.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
# What the module runs of one task share when they run one after another in one process (the items of a loop,
# run in the controller's worker process by plugin_utils/_in_process, which sets this to a dict while a module
# runs): {key: (keep-alive session, token source)}. The key holds every shared connection option, so nothing is
# shared between different hosts, credentials, TLS or other connection settings. None in a module process.
SHARED = None


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
    :param timeout: the most seconds one HTTP request may take, from connecting to the last byte of the answer
        (``_transport.Deadline``).
    :param retry_policy: a :class:`RetryPolicy`.
    :param user_agent: the User-Agent header.
    :param warn: called with a message for every retry and token refresh (``AnsibleModule.warn``).
    :param sleep: ``time.sleep``, replaceable in tests.
    :param pool_size: keep-alive connections kept per host; at least the number of threads calling at once.
    :param secrets: a ``_masking.Secrets`` of everything to mask in the texts quoted from answers; the caller
        adds what it learns (a webhook's secret), the client the tokens it fetches.
    :param clock: ``time.monotonic``, replaceable in tests.
    :param proxies: ``_proxy.proxies()``: the proxy the task chose, no proxy at all, or None for the environment's
        (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, as requests reads them). The proxy's
        credentials are added to ``secrets``.

    One client may be shared by several threads (see ``_parallel``): they share the token and the connections.
    """

    def __init__(self, host, auth, userpool_id=None, validate_certs=True, ca_path=None, timeout=TIMEOUT.default,
                 retry_policy=None, user_agent=None, warn=None, sleep=time.sleep, pool_size=None, secrets=None,
                 clock=time.monotonic, session=None, proxies=None):
        self.host = host
        self._auth = auth
        self._userpool_id = userpool_id
        self._verify = (ca_path or True) if validate_certs else False
        self._timeout = timeout
        self._policy = retry_policy or RetryPolicy(RETRIES.default)
        self._warn = warn or (lambda msg: None)
        self._sleep = sleep
        self._clock = clock
        self.secrets = secrets if secrets is not None else Secrets()
        self._proxies = proxies
        self.route = _proxy.Route(host + API_PREFIX, proxies)
        for value in self.route.secrets:
            self.secrets.add(value)
        # When set (time_limit), the monotonic time by which every call of this client must be over.
        self._ends = None
        # What the calls of the last time limit were given (a SendBudget), once one was set.
        self.budget = None
        # Whether the session serves later runs too (SHARED): then closing the client leaves it open.
        self.shared = False
        if session is not None:  # handed over by an earlier run, set up as this one would be
            self._session = session
            return
        self._session = requests.Session()
        # The API authenticates with the bearer token; refusing cookies also keeps threads sharing the session
        # from writing its cookie jar while others read it.
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        adapter_options = {"pool_maxsize": pool_size} if pool_size and pool_size > requests.adapters.DEFAULT_POOLSIZE else {}
        for scheme in ("https://", "http://"):
            self._session.mount(scheme, WatchedAdapter(**adapter_options))
        if not validate_certs:
            # The module already warns once that verification is off; urllib3 would add a warning per request.
            requests.packages.urllib3.disable_warnings(requests.packages.urllib3.exceptions.InsecureRequestWarning)
        if user_agent:
            self._session.headers["User-Agent"] = user_agent
        self._session.headers["Accept"] = "application/json"
        # Only the codings _transport can inflate within its limit.
        self._session.headers["Accept-Encoding"] = ACCEPT_ENCODING

    @property
    def session(self):
        return self._session

    def close(self):
        if not self.shared:
            self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    @contextlib.contextmanager
    def time_limit(self, seconds):
        """Within the block, every call (its attempts, the waits between them, a token it needs) ends within
        ``seconds`` in all: an attempt gets what is left of them if that is less than ``timeout``, and no retry
        starts that could not end in time. ``budget`` then records what each attempt and wait was given."""
        self._ends = self._clock() + seconds
        self.budget = SendBudget(seconds)
        try:
            yield self
        finally:
            self._ends = None

    def _time_left(self, endpoint, last_error=None):
        """Seconds this attempt may take: ``timeout``, or less when a time limit is near; raises when it is spent."""
        if self._ends is None:
            return self._timeout
        left = self._ends - self._clock()
        if left <= 0.001:
            raise last_error or GenAuthError(
                "GenAuth %s at %s was not called: the time limit of this send was spent by the calls before it."
                % (endpoint, self.host), endpoint=endpoint.name, connect_failed=True)
        return min(self._timeout, left)

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
            seconds = self._time_left(endpoint)
            if self._ends is not None:
                self.budget.attempts.append((endpoint.name, seconds))
            try:
                return self._send(endpoint, params, json, headers, seconds)
            except GenAuthError as error:
                delay = self._policy.delay_before_retry(error, attempt, endpoint.idempotent)
                if delay is None:
                    raise
                if self._ends is not None and self._clock() + delay >= self._ends:
                    error.msg += " No retry was made: the time limit of this send would have run out first."
                    error.args = (error.msg,)
                    raise
                attempt += 1
                self._warn("GenAuth %s: retry %d of %d in %.1f s after: %s"
                           % (label or endpoint.name, attempt, self._policy.retries, delay, error.msg))
                if self._ends is not None:
                    self.budget.waits.append(delay)
                self._sleep(delay)

    def _send(self, endpoint, params, json, headers, seconds):
        """One HTTP request and its whole answer within ``seconds``; the answer's envelope, or GenAuthError."""
        url = self.host + API_PREFIX + endpoint.name
        deadline = Deadline(seconds)
        try:
            with deadline:
                response = self._session.request(
                    endpoint.method, url, params=params, json=json, headers=headers, verify=self._verify,
                    timeout=(seconds, seconds), stream=True, proxies=self._request_proxies(),
                    # A redirect would turn the POST into a GET and could carry the token elsewhere: report it.
                    allow_redirects=False,
                )
                try:
                    text = read_answer(response, MAX_ANSWER_BYTES)
                finally:
                    response.close()
        except requests.exceptions.SSLError as exc:
            if deadline.expired:
                raise self._timeout_error(endpoint, seconds)
            through = ""
            if self.route.proxy:
                through = (" The calls go through %s: a proxy that inspects TLS signs what it forwards with a CA of "
                           "its own, which is then the CA to give in ca_path." % self.route.describe())
            raise GenAuthError(
                "TLS failure talking to %s for %s: %s. If the server uses a private CA, set ca_path to its CA "
                "bundle; validate_certs=false turns verification off, which is only fit for tests.%s"
                % (self.host, endpoint, self.secrets.shown(_innermost_reason(exc), 300), through),
                endpoint=endpoint.name)
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError, ValueError) as exc:
            # Raised while building the request, before anything is sent. The exception's text may quote a
            # header value (the token), so it is not repeated.
            raise GenAuthError(
                "Could not build the %s request for %s (%s): a header or the URL holds characters HTTP cannot "
                "carry. Nothing was sent. Check host, userpool_id and the credentials for stray characters."
                % (endpoint, self.host, type(exc).__name__), endpoint=endpoint.name)
        except AnswerTooLarge as exc:
            raise self._too_large(endpoint, response, exc)
        except UnreadableEncoding as exc:
            raise unreadable(endpoint, response.status_code, "an answer it could not decode: %s" % exc,
                             headers=response.headers, secrets=self.secrets)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if deadline.expired:
                raise self._timeout_error(endpoint, seconds)
            raise self._transport_error(endpoint, exc, seconds)
        if response.status_code == 407 and self.route.proxy:
            # Only a proxy asks for its own credentials: for an http host, it answers the request itself.
            raise _proxy.refusal(self.route, endpoint, self.host, 407, self.secrets.shown(response.reason, 100))
        return parse_response(endpoint, response.status_code, response.reason, response.headers, text, self.secrets)

    def _request_proxies(self):
        # A copy for each request: requests adds the environment's proxies to the dict it is given, and threads share
        # the client.
        return dict(self._proxies) if self._proxies is not None else None

    def _too_large(self, endpoint, response, exc):
        declared = " (it declared %d bytes)" % exc.declared if exc.declared else ""
        what = "an answer larger than %d bytes, the most this client reads%s" % (exc.limit, declared)
        if 200 <= response.status_code < 300:
            return unreadable(endpoint, response.status_code, what, headers=response.headers, secrets=self.secrets)
        return GenAuthError(
            "GenAuth %s at %s failed with HTTP %d and %s. A proxy or gateway may be answering instead of the "
            "GenAuth Management API." % (endpoint, self.host, response.status_code, what),
            endpoint=endpoint.name, status_code=response.status_code, http_status=response.status_code)

    def _timeout_error(self, endpoint, seconds):
        return GenAuthError("GenAuth %s at %s failed: no answer within %g s (timeout), counted from connecting to "
                            "the last byte of the answer. %s" % (endpoint, self.host, seconds, _advice(endpoint)),
                            endpoint=endpoint.name, no_answer=True)

    def _transport_error(self, endpoint, exc, seconds):
        reason = self.secrets.shown(_innermost_reason(exc), 300)
        proxy_error = _proxy.failure(self.route, endpoint, self.host, exc, reason)
        if proxy_error is not None:
            return proxy_error
        if connection_never_made(exc):
            return GenAuthError(
                "Could not connect to %s for %s: %s. Check host (GENAUTH_HOST), the network and any proxy settings."
                % (self.host, endpoint, reason), endpoint=endpoint.name, connect_failed=True)
        if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, socket.timeout)):
            what = "no answer within %g s (timeout)" % seconds
        else:
            # The headers may have come, then the connection closed before the whole body did.
            what = "the connection broke before the answer arrived (%s)" % reason
        return GenAuthError("GenAuth %s at %s failed: %s. %s" % (endpoint, self.host, what, _advice(endpoint)),
                            endpoint=endpoint.name, no_answer=True)


class SendBudget(object):
    """What the calls within one ``GenAuthClient.time_limit`` of ``seconds`` were given: each attempt's seconds
    (``attempts``, as (endpoint name, seconds)) and each wait between attempts (``waits``), in order."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.attempts = []
        self.waits = []

    @property
    def given(self):
        """The seconds the attempts and the waits were given in all: what the send took, at most, when every
        attempt ran until its timeout (an API that never answers)."""
        return sum(seconds for dummy, seconds in self.attempts) + sum(self.waits)


def _advice(endpoint):
    """What to do after a request that was sent and got no complete answer."""
    if endpoint.idempotent:
        return ("The call is safe to repeat, so it is retried (see retries); if this persists, check that the "
                "server and any proxy in front of it are healthy, or raise timeout.")
    return ("The request may have been processed, so it was not retried; check whether it took effect before "
            "running it again, or raise timeout.")


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


def client_from_options(options, warn, on_secret, user_agent=None, pool_size=None, secrets=None, share=True,
                        clock=time.monotonic, sleep=time.sleep):
    """The :class:`GenAuthClient` for checked shared options: the one place that turns them into a client, for
    every module (``_module.GenAuthModule.client``) and any other plugin.

    :param options: the shared options after ``_connection.RULES`` and the credential rule.
    :param warn: called with each warning (unsafe transport, retries, token refreshes); it must mask secrets.
    :param on_secret: called with each secret the client learns (a fetched token), to be masked from then on.
    :param pool_size: the most calls the caller makes at once (see ``_parallel``).
    :param secrets: the caller's ``_masking.Secrets``, shared with the client so that every text quoted from an
        answer is masked with all the caller knows; the credentials are added to it, and the proxy's.
    :param share: whether the client may take over and hand on the session and token of another run with the
        same connection options (``SHARED``); False to fetch a token of its own.
    :param clock: ``time.monotonic`` and ``sleep`` ``time.sleep``, as for :class:`GenAuthClient`.
    """
    for warning in transport_warnings(options):
        warn(warning)
    secrets = secrets if secrets is not None else Secrets()
    for option in ("access_key_secret", "access_token"):
        secrets.add(options.get(option))

    def learned(value):
        secrets.add(value)
        on_secret(value)

    key = _shared_key(options, user_agent, pool_size) if SHARED is not None and share else None
    session, auth = SHARED.get(key, (None, None)) if key else (None, None)
    if auth is None:
        auth = auth_from_options(options, warn, learned)
    else:
        auth.rebind(learned, warn)
    client = GenAuthClient(
        options["host"], auth,
        userpool_id=options.get("userpool_id"),
        validate_certs=options["validate_certs"],
        ca_path=options.get("ca_path"),
        timeout=options["timeout"],
        retry_policy=RetryPolicy(retries=options["retries"]),
        user_agent=user_agent,
        warn=warn,
        pool_size=pool_size,
        secrets=secrets,
        session=session,
        proxies=_proxy.proxies(options),
        clock=clock,
        sleep=sleep,
    )
    # The proxy's credentials (from proxy_url or the environment) are masked wherever the caller masks secrets.
    for value in client.route.secrets:
        on_secret(value)
    if key:
        client.shared = True
        SHARED[key] = (client.session, auth)
    return client


def _shared_key(options, user_agent, pool_size):
    """What two runs must have in common to share a session and a token: every shared connection option (hashed,
    so that the key holds no secret)."""
    key = [user_agent, pool_size] + [[name, options.get(name)] for name in sorted(argument_spec())]
    return hashlib.sha256(json_lib.dumps(key).encode("utf-8")).hexdigest()
