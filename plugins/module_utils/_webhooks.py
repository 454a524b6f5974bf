# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The webhook endpoints of the Management API V3: each endpoint, the calls shaped as the official SDK sends
them, the webhook's own fields (events, secret), and the rules and limits of what a trigger may send."""

import json
import re
import unicodedata

from ansible_collections.genauth.management.plugins.module_utils._envelope import Endpoint
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._validation import identifier, list_of, reject

SECRET_MASK = "********"
# A trigger's body travels through GenAuth to the subscriber; 1 MiB is far above any deployment notice
# and keeps a runaway template from posting megabytes.
MAX_BODY_BYTES = 1024 * 1024
# Webhooks one task may trigger; far above any deployment's, low enough that a wrong variable is caught.
MAX_WEBHOOKS = 1000
# The largest page list-webhooks and get-webhook-logs return.
PAGE_LIMIT = 50

_SUBSCRIBER_HINT = "The webhook's own endpoint failed: check the webhook's url and that its receiver is up."

TRIGGER = Endpoint("POST", "trigger-webhook", hints={
    413: "The request is too large for GenAuth; send a smaller request_body.",
    # statusCode 601-603: the call GenAuth made to a third party, here the webhook's subscriber, failed.
    601: _SUBSCRIBER_HINT, 602: _SUBSCRIBER_HINT, 603: _SUBSCRIBER_HINT,
})
# Safe to repeat (see _retry): reads; an update sets given values, so twice is once; deleting an id that is
# already gone is not an error. A create is not: repeating one that was processed makes a second webhook.
GET = Endpoint("GET", "get-webhook", idempotent=True)
LIST = Endpoint("GET", "list-webhooks", idempotent=True)
CREATE = Endpoint("POST", "create-webhook")
UPDATE = Endpoint("POST", "update-webhook", idempotent=True)
DELETE = Endpoint("POST", "delete-webhook", idempotent=True)
LOGS = Endpoint("POST", "get-webhook-logs", idempotent=True)
EVENT_LIST = Endpoint("GET", "get-webhook-event-list", idempotent=True)


def without_none(fields):
    """The fields that were given: the official SDK drops top-level fields whose value is None before sending."""
    return dict((key, value) for key, value in fields.items() if value is not None)


# ---------------------------------------------------------------------------------------------- what a trigger sends

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
            reject("must be a JSON object, but the string holds a JSON %s" % _json_kind(value))
    if not isinstance(value, dict):
        reject("must be a JSON object (a dictionary), not %s" % _json_kind(value))
    try:
        size = len(json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        reject("must contain only JSON values (%s)" % exc)
    if size > MAX_BODY_BYTES:
        reject("is %d bytes as JSON; the limit is %d bytes" % (size, MAX_BODY_BYTES))
    return value


def _json_kind(value):
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", type(None): "null"}
    return names.get(type(value), type(value).__name__)


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


# ---------------------------------------------------------------------------------------------- the webhook itself

def normalize_webhook(webhook):
    """A WebhookDto with ``events`` always a list (some API versions send it JSON-encoded)."""
    if not isinstance(webhook, dict):
        return webhook
    webhook = dict(webhook)
    events = webhook.get("events")
    if isinstance(events, str):
        try:
            decoded = json.loads(events)
        except ValueError:
            decoded = [event.strip() for event in events.split(",") if event.strip()]
        webhook["events"] = decoded if isinstance(decoded, list) else [decoded]
    return webhook


def mask_webhook(webhook):
    """A copy of a WebhookDto fit for results and logs: the ``secret`` replaced by a mask."""
    webhook = normalize_webhook(webhook)
    if isinstance(webhook, dict) and webhook.get("secret"):
        webhook["secret"] = SECRET_MASK
    return webhook


def _object_data(envelope, endpoint):
    """The envelope's ``data`` when it is the JSON object the endpoint documents; a clear error otherwise."""
    if not isinstance(envelope.data, dict):
        raise GenAuthError(
            "GenAuth %s answered statusCode 200 without the expected object in data (requestId %s). Check that "
            "host points at the GenAuth Management API." % (endpoint, envelope.request_id),
            endpoint=endpoint.name, status_code=envelope.status_code, request_id=envelope.request_id)
    return envelope.data


class WebhookAPI(object):
    """Webhook calls on top of a :class:`GenAuthClient`; each returns the envelope's ``data`` or the envelope."""

    def __init__(self, client):
        self._client = client

    def trigger(self, webhook_id, request_headers=None, request_body=None):
        """POST trigger-webhook; returns the whole :class:`Envelope` (its ``data.response`` is the subscriber's)."""
        return self._client.call(TRIGGER, subject="webhook %s" % webhook_id,
                                 json=trigger_payload(webhook_id, request_headers, request_body))

    def get(self, webhook_id):
        """GET get-webhook: the WebhookDto, secret included (mask it before returning it to a user)."""
        envelope = self._client.call(GET, params={"webhookId": webhook_id}, subject="webhook %s" % webhook_id)
        return normalize_webhook(_object_data(envelope, GET))

    def list(self, page=None, limit=None):
        """GET list-webhooks: ``{"totalCount": n, "list": [WebhookDto]}`` for one page (limit at most 50)."""
        data = _object_data(self._client.call(LIST, params=without_none({"page": page, "limit": limit})), LIST)
        return dict(data, list=[normalize_webhook(item) for item in data.get("list") or []])

    def list_all(self):
        """Every WebhookDto of the user pool: list-webhooks read page by page (``PAGE_LIMIT`` each) until
        ``totalCount`` are read, or a page comes back short (a server whose count is wrong cannot loop forever)."""
        webhooks = []
        page = 1
        while True:
            data = self.list(page=page, limit=PAGE_LIMIT)
            items = data["list"]
            webhooks.extend(items)
            total = data.get("totalCount")
            if len(items) < PAGE_LIMIT or (isinstance(total, int) and len(webhooks) >= total):
                return webhooks
            page += 1

    def create(self, name, url, events, content_type, enabled=None, secret=None):
        """POST create-webhook: the new WebhookDto."""
        return normalize_webhook(self._client.call(CREATE, json=without_none({
            "name": name, "url": url, "events": events, "contentType": content_type,
            "enabled": enabled, "secret": secret,
        })).data)

    def update(self, webhook_id, name=None, url=None, events=None, content_type=None, enabled=None, secret=None):
        """POST update-webhook with only the fields given: the updated WebhookDto."""
        return normalize_webhook(self._client.call(UPDATE, json=without_none({
            "webhookId": webhook_id, "name": name, "url": url, "events": events,
            "contentType": content_type, "enabled": enabled, "secret": secret,
        })).data)

    def delete(self, webhook_ids):
        """POST delete-webhook; unknown ids are not an error."""
        self._client.call(DELETE, json={"webhookIds": list(webhook_ids)})

    def logs(self, webhook_id, page=None, limit=None):
        """POST get-webhook-logs: ``{"totalCount": n, "list": [WebhookLogDto]}``."""
        return self._client.call(LOGS, json=without_none({"webhookId": webhook_id, "page": page, "limit": limit})).data

    def event_list(self):
        """GET get-webhook-event-list: the event categories and names a webhook can subscribe to."""
        return self._client.call(EVENT_LIST).data
