# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""What ``genauth_webhook_info`` returns: the webhooks selected, each masked, with its recent deliveries, whose
headers and bodies are redacted whatever the shape GenAuth gives them in."""

import json
import re

from ansible_collections.genauth.management.plugins.module_utils._masking import SECRET_MASK, Secrets
from ansible_collections.genauth.management.plugins.module_utils._validation import Bounds
from ansible_collections.genauth.management.plugins.module_utils._webhooks import webhook_result

# How many of a webhook's most recent deliveries genauth_webhook_info returns: enough to find a missing
# notification, few enough to read in a play's output.
LOGS_LIMIT = Bounds(low=1, high=200, default=20)
# Headers of a delivery that carry the webhook's secret (GenAuth's docs name all four); masked in any case.
SECRET_HEADERS = ("x-authing-webhook-secret", "x-genauth-webhook-secret", "x-authing-token", "x-genauth-token")

# Headers a delivery log may record whose value is a credential: the webhook's secret under each of its names,
# and the subscriber's own (its Authorization, a proxy's, cookies).
CREDENTIAL_HEADERS = SECRET_HEADERS + ("authorization", "proxy-authorization", "cookie", "set-cookie")
_LOG_HEADER_FIELDS = ("requestHeaders", "responseHeaders")
_HEADER_LINE = re.compile(r"^(?P<name>[^:\r\n]+):[ \t]*(?P<value>[^\r\n]*)", re.MULTILINE)


def _is_credential(name):
    return isinstance(name, str) and name.strip().lower() in CREDENTIAL_HEADERS


def _header_entries(headers):
    """``(name, value)`` of headers in any shape a log may hold them: an object, a list of ``[name, value]``
    pairs or of ``{"name" or "key": ..., "value": ...}`` objects, a JSON string of either, or raw header lines."""
    if isinstance(headers, str):
        try:
            decoded = json.loads(headers)
        except (ValueError, RecursionError):
            return [(match.group("name"), match.group("value")) for match in _HEADER_LINE.finditer(headers)]
        return _header_entries(decoded) if isinstance(decoded, (dict, list)) else []
    if isinstance(headers, dict):
        return list(headers.items())
    entries = []
    for item in headers if isinstance(headers, list) else ():
        if isinstance(item, (list, tuple)) and len(item) == 2:
            entries.append((item[0], item[1]))
        elif isinstance(item, dict):
            entries.append((item.get("name", item.get("key")), item.get("value")))
    return entries


def log_credentials(log):
    """Every credential a delivery log's headers carry (``CREDENTIAL_HEADERS``), whatever their shape: the value,
    and for ``Authorization`` also the credentials after its scheme. An older secret of the webhook, sent before
    it was changed, is among them."""
    found = []
    for field in _LOG_HEADER_FIELDS:
        for name, value in _header_entries(log.get(field)):
            if _is_credential(name) and isinstance(value, (str, int, float)) and str(value).strip():
                value = str(value).strip()
                found.append(value)
                scheme, dummy, credentials = value.partition(" ")
                if credentials.strip() and scheme.isalpha():
                    found.append(credentials.strip())
    return found


def _redact_headers(headers, secrets):
    """Headers of a log, in the shape they came, each credential masked whole and ``secrets`` masked elsewhere."""
    if isinstance(headers, str):
        try:
            decoded = json.loads(headers)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, (dict, list)):
            return json.dumps(_redact_headers(decoded, secrets))
        return secrets.mask(_HEADER_LINE.sub(
            lambda match: match.group(0) if not _is_credential(match.group("name"))
            else "%s: %s" % (match.group("name"), SECRET_MASK), headers))
    if isinstance(headers, list):
        redacted = []
        for item in headers:
            if isinstance(item, (list, tuple)) and len(item) == 2 and _is_credential(item[0]):
                redacted.append([secrets.mask(item[0]), SECRET_MASK])
            elif isinstance(item, dict) and _is_credential(item.get("name", item.get("key"))):
                redacted.append(dict(secrets.redact(item), value=SECRET_MASK))
            else:
                redacted.append(secrets.redact(item, CREDENTIAL_HEADERS))
        return redacted
    return secrets.redact(headers, CREDENTIAL_HEADERS)


def redact_log(log, secrets):
    """A WebhookLogDto fit for results, and the credentials found in it: every header that carries a credential
    masked (in any case and any shape, see ``_header_entries``), and the webhook's ``secrets`` and every credential
    of the log's own headers masked wherever else they show (a body that echoes them, keys included).

    Returns ``(log, credentials)``; the caller masks the credentials in the rest of its output too."""
    credentials = log_credentials(log)
    masking = Secrets(list(secrets) + credentials)
    redacted = {}
    for key, value in log.items():
        name = masking.mask(key) if isinstance(key, str) else key
        redacted[name] = (_redact_headers(value, masking) if key in _LOG_HEADER_FIELDS
                          else masking.redact(value, CREDENTIAL_HEADERS))
    return redacted, credentials


def describe_webhooks(api, options, on_secret):
    """What genauth_webhook_info returns for its checked ``options``: ``webhooks`` (each masked, with
    ``has_secret``, and its recent ``logs`` redacted when asked) and ``event_list`` when asked. Reads only."""
    webhooks = api.find(webhook_id=options.get("webhook_id"), name=options.get("name"))
    secrets = [webhook.get("secret") for webhook in webhooks]
    for secret in secrets:
        on_secret(secret)
    described = []
    for webhook in webhooks:
        entry = webhook_result(webhook)
        if options.get("logs"):
            entry["logs"] = []
            for log in api.recent_logs(webhook.get("webhookId"), options["logs_limit"]):
                redacted, credentials = redact_log(log, secrets)
                for credential in credentials:
                    on_secret(credential)
                entry["logs"].append(redacted)
        described.append(entry)
    result = dict(changed=False, webhooks=described)
    if options.get("event_list"):
        result["event_list"] = api.event_list()
    return result
