# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The Management API V3 response envelope: success, business errors, and what gateways send instead.

GenAuth answers HTTP 200 for nearly everything and puts the outcome in the body:
``{"statusCode": 200, "message": ..., "requestId": ..., "data": ...}`` on success, and
``{"statusCode": N, "message": ..., "apiCode": ..., "requestId": ...}`` on failure. Proxies and gateways in
front of it may still answer a real HTTP error, or an HTML page; all of it ends here as a
:class:`GenAuthError` with a message that says what happened and what to do.
"""

import json
import re
from collections import namedtuple

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError, hint_for
from ansible_collections.genauth.management.plugins.module_utils._masking import Secrets
from ansible_collections.genauth.management.plugins.module_utils._retry import parse_retry_after

# How much of a body an error message quotes, after masking and escaping.
SNIPPET_LENGTH = 200
# The largest answer read, in bytes after decompression: a page of 50 webhooks or delivery logs is far smaller,
# and a server (or something in front of it) that sends more is refused before it can exhaust memory.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
# The deepest nesting of an answer's JSON kept: deeper parts are replaced by OMITTED. GenAuth's own objects are a
# few levels deep; a subscriber's answer deeper than this cannot be shown or passed on safely.
MAX_JSON_DEPTH = 64
OMITTED = "(omitted: nested more than %d levels deep)" % MAX_JSON_DEPTH

Envelope = namedtuple("Envelope", ["status_code", "message", "api_code", "request_id", "data", "pruned"])
Envelope.__new__.__defaults__ = (False,)
Envelope.__doc__ = ("A successful API answer: the envelope's fields, with ``data`` as sent except that parts nested "
                    "deeper than ``MAX_JSON_DEPTH`` are ``OMITTED`` (then ``pruned`` is true).")
_NO_SECRETS = Secrets()


class Endpoint(namedtuple("Endpoint", ["method", "name", "hints", "idempotent"])):
    """One Management API V3 call: its HTTP method, its name under ``/api/v3/``, what its failures tell the
    user to do beyond the generic advice (``{statusCode: hint}``), and whether it is safe to repeat.

    ``idempotent`` is true when sending the call twice has the same effect as sending it once (reads, an update
    to given values, a delete), so the retry policy (``_retry``) may repeat it even when it may already have
    been processed. It is false by default: a call that is not declared safe keeps the at-most-once rule.
    Each endpoint is defined once, beside the code that calls it (``_auth``, ``_webhooks``)."""

    __slots__ = ()

    def __new__(cls, method, name, hints=None, idempotent=False):
        return super(Endpoint, cls).__new__(cls, method, name, dict(hints or {}), bool(idempotent))

    def __str__(self):
        return self.name


def snippet(text, length=SNIPPET_LENGTH, secrets=None):
    """The start of a body to quote in an error message: masked first, then made printable, then cut, so that
    neither a secret nor an escape sequence can straddle the cut."""
    return (secrets or _NO_SECRETS).shown(text or "", length)


def prune(value, depth=MAX_JSON_DEPTH):
    """``value`` (fresh from ``json.loads``) with every array or object nested deeper than ``depth`` levels
    replaced by ``OMITTED``, in place and without recursion. Returns ``(value, pruned)``."""
    pruned = False
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, level = stack.pop()
        for key, child in list(node.items() if isinstance(node, dict) else enumerate(node)):
            if isinstance(child, (dict, list)):
                if level >= depth:
                    node[key] = OMITTED
                    pruned = True
                else:
                    stack.append((child, level + 1))
    return value, pruned


def _as_int(value):
    """statusCode as an int when it is a whole number (some deployments send strings), else unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str) and re.match(r"^\s*-?[0-9]{1,9}\s*$", value):
        return int(value)
    return value


# The longest server message an error quotes, after masking and escaping.
MESSAGE_LENGTH = 500


def _message_text(message):
    """Validation errors may come as a list of messages; make one line of them."""
    if isinstance(message, (list, tuple)):
        return "; ".join(str(item) for item in message)
    return "" if message is None else str(message)


def _scalar(value):
    """An envelope field a result returns (apiCode, requestId): a string or number as sent, else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return value


def _join(*parts):
    return " ".join(part for part in parts if part)


def api_error(endpoint, body, http_status=200, retry_after=None, secrets=None):
    """Build the error for an envelope whose statusCode is not 200 (sent with any HTTP status) on an
    :class:`Endpoint`. The server's own text is masked and made printable (``secrets``: a ``_masking.Secrets``)."""
    secrets = secrets or _NO_SECRETS
    sent = _as_int(body.get("statusCode"))
    # The error's status_code is a number or nothing, whatever a strange server sent; the message shows what it sent.
    status_code = sent if isinstance(sent, int) and not isinstance(sent, bool) else None
    api_code = _scalar(body.get("apiCode"))
    request_id = _scalar(body.get("requestId"))
    details = ", ".join(
        "%s %s" % (name, secrets.shown(value if isinstance(value, str) else json.dumps(value), SNIPPET_LENGTH))
        for name, value in (("statusCode", sent), ("apiCode", body.get("apiCode")), ("requestId", request_id),
                            ("HTTP", None if http_status == 200 else http_status))
        if value is not None
    )
    message = secrets.shown(_message_text(body.get("message")), MESSAGE_LENGTH) or "no message"
    msg = _join("GenAuth API error on %s: %s (%s)." % (endpoint, message, details), hint_for(status_code, endpoint.hints))
    return GenAuthError(
        msg, endpoint=endpoint.name, status_code=status_code, api_code=secrets.mask(api_code),
        request_id=secrets.mask(request_id), http_status=http_status, retry_after=retry_after,
    )


def _decode(text):
    """The JSON value of a body (parts nested too deep pruned, see :func:`prune`) and whether it was pruned;
    ``(None, False)`` for a body that is not JSON. Raises RecursionError for JSON nested too deep to parse."""
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None, False
    return prune(value)


def unreadable(endpoint, http_status, what, quoted=None, headers=None, secrets=None):
    """The error for an answer that cannot be read as an envelope (``what`` it is, and the start of it). After a
    2xx, the call reached the server, which may have processed it (``GenAuthError.unreadable_answer``)."""
    content_type = (secrets or _NO_SECRETS).shown((headers or {}).get("Content-Type") or "none", 100)
    return GenAuthError(
        "GenAuth %s answered HTTP %d with %s (content-type %s)%s. Check that host points at the GenAuth "
        "Management API; a proxy or gateway may be answering instead."
        % (endpoint, http_status, what, content_type, ": %s" % quoted if quoted is not None else ""),
        endpoint=endpoint.name, status_code=http_status, http_status=http_status,
        unreadable_answer=200 <= http_status < 300)


def parse_response(endpoint, http_status, reason, headers, text, secrets=None):
    """Turn one HTTP answer into an :class:`Envelope`, or raise :class:`GenAuthError`.

    :param endpoint: the :class:`Endpoint` that was called (its name goes into messages).
    :param http_status: the HTTP status code.
    :param reason: the HTTP reason phrase (may be empty).
    :param headers: a case-insensitive mapping of response headers.
    :param text: the decoded response body (at most ``MAX_ANSWER_BYTES``, see ``_transport``).
    :param secrets: a ``_masking.Secrets`` whose values are masked in every text quoted from the answer.
    """
    secrets = secrets or _NO_SECRETS
    try:
        body, pruned = _decode(text)
    except RecursionError:
        if 200 <= http_status < 300:
            raise unreadable(endpoint, http_status, "JSON nested too deeply to read (more than %d levels)"
                             % MAX_JSON_DEPTH, headers=headers, secrets=secrets)
        body, pruned = None, False
    retry_after = parse_retry_after(headers.get("Retry-After"))
    is_envelope = isinstance(body, dict) and "statusCode" in body

    if not 200 <= http_status < 300:
        if is_envelope and _as_int(body.get("statusCode")) != 200:
            raise api_error(endpoint, body, http_status, retry_after, secrets)
        status_line = _join("HTTP %d" % http_status, secrets.shown(reason, 100))
        if 300 <= http_status < 400:
            what = ("redirected to %s; set host to the address the API answers on"
                    % (secrets.shown(headers.get("Location"), SNIPPET_LENGTH) or "another address"))
        else:
            what = "answered %s" % snippet(text, secrets=secrets) if text else "sent an empty body"
        raise GenAuthError(
            _join("GenAuth %s failed with %s: the server %s." % (endpoint, status_line, what), hint_for(http_status, endpoint.hints)),
            endpoint=endpoint.name, status_code=http_status, http_status=http_status, retry_after=retry_after,
        )

    if not is_envelope:
        kind = "a body that is not JSON" if body is None else "JSON that is not a GenAuth response envelope"
        raise unreadable(endpoint, http_status, kind, snippet(text, secrets=secrets) or "empty body", headers, secrets)

    if _as_int(body.get("statusCode")) != 200:
        raise api_error(endpoint, body, http_status, retry_after, secrets)

    return Envelope(
        status_code=200,
        message=secrets.shown(_message_text(body.get("message")), MESSAGE_LENGTH),
        api_code=_scalar(body.get("apiCode")),
        request_id=_scalar(body.get("requestId")),
        data=body.get("data"),
        pruned=pruned,
    )
