# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The webhook endpoints of the Management API V3, shaped as the official SDK sends them."""

import json

from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError

SECRET_MASK = "********"


def _object_data(envelope, endpoint):
    """The envelope's ``data`` when it is the JSON object the endpoint documents; a clear error otherwise."""
    if not isinstance(envelope.data, dict):
        raise GenAuthError(
            "GenAuth %s answered statusCode 200 without the expected object in data (requestId %s). Check that "
            "host points at the GenAuth Management API." % (endpoint, envelope.request_id),
            endpoint=endpoint, status_code=envelope.status_code, request_id=envelope.request_id)
    return envelope.data


def compact(fields):
    """Drop the fields that were not given, as the official SDK does before sending a body."""
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


def trigger_payload(webhook_id, request_headers=None, request_body=None):
    """The trigger-webhook body, exactly as the official SDK builds it."""
    return compact({"webhookId": webhook_id, "requestHeaders": request_headers, "requestBody": request_body})


class WebhookAPI(object):
    """Webhook calls on top of a :class:`GenAuthClient`; each returns the envelope's ``data`` or the envelope."""

    def __init__(self, client):
        self._client = client

    def trigger(self, webhook_id, request_headers=None, request_body=None):
        """POST trigger-webhook; returns the whole :class:`Envelope` (its ``data.response`` is the subscriber's)."""
        return self._client.call("POST", "trigger-webhook", subject="webhook %s" % webhook_id,
                                 json=trigger_payload(webhook_id, request_headers, request_body))

    def get(self, webhook_id):
        """GET get-webhook: the WebhookDto, secret included (mask it before returning it to a user)."""
        envelope = self._client.call("GET", "get-webhook", params={"webhookId": webhook_id},
                                     subject="webhook %s" % webhook_id)
        return normalize_webhook(_object_data(envelope, "get-webhook"))

    def list(self, page=None, limit=None):
        """GET list-webhooks: ``{"totalCount": n, "list": [WebhookDto]}`` for one page (limit at most 50)."""
        envelope = self._client.call("GET", "list-webhooks", params=compact({"page": page, "limit": limit}))
        data = _object_data(envelope, "list-webhooks")
        return dict(data, list=[normalize_webhook(item) for item in data.get("list") or []])

    def create(self, name, url, events, content_type, enabled=None, secret=None):
        """POST create-webhook: the new WebhookDto."""
        return normalize_webhook(self._client.call("POST", "create-webhook", json=compact({
            "name": name, "url": url, "events": events, "contentType": content_type,
            "enabled": enabled, "secret": secret,
        })).data)

    def update(self, webhook_id, name=None, url=None, events=None, content_type=None, enabled=None, secret=None):
        """POST update-webhook with only the fields given: the updated WebhookDto."""
        return normalize_webhook(self._client.call("POST", "update-webhook", json=compact({
            "webhookId": webhook_id, "name": name, "url": url, "events": events,
            "contentType": content_type, "enabled": enabled, "secret": secret,
        })).data)

    def delete(self, webhook_ids):
        """POST delete-webhook; unknown ids are not an error."""
        self._client.call("POST", "delete-webhook", json={"webhookIds": list(webhook_ids)})

    def logs(self, webhook_id, page=None, limit=None):
        """POST get-webhook-logs: ``{"totalCount": n, "list": [WebhookLogDto]}``."""
        return self._client.call("POST", "get-webhook-logs", json=compact({
            "webhookId": webhook_id, "page": page, "limit": limit,
        })).data

    def event_list(self):
        """GET get-webhook-event-list: the event categories and names a webhook can subscribe to."""
        return self._client.call("GET", "get-webhook-event-list").data
