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
from ansible_collections.genauth.management.plugins.module_utils._retry import parse_retry_after

SNIPPET_LENGTH = 200

Envelope = namedtuple("Envelope", ["status_code", "message", "api_code", "request_id", "data"])
Envelope.__doc__ = "A successful API answer: the envelope's fields, with ``data`` unchanged."


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


def snippet(text, length=SNIPPET_LENGTH):
    """The first ``length`` characters of a body, exactly as sent, to quote in an error message."""
    text = text or ""
    return text[:length] + ("..." if len(text) > length else "")


def _as_int(value):
    """statusCode as an int when it is a whole number (some deployments send strings), else unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str) and re.match(r"^\s*-?[0-9]{1,9}\s*$", value):
        return int(value)
    return value


def _message_text(message):
    """Validation errors may come as a list of messages; make one line of them."""
    if isinstance(message, (list, tuple)):
        return "; ".join(str(item) for item in message)
    return "" if message is None else str(message)


def _join(*parts):
    return " ".join(part for part in parts if part)


def api_error(endpoint, body, http_status=200, retry_after=None):
    """Build the error for an envelope whose statusCode is not 200 (sent with any HTTP status) on an
    :class:`Endpoint`."""
    sent = _as_int(body.get("statusCode"))
    # The error's status_code is a number or nothing, whatever a strange server sent; the message shows what it sent.
    status_code = sent if isinstance(sent, int) and not isinstance(sent, bool) else None
    api_code = body.get("apiCode")
    request_id = body.get("requestId")
    details = ", ".join(
        "%s %s" % (name, value)
        for name, value in (("statusCode", sent), ("apiCode", api_code), ("requestId", request_id),
                            ("HTTP", None if http_status == 200 else http_status))
        if value is not None
    )
    message = _message_text(body.get("message")) or "no message"
    msg = _join("GenAuth API error on %s: %s (%s)." % (endpoint, message, details), hint_for(status_code, endpoint.hints))
    return GenAuthError(
        msg, endpoint=endpoint.name, status_code=status_code, api_code=api_code, request_id=request_id,
        http_status=http_status, retry_after=retry_after,
    )


def _decode(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def parse_response(endpoint, http_status, reason, headers, text):
    """Turn one HTTP answer into an :class:`Envelope`, or raise :class:`GenAuthError`.

    :param endpoint: the :class:`Endpoint` that was called (its name goes into messages).
    :param http_status: the HTTP status code.
    :param reason: the HTTP reason phrase (may be empty).
    :param headers: a case-insensitive mapping of response headers.
    :param text: the decoded response body.
    """
    body = _decode(text)
    retry_after = parse_retry_after(headers.get("Retry-After"))
    is_envelope = isinstance(body, dict) and "statusCode" in body

    if not 200 <= http_status < 300:
        if is_envelope and _as_int(body.get("statusCode")) != 200:
            raise api_error(endpoint, body, http_status, retry_after)
        status_line = _join("HTTP %d" % http_status, reason)
        if 300 <= http_status < 400:
            what = "redirected to %s; set host to the address the API answers on" % (headers.get("Location") or "another address")
        else:
            what = "answered %s" % snippet(text) if text else "sent an empty body"
        raise GenAuthError(
            _join("GenAuth %s failed with %s: the server %s." % (endpoint, status_line, what), hint_for(http_status, endpoint.hints)),
            endpoint=endpoint.name, status_code=http_status, http_status=http_status, retry_after=retry_after,
        )

    if not is_envelope:
        kind = "a body that is not JSON" if body is None else "JSON that is not a GenAuth response envelope"
        raise GenAuthError(
            "GenAuth %s answered HTTP %d with %s (content-type %s): %s. Check that host points at the GenAuth "
            "Management API; a proxy or gateway may be answering instead."
            % (endpoint, http_status, kind, headers.get("Content-Type") or "none", snippet(text) or "empty body"),
            endpoint=endpoint.name, status_code=http_status, http_status=http_status,
        )

    if _as_int(body.get("statusCode")) != 200:
        raise api_error(endpoint, body, http_status, retry_after)

    return Envelope(
        status_code=200,
        message=_message_text(body.get("message")),
        api_code=body.get("apiCode"),
        request_id=body.get("requestId"),
        data=body.get("data"),
    )
