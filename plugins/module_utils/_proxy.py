# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""Which proxy the calls to the API go through, its credentials kept secret, and a proxy's own failures reported as
the proxy's.

By default the environment of the process that makes the calls decides, as ``requests`` reads it: ``HTTPS_PROXY``
for an https host, ``HTTP_PROXY`` for an http one, else ``ALL_PROXY``, unless ``NO_PROXY`` lists the host; each in
upper or lower case, the lower case winning. A task may choose instead (the options ``proxy_url`` and ``use_proxy``
of ``_connection``): one proxy whatever the environment says, or none at all.

What a proxy refuses never reached GenAuth, so it gets the proxy's advice (its credentials, its rules, whether it
runs), not the API's; see :func:`failure`.
"""

import os
import re
from urllib.parse import unquote, urlsplit

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._retry import connection_never_made
from ansible_collections.genauth.management.plugins.module_utils._validation import has_space_or_control, reject

try:
    from requests.utils import get_environ_proxies, select_proxy
except ImportError:  # _client reports the missing library; nothing here is used without it
    get_environ_proxies = select_proxy = None

# The schemes a proxy URL may have: requests speaks to an http or https proxy by itself (SOCKS needs a library the
# collection does not require).
PROXY_SCHEMES = ("http", "https")
# The ``proxies`` that make requests use no proxy for an http(s) URL, whatever the environment holds: every key it
# looks up for such a URL, set to None (requests drops them after the environment's proxies were merged under them).
NO_PROXIES = {"http": None, "https": None, "all": None}
# What urllib3 raises when a proxy answers a CONNECT with an error status ("Tunnel connection failed: 407 Proxy
# Authentication Required"): the tunnel was never opened, so the request inside it was never sent.
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})\b ?([^'\"()\\]*)")


def proxy_url(value):
    """The proxy_url option: an http(s) URL naming a host, optionally a port and ``user:password@``; an empty
    string is the same as leaving the option out."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        reject("must be an http or https URL such as http://proxy.example.com:3128")
    text = value.strip()
    if has_space_or_control(text):
        reject("must not contain whitespace or control characters")
    try:
        parts = urlsplit(text)
        parts.port
    except ValueError:
        reject("is not a valid URL (its port, or its credentials, which must be percent-encoded)")
    if parts.scheme.lower() not in PROXY_SCHEMES:
        reject("must start with http:// or https:// (such as http://proxy.example.com:3128)")
    if not parts.hostname:
        reject("must name the proxy's host, as in http://proxy.example.com:3128")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        reject("must be the proxy's address alone, without a path, query string or fragment")
    return text


def proxies(options):
    """What ``requests`` is given as ``proxies`` for checked options: None lets the environment decide."""
    if not options.get("use_proxy", True):
        return dict(NO_PROXIES)
    if options.get("proxy_url"):
        return {"http": options["proxy_url"], "https": options["proxy_url"]}
    return None


def _as_requests_reads(url):
    """A proxy URL with the scheme requests gives one written without it (``user:pw@proxy:3128``)."""
    return url if "://" in url else "http://" + url


def shown(url):
    """A proxy as a message names it: its host and port, never its credentials. Not its whole URL either, which
    Ansible hides wherever it shows, as it hides any value of a no_log option (proxy_url)."""
    return urlsplit(_as_requests_reads(url)).netloc.rpartition("@")[2]


def credentials(url):
    """The secrets in a proxy's URL: its password and ``user:password``, as written and percent-decoded."""
    userinfo = urlsplit(_as_requests_reads(url)).netloc.rpartition("@")[0] if url else ""
    if not userinfo:
        return []
    found = [userinfo, unquote(userinfo)]
    if ":" in userinfo:
        password = userinfo.partition(":")[2]
        found += [password, unquote(password)]
    return [value for value in found if value]


def _variable(key, environ):
    """The environment variable that gave the proxy of ``key`` (``https``, ``all``), as urllib reads them: the lower
    case name when it is set, else the first other spelling that is."""
    lower = key + "_proxy"
    if environ.get(lower):
        return lower
    return next((name for name in sorted(environ) if name.lower() == lower and environ[name]), lower.upper())


class Route(object):
    """How the calls to ``url`` reach it: ``proxy`` (the proxy's URL, None when they go direct) and ``source``
    (what chose it: ``proxy_url``, an environment variable's name, or None when they go direct).

    :param proxies: :func:`proxies`' answer: None for the environment's choice, as ``requests`` makes it.
    """

    def __init__(self, url, proxies=None, environ=None):
        environ = os.environ if environ is None else environ
        self.proxy = self.source = None
        if proxies is None:
            found = get_environ_proxies(url) if get_environ_proxies else {}
            self.proxy = select_proxy(url, found) if select_proxy else None
            if self.proxy:
                key = next((key for key in (urlsplit(url).scheme, "all") if found.get(key) == self.proxy), "all")
                self.source = _variable(key, environ)
        elif proxies.get("https"):
            self.proxy, self.source = proxies["https"], "proxy_url"

    @property
    def secrets(self):
        """The proxy's credentials, to be masked wherever they could show."""
        return credentials(self.proxy)

    def describe(self):
        """``the proxy host:port (HTTPS_PROXY)``: the proxy named without its credentials."""
        return "the proxy %s (%s)" % (shown(self.proxy), self.source)

    def bypass(self):
        """How to go without this proxy, for messages."""
        if self.source == "proxy_url":
            return "leave proxy_url out (or set use_proxy: false)"
        return "add the host to NO_PROXY, or set use_proxy: false (GENAUTH_USE_PROXY=false)"

    def where_to_fix(self):
        """Where the proxy's URL is set, for messages."""
        if self.source == "proxy_url":
            return "proxy_url (GENAUTH_PROXY_URL)"
        return "%s (or proxy_url)" % self.source


def _wrapped(exc):
    """``exc`` and every exception it wraps (in its args, ``reason``, cause and context), each once."""
    seen, stack = set(), [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(current.args)
        stack.extend((getattr(current, "reason", None), current.__cause__, current.__context__))


def refused_tunnel(exc):
    """(status, reason) when a proxy answered the CONNECT for ``exc``'s request with an error status, else None."""
    for current in _wrapped(exc):
        match = _TUNNEL_REFUSED.search(str(current))
        if match:
            return int(match.group(1)), match.group(2).strip()[:100]
    return None


def _while_tunnelling(exc):
    """True when ``exc``, or an exception it wraps, was raised while the proxy was asked for a tunnel (urllib3's and
    http.client's ``_tunnel``): the request itself was not sent yet. urllib3 calls a proxy that hangs up then, and a
    server that hangs up after the tunnel carried the request, by the same name ("Unable to connect to proxy")."""
    for current in _wrapped(exc):
        trace = current.__traceback__
        while trace is not None:
            if trace.tb_frame.f_code.co_name == "_tunnel":
                return True
            trace = trace.tb_next
    return False


def failure(route, endpoint, host, exc, reason):
    """The :class:`GenAuthError` for a transport exception that is the proxy's own doing, or None when it is not
    (the caller then reports it as it would without a proxy).

    :param route: the :class:`Route` the request took; nothing is the proxy's doing when it went direct.
    :param reason: the exception's own text, already masked and cut (``_client._innermost_reason``).
    """
    if not route.proxy:
        return None
    refused = refused_tunnel(exc)
    if refused:
        return refusal(route, endpoint, host, refused[0], refused[1])
    if connection_never_made(exc):
        # With a proxy, every connection the client opens is to the proxy.
        return GenAuthError(
            "Could not connect to %s for %s at %s: %s. Nothing reached GenAuth. Check that the proxy runs and that "
            "%s names it; if GenAuth is reachable without it, %s."
            % (route.describe(), endpoint, host, reason, route.where_to_fix(), route.bypass()),
            endpoint=endpoint.name, connect_failed=True)
    if urlsplit(host).scheme == "https" and _while_tunnelling(exc):
        return GenAuthError(
            "%s did not open a tunnel to %s for %s: %s. Nothing reached GenAuth. Check that %s names a proxy that "
            "tunnels HTTPS (CONNECT) and allows this host, and the proxy's own log; the call is retried as one whose "
            "connection could not be made (see retries)."
            % (_capitalised(route.describe()), host, endpoint, reason, route.where_to_fix()),
            endpoint=endpoint.name, connect_failed=True)
    return None


def _capitalised(text):
    return text[:1].upper() + text[1:]


def refusal(route, endpoint, host, status, reason):
    """The error for a proxy that refused to carry a request to ``host`` with HTTP ``status``: to a CONNECT, or, for
    an http host, as its answer. Nothing reached GenAuth; a 502, 503 or 504 (the proxy could not reach GenAuth, or
    is overloaded) is retried as a connection that could not be made, any other refusal is not."""
    said = ("%d %s" % (status, reason)).strip()
    if status == 407:
        advice = ("The proxy wants credentials, or refused those given: put them in its URL "
                  "(http://user:password@host:port, special characters percent-encoded) in %s." % route.where_to_fix())
    elif status in (502, 503, 504):
        advice = ("The proxy could not reach %s: check host (GENAUTH_HOST), and that the proxy may connect to it. "
                  "Since nothing was sent, the call is retried as one whose connection could not be made (see "
                  "retries)." % host)
    elif status == 403:
        advice = ("The proxy does not allow connections to this host: ask its administrators to allow it, or, if "
                  "GenAuth is reachable without the proxy, %s." % route.bypass())
    else:
        advice = "Check the proxy's settings in %s." % route.where_to_fix()
    return GenAuthError(
        "%s refused to carry the %s call to %s: %s. Nothing reached GenAuth. %s"
        % (_capitalised(route.describe()), endpoint, host, said, advice),
        endpoint=endpoint.name, connect_failed=status in (502, 503, 504))
