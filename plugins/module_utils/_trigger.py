# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""What a trigger sends and how it is sent: the rules of a trigger's inputs (one webhook, or a list of them), and
the lookup then the trigger, which the trigger module and the notification callback share."""

import json
import re
import unicodedata

from ansible_collections.genauth.management.plugins.module_utils._envelope import MAX_JSON_DEPTH, OMITTED
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._parallel import run_each
from ansible_collections.genauth.management.plugins.module_utils._resource import MAX_PAGES
from ansible_collections.genauth.management.plugins.module_utils._validation import identifier, list_of, reject
from ansible_collections.genauth.management.plugins.module_utils._webhooks import (
    MAX_WEBHOOKS, PAGE_LIMIT, json_kind, mask_webhook, secret_known, without_none,
)

# A trigger's body travels through GenAuth to the subscriber; 1 MiB is far above any deployment notice
# and keeps a runaway template from posting megabytes.
MAX_BODY_BYTES = 1024 * 1024


# RFC 9110 token characters: what an HTTP header name may contain.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


def headers_for_subscriber(value):
    """Header name -> value for the subscriber: valid names, scalar values as strings, no CR/LF/NUL."""
    if not isinstance(value, dict):
        reject("must be a dictionary of header name to value")
    headers = {}
    seen = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            reject("is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)", name)
        if name.lower() in seen:
            reject("duplicates header %r (header names are case-insensitive)" % seen[name.lower()], name)
        seen[name.lower()] = name
        headers[name] = _header_value(name, raw)
    return headers


def _header_value(name, raw):
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float)):
        return str(raw)
    if not isinstance(raw, str):
        reject("value must be a string, number or boolean, not %s" % type(raw).__name__, name)
    if "\r" in raw or "\n" in raw:
        reject("value must not contain CR or LF", name)
    if "\x00" in raw:
        reject("value must not contain NUL", name)
    if any(char != "\t" and unicodedata.category(char) == "Cc" for char in raw):
        reject("value must not contain control characters", name)
    try:
        raw.encode("latin-1")
    except UnicodeEncodeError:
        reject("value must contain only Latin-1 characters, which is all an HTTP header can carry "
               "(percent-encode other text)", name)
    return raw


def body_for_subscriber(value):
    """A JSON object: a dict, or a string that parses as one. Returns the dict."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            reject("must be a JSON object, but the string is not valid JSON (%s)" % exc)
        if not isinstance(value, dict):
            reject("must be a JSON object, but the string holds %s" % json_kind(value))
    if not isinstance(value, dict):
        reject("must be a JSON object (a dictionary), not %s" % json_kind(value))
    try:
        size = len(json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        reject("must contain only JSON values (%s)" % exc)
    if size > MAX_BODY_BYTES:
        reject("is %d bytes as JSON; the limit is %d bytes" % (size, MAX_BODY_BYTES))
    return value


# The rules of one webhook to trigger: the options of a single trigger, or an item of a list of them.
TRIGGER_RULES = {
    "webhook_id": identifier,
    "request_headers": headers_for_subscriber,
    "request_body": body_for_subscriber,
}
# A list of webhooks to trigger, each held to the rules of a single trigger.
trigger_list = list_of(TRIGGER_RULES, MAX_WEBHOOKS, noun="webhook", key="webhook_id")


def trigger_payload(webhook_id, request_headers=None, request_body=None):
    """The trigger-webhook body, exactly as the official SDK builds it."""
    return without_none({"webhookId": webhook_id, "requestHeaders": request_headers, "requestBody": request_body})


# ---------------------------------------------------------------------------------------------- the lookup, then the trigger

def look_up(api, webhook_id, context, known=None):
    """The webhook as GenAuth describes it, from ``known`` (see :func:`look_up_together`) or get-webhook: its secret
    handed to ``context.treat_as_secret`` so that it is masked from then on, and a warning when it is disabled.

    :param context: what a caller gives these functions: ``warn(msg)`` and ``treat_as_secret(value)`` (a module,
        or the callback's stand-in).
    Raises :class:`GenAuthError`.
    """
    webhook = (known or {}).get(webhook_id) or api.get(webhook_id)
    context.treat_as_secret(webhook.get("secret"))
    if webhook.get("enabled") is False:
        context.warn("Webhook %s is disabled; GenAuth may not deliver it." % webhook_id)
    return webhook


def trigger(api, item, context, webhook=None, check_mode=False, result=None):
    """Trigger the webhook of ``item`` (``webhook_id``, ``request_headers``, ``request_body``), or in check mode say
    what would be sent, and return ``(result, hidden)``.

    :param webhook: what :func:`look_up` found, or None when the webhook was not looked up; when it does not show
        the secret (``secret_known``), the subscriber's answer, which may echo it, is left out of the result and
        ``hidden`` says why.
    :param result: the dict to fill (it keeps what was learnt when the trigger fails).

    Raises :class:`GenAuthError`; one that came after the request reached GenAuth sets ``changed`` in ``result``
    and says that the webhook may have been delivered, so that a rerun is not taken for a first delivery.
    """
    result = {} if result is None else result
    webhook_id = item["webhook_id"]
    hidden = None
    if webhook is not None:
        if webhook:
            result["webhook"] = mask_webhook(webhook)
        if not secret_known(webhook):
            hidden = "GenAuth did not show the webhook's secret, so a subscriber's answer that echoes it could not " \
                     "be masked"
    if check_mode:
        result.update(changed=True, request=trigger_payload(
            webhook_id, item.get("request_headers"), item.get("request_body")))
        return result, None
    try:
        envelope = api.trigger(webhook_id, trigger_payload(webhook_id, item.get("request_headers"),
                                                           item.get("request_body")))
    except GenAuthError as error:
        if error.may_have_been_processed:
            result["changed"] = True
            error.msg += " The webhook may have been delivered: check with its subscriber before triggering it again."
            error.args = (error.msg,)
        raise
    if envelope.pruned:
        context.warn("Webhook %s: the answer is nested more than %d levels deep; the deeper parts of response read "
                     "%r." % (webhook_id, MAX_JSON_DEPTH, OMITTED))
    data = envelope.data if isinstance(envelope.data, dict) else {}
    result.update(changed=True, status_code=envelope.status_code, message=envelope.message,
                  request_id=envelope.request_id)
    if hidden is None:
        result["response"] = data.get("response")
    return result, hidden


def look_up_together(api, webhook_ids, concurrency):
    """The webhooks of ``webhook_ids`` that list-webhooks shows with their secret, by id, in as few calls as the
    API allows.

    The first page (``PAGE_LIMIT`` webhooks) tells how many pages there are. The other pages are read (up to
    ``concurrency`` at a time) only when they are fewer calls than one get-webhook for each webhook still
    missing; otherwise those are left to get-webhook. A webhook missing here is looked up with get-webhook,
    so an unknown one fails with that call's own error, as a single trigger does; so does every webhook when
    list-webhooks fails (an access key allowed get-webhook but not list-webhooks, or an answer of an odd shape).
    So is a webhook the list shows without its secret (omitted or masked): the secret must be known to mask it in
    a subscriber's answer that echoes it.
    """
    asked = set(webhook_ids)
    if len(asked) < 2:  # one get-webhook is as few calls as one page
        return {}
    found = {}

    def keep(page):
        found.update((webhook["webhookId"], webhook) for webhook in page["list"]
                     if webhook["webhookId"] in asked and secret_known(webhook))

    try:
        first = api.list(page=1, limit=PAGE_LIMIT)
    except GenAuthError:
        return found
    keep(first)
    total, missing = first.get("totalCount"), len(asked) - len(found)
    if not missing or isinstance(total, bool) or not isinstance(total, int) or len(first["list"]) < PAGE_LIMIT:
        return found
    pages_left = -(-total // PAGE_LIMIT) - 1
    if 0 < pages_left <= min(missing, MAX_PAGES - 1):
        for outcome in run_each(lambda page: api.list(page=page, limit=PAGE_LIMIT), range(2, pages_left + 2),
                                concurrency):
            if not outcome.failed:
                keep(outcome.value)
    return found
