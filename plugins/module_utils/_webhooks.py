# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The webhook as a resource of the Management API V3: its endpoints, the calls shaped as the official SDK sends them,
the shape of a webhook object as the collection reads it, and what results show of one."""

import json

from ansible_collections.genauth.management.plugins.module_utils import _resource
from ansible_collections.genauth.management.plugins.module_utils._envelope import Endpoint
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError

# The largest page list-webhooks and get-webhook-logs return.
PAGE_LIMIT = 50
# Webhooks one task may trigger or declare; far above any deployment's, low enough that a wrong variable is caught.
MAX_WEBHOOKS = 1000
# The content types a webhook may post with; a new webhook gets the first unless the task names one.
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
DEFAULT_CONTENT_TYPE = CONTENT_TYPES[0]
# The fields of a webhook that hold its secret.
WEBHOOK_SECRET_FIELDS = ("secret",)

_SUBSCRIBER_HINT = "The webhook's own endpoint failed: check the webhook's url and that its receiver is up."

TRIGGER_WEBHOOK = Endpoint("POST", "trigger-webhook", hints={
    413: "The request is too large for GenAuth; send a smaller request_body.",
    # statusCode 601-603: the call GenAuth made to a third party, here the webhook's subscriber, failed.
    601: _SUBSCRIBER_HINT, 602: _SUBSCRIBER_HINT, 603: _SUBSCRIBER_HINT,
})
# Safe to repeat (see _retry): reads; an update sets given values, so twice is once; deleting an id that is
# already gone is not an error. A create is not: repeating one that was processed makes a second webhook.
GET_WEBHOOK = Endpoint("GET", "get-webhook", idempotent=True)
LIST_WEBHOOKS = Endpoint("GET", "list-webhooks", idempotent=True)
CREATE_WEBHOOK = Endpoint("POST", "create-webhook")
UPDATE_WEBHOOK = Endpoint("POST", "update-webhook", idempotent=True)
DELETE_WEBHOOKS = Endpoint("POST", "delete-webhook", idempotent=True)
GET_WEBHOOK_LOGS = Endpoint("POST", "get-webhook-logs", idempotent=True)
GET_EVENT_LIST = Endpoint("GET", "get-webhook-event-list", idempotent=True)


def without_none(fields):
    """The fields that were given: the official SDK drops top-level fields whose value is None before sending."""
    return dict((key, value) for key, value in fields.items() if value is not None)


def normalize_webhook(webhook):
    """A WebhookDto with ``events`` always a list (some API versions send it JSON-encoded)."""
    if not isinstance(webhook, dict):
        return webhook
    webhook = dict(webhook)
    events = webhook.get("events")
    if isinstance(events, str):
        try:
            decoded = json.loads(events)
        except (ValueError, RecursionError):
            decoded = [event.strip() for event in events.split(",") if event.strip()]
        webhook["events"] = decoded if isinstance(decoded, list) else [decoded]
    return webhook


def json_kind(value):
    """What a JSON value is, in a message: ``a string``, ``an array``, ``null``..."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
             dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def shape_error(endpoint, envelope, problem):
    """The error for an answer whose ``data`` does not have the shape the endpoint documents."""
    return GenAuthError(
        "GenAuth %s answered statusCode 200 with data of an unexpected shape: %s (requestId %s). Check that host "
        "points at the GenAuth Management API; nothing was done with this answer."
        % (endpoint, problem, envelope.request_id),
        endpoint=endpoint.name, status_code=envelope.status_code, request_id=envelope.request_id)


def checked_webhook(webhook, endpoint, envelope, where="data"):
    """A WebhookDto from ``endpoint``'s answer, normalised, after checking the fields the collection reads:
    ``webhookId`` a non-empty string, ``events`` a list of strings, ``enabled`` a boolean, the text fields
    strings (each may be absent or null). Anything else is a :func:`shape_error` naming the field."""
    if not isinstance(webhook, dict):
        raise shape_error(endpoint, envelope, "%s is %s, not a webhook object" % (where, json_kind(webhook)))
    webhook = normalize_webhook(webhook)
    webhook_id = webhook.get("webhookId")
    if not isinstance(webhook_id, str) or not webhook_id:
        raise shape_error(endpoint, envelope, "%s.webhookId is %s, not a non-empty string" % (where, json_kind(webhook_id)))
    events = webhook.get("events")
    if events is not None and (not isinstance(events, list) or not all(isinstance(event, str) for event in events)):
        raise shape_error(endpoint, envelope, "%s.events of webhook %s is not a list of event names (it holds %s)"
                          % (where, webhook_id, ", ".join(sorted(set(json_kind(event) for event in events)))
                             if isinstance(events, list) else json_kind(events)))
    for field in ("name", "url", "contentType", "secret"):
        if webhook.get(field) is not None and not isinstance(webhook[field], str):
            raise shape_error(endpoint, envelope, "%s.%s of webhook %s is %s, not a string"
                              % (where, field, webhook_id, json_kind(webhook[field])))
    if webhook.get("enabled") is not None and not isinstance(webhook["enabled"], bool):
        raise shape_error(endpoint, envelope, "%s.enabled of webhook %s is %s, not a boolean"
                          % (where, webhook_id, json_kind(webhook["enabled"])))
    return webhook


def page_items(envelope, endpoint):
    """The ``list`` and ``totalCount`` of a page (``{"totalCount": n, "list": [...]}``), the list checked to be an
    array of objects; a missing or null list is an empty page."""
    data = _object_data(envelope, endpoint)
    items = data.get("list")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise shape_error(endpoint, envelope, "data.list is %s, not an array" % json_kind(items))
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise shape_error(endpoint, envelope, "data.list[%d] is %s, not an object" % (index, json_kind(item)))
    return items, data.get("totalCount")


def secret_known(webhook):
    """True when ``webhook`` (as an endpoint returned it) shows its secret, or shows that it has none (an empty
    string). A secret that is absent, null or masked is unknown, and so cannot be masked in what a subscriber
    answers."""
    secret = webhook.get("secret")
    return "secret" in webhook and (secret == "" or _resource.is_readable_secret(secret))


def mask_webhook(webhook):
    """A copy of a WebhookDto fit for results and logs: the ``secret`` replaced by a mask."""
    return _resource.masked(normalize_webhook(webhook), WEBHOOK_SECRET_FIELDS)


def webhook_result(webhook):
    """A WebhookDto as the modules return it: secret masked, ``has_secret`` added (``{}`` for no webhook)."""
    if not webhook:
        return {}
    return dict(mask_webhook(webhook), has_secret=bool(webhook.get("secret")))


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

    def trigger(self, webhook_id, payload):
        """POST trigger-webhook with ``payload`` (``_trigger.trigger_payload``); returns the whole
        :class:`Envelope` (its ``data.response`` is the subscriber's)."""
        return self._client.call(TRIGGER_WEBHOOK, subject="webhook %s" % webhook_id, json=payload)

    def get(self, webhook_id):
        """GET get-webhook: the WebhookDto, secret included (mask it before returning it to a user)."""
        envelope = self._client.call(GET_WEBHOOK, params={"webhookId": webhook_id}, subject="webhook %s" % webhook_id)
        return checked_webhook(_object_data(envelope, GET_WEBHOOK), GET_WEBHOOK, envelope)

    def list(self, page=None, limit=None):
        """GET list-webhooks: ``{"totalCount": n, "list": [WebhookDto]}`` for one page (limit at most 50), every
        webhook checked (``checked_webhook``)."""
        envelope = self._client.call(LIST_WEBHOOKS, params=without_none({"page": page, "limit": limit}))
        items, total = page_items(envelope, LIST_WEBHOOKS)
        return {"totalCount": total, "list": [checked_webhook(item, LIST_WEBHOOKS, envelope, "data.list[%d]" % index)
                                              for index, item in enumerate(items)]}

    def list_all(self):
        """Every WebhookDto of the user pool, each once: list-webhooks read page by page (``PAGE_LIMIT`` each,
        bounded as ``_resource.read_pages`` says)."""
        def fetch(page, limit):
            data = self.list(page=page, limit=limit)
            return data["list"], data.get("totalCount")
        return _resource.read_pages(fetch, PAGE_LIMIT, LIST_WEBHOOKS, key=lambda webhook: webhook["webhookId"])

    def find(self, webhook_id=None, name=None):
        """The webhooks a task selects: by id (none when GenAuth does not know it), by name (names need not
        be unique, so none, one or several), or every one when neither is given."""
        if webhook_id is not None:
            try:
                return [self.get(webhook_id)]
            except GenAuthError as error:
                # GenAuth's own answer (statusCode 404 in an HTTP 2xx envelope), not a proxy's or a wrong host
                # path's HTTP 404, which must not pass for "no such webhook".
                if error.status_code == 404 and error.http_status is not None and 200 <= error.http_status < 300:
                    return []
                raise
        webhooks = self.list_all()
        return webhooks if name is None else _resource.find_by_name(webhooks, name)

    def create(self, name, url, events, content_type, enabled=None, secret=None):
        """POST create-webhook: the new WebhookDto."""
        envelope = self._client.call(CREATE_WEBHOOK, json=without_none({
            "name": name, "url": url, "events": events, "contentType": content_type,
            "enabled": enabled, "secret": secret,
        }))
        return checked_webhook(_object_data(envelope, CREATE_WEBHOOK), CREATE_WEBHOOK, envelope)

    def update(self, webhook_id, name=None, url=None, events=None, content_type=None, enabled=None, secret=None):
        """POST update-webhook with only the fields given: the updated WebhookDto, or ``{}`` when the answer holds
        none that can be read (the update was acknowledged all the same: the caller keeps the request's effect)."""
        envelope = self._client.call(UPDATE_WEBHOOK, json=without_none({
            "webhookId": webhook_id, "name": name, "url": url, "events": events,
            "contentType": content_type, "enabled": enabled, "secret": secret,
        }))
        if not isinstance(envelope.data, dict) or not envelope.data:
            return {}
        try:
            return checked_webhook(dict({"webhookId": webhook_id}, **envelope.data), UPDATE_WEBHOOK, envelope)
        except GenAuthError:
            return {}

    def delete(self, webhook_ids):
        """POST delete-webhook; unknown ids are not an error."""
        self._client.call(DELETE_WEBHOOKS, json={"webhookIds": list(webhook_ids)})

    def logs(self, webhook_id, page=None, limit=None):
        """POST get-webhook-logs: ``(logs, totalCount)`` of one page, each log an object (WebhookLogDto)."""
        envelope = self._client.call(GET_WEBHOOK_LOGS, subject="webhook %s" % webhook_id,
                                     json=without_none({"webhookId": webhook_id, "page": page, "limit": limit}))
        return page_items(envelope, GET_WEBHOOK_LOGS)

    def recent_logs(self, webhook_id, most):
        """The webhook's ``most`` most recent WebhookLogDto (newest first, as GenAuth lists them), read in
        pages of ``PAGE_LIMIT``."""
        return _resource.read_pages(lambda page, limit: self.logs(webhook_id, page=page, limit=limit),
                                    PAGE_LIMIT, GET_WEBHOOK_LOGS, most=most)

    def event_list(self):
        """GET get-webhook-event-list: the event categories and names a webhook can subscribe to."""
        return self._client.call(GET_EVENT_LIST).data
