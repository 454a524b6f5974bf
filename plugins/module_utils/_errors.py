# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The one error type of the GenAuth client, and what each kind of failure tells the user to do."""

from ansible_collections.genauth.management.plugins.module_utils._masking import printable

# What to do, by the envelope's statusCode class: the API documents these classes, not per-endpoint codes. An
# endpoint may say more about a code (see ``_envelope.Endpoint``); its own hint then wins.
_HINTS = {
    400: "Check the values sent for this call.",
    401: "Check the credentials: access_key_id and access_key_secret, or access_token "
         "(also the GENAUTH_* environment variables).",
    402: "The user pool's plan does not include this feature.",
    403: "The credentials are not allowed to do this, or userpool_id does not match them.",
    404: "Check that the id exists in the user pool the credentials belong to.",
    409: "The object already exists or was changed concurrently.",
    413: "The request is too large for GenAuth.",
    422: "GenAuth refused the operation in the object's current state.",
    429: "GenAuth is throttling requests; raise retries or try again later.",
}
_SERVER_HINT = "GenAuth reported a server error; try again later, and contact GenAuth support with the requestId if it persists."
_THIRD_PARTY_HINT = "A third-party endpoint that GenAuth called for this request failed."


def hint_for(status_code, endpoint_hints=None):
    """The advice that goes with an envelope statusCode (or HTTP status), preferring the endpoint's own."""
    if isinstance(status_code, bool) or not isinstance(status_code, int):
        return None  # no statusCode, or one that is not a whole number (_envelope.api_error keeps it out)
    if endpoint_hints and status_code in endpoint_hints:
        return endpoint_hints[status_code]
    if status_code in _HINTS:
        return _HINTS[status_code]
    if 500 <= status_code < 600:
        return _SERVER_HINT
    if 600 <= status_code < 700:
        return _THIRD_PARTY_HINT
    return None


class GenAuthError(Exception):
    """Any failure of a GenAuth API call, transport or business, with the fields a playbook may act on.

    :param msg: the full, human-readable message (what went wrong and what to do).
    :param endpoint: the API endpoint name, such as ``trigger-webhook``.
    :param status_code: the envelope's ``statusCode``, or the HTTP status when there was no envelope.
    :param api_code: the envelope's ``apiCode`` (a number or a string, as the API sent it).
    :param request_id: the envelope's ``requestId``.
    :param http_status: the real HTTP status code, when a response arrived.
    :param connect_failed: True when no connection was made, so the request surely never reached the server.
    :param no_answer: True when the request was sent (or may have been) and no complete answer came back: a
        timeout or a connection that broke. The call may or may not have been processed.
    :param retry_after: seconds the server asked us to wait (``Retry-After``), if it said so.
    :param unreadable_answer: True when the server answered HTTP 2xx with something that cannot be read (not
        JSON, not an envelope, nested too deep, too large): it may have processed the call.

    The message is made printable (``_masking.printable``): it may quote a server, and it reaches a terminal.

    Whether an error is retried is decided from these facts by ``_retry.RetryPolicy`` alone.
    """

    def __init__(self, msg, endpoint=None, status_code=None, api_code=None, request_id=None,
                 http_status=None, connect_failed=False, retry_after=None, no_answer=False, unreadable_answer=False):
        msg = printable(msg)
        super(GenAuthError, self).__init__(msg)
        self.msg = msg
        self.endpoint = endpoint
        self.status_code = status_code
        self.api_code = api_code
        self.request_id = request_id
        self.http_status = http_status
        self.connect_failed = connect_failed
        self.retry_after = retry_after
        self.no_answer = no_answer
        self.unreadable_answer = unreadable_answer

    @property
    def may_have_been_processed(self):
        """True when the request reached the server and no usable answer came back: it may have taken effect."""
        return self.no_answer or self.unreadable_answer

    @property
    def unauthorized(self):
        """True when the server rejected the credentials (envelope or HTTP 401)."""
        return self.status_code == 401 or self.http_status == 401

    def result_fields(self):
        """The fields a failed task returns beside ``msg``."""
        return {
            "status_code": self.status_code,
            "api_code": self.api_code,
            "request_id": self.request_id,
            "http_status": self.http_status,
        }

    def __str__(self):
        return self.msg
