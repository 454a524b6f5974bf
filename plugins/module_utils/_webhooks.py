# -*- coding: utf-8 -*-
# Copyright (c) genauth.management contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# This module is private to the genauth.management collection: its interface may change at any time.

"""The webhook endpoints of the Management API V3: each endpoint, the calls shaped as the official SDK sends
them, the webhook's own fields (events, secret), the rules and limits of what a trigger may send, and what a
declared webhook may hold and how it is compared."""

import difflib
import json
import re
import unicodedata
from urllib.parse import urlsplit

from ansible_collections.genauth.management.plugins.module_utils import _resource
from ansible_collections.genauth.management.plugins.module_utils._envelope import Endpoint
from ansible_collections.genauth.management.plugins.module_utils._errors import GenAuthError
from ansible_collections.genauth.management.plugins.module_utils._masking import SECRET_MASK, Secrets
from ansible_collections.genauth.management.plugins.module_utils._validation import (
    Bounds, has_space_or_control, identifier, list_of, reject,
)

# A trigger's body travels through GenAuth to the subscriber; 1 MiB is far above any deployment notice
# and keeps a runaway template from posting megabytes.
MAX_BODY_BYTES = 1024 * 1024
# Webhooks one task may trigger; far above any deployment's, low enough that a wrong variable is caught.
MAX_WEBHOOKS = 1000
# The largest page list-webhooks and get-webhook-logs return.
PAGE_LIMIT = 50
# The content types a webhook may post with; a new webhook gets the first unless the task names one.
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
DEFAULT_CONTENT_TYPE = CONTENT_TYPES[0]
# How many of a webhook's most recent deliveries genauth_webhook_info returns: enough to find a missing
# notification, few enough to read in a play's output.
LOGS_LIMIT = Bounds(low=1, high=200, default=20)
# Headers of a delivery that carry the webhook's secret (GenAuth's docs name all four); masked in any case.
SECRET_HEADERS = ("x-authing-webhook-secret", "x-genauth-webhook-secret", "x-authing-token", "x-genauth-token")
# How many valid event names a refusal suggests for each unknown one.
EVENT_SUGGESTIONS = 3

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
        except (ValueError, RecursionError):
            decoded = [event.strip() for event in events.split(",") if event.strip()]
        webhook["events"] = decoded if isinstance(decoded, list) else [decoded]
    return webhook


def _kind(value):
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
        raise shape_error(endpoint, envelope, "%s is %s, not a webhook object" % (where, _kind(webhook)))
    webhook = normalize_webhook(webhook)
    webhook_id = webhook.get("webhookId")
    if not isinstance(webhook_id, str) or not webhook_id:
        raise shape_error(endpoint, envelope, "%s.webhookId is %s, not a non-empty string" % (where, _kind(webhook_id)))
    events = webhook.get("events")
    if events is not None and (not isinstance(events, list) or not all(isinstance(event, str) for event in events)):
        raise shape_error(endpoint, envelope, "%s.events of webhook %s is not a list of event names (it holds %s)"
                          % (where, webhook_id, ", ".join(sorted(set(_kind(event) for event in events)))
                             if isinstance(events, list) else _kind(events)))
    for field in ("name", "url", "contentType", "secret"):
        if webhook.get(field) is not None and not isinstance(webhook[field], str):
            raise shape_error(endpoint, envelope, "%s.%s of webhook %s is %s, not a string"
                              % (where, field, webhook_id, _kind(webhook[field])))
    if webhook.get("enabled") is not None and not isinstance(webhook["enabled"], bool):
        raise shape_error(endpoint, envelope, "%s.enabled of webhook %s is %s, not a boolean"
                          % (where, webhook_id, _kind(webhook["enabled"])))
    return webhook


def page_items(envelope, endpoint):
    """The ``list`` and ``totalCount`` of a page (``{"totalCount": n, "list": [...]}``), the list checked to be an
    array of objects; a missing or null list is an empty page."""
    data = _object_data(envelope, endpoint)
    items = data.get("list")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise shape_error(endpoint, envelope, "data.list is %s, not an array" % _kind(items))
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise shape_error(endpoint, envelope, "data.list[%d] is %s, not an object" % (index, _kind(item)))
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


# ---------------------------------------------------------------------------------------------- a declared webhook

# Option of genauth_webhook -> field of the WebhookDto, in the order a diff shows them.
DECLARED_FIELDS = (
    ("name", "name"), ("url", "url"), ("events", "events"), ("content_type", "contentType"),
    ("enabled", "enabled"), ("secret", "secret"),
)
WEBHOOK_FIELDS = tuple(field for dummy, field in DECLARED_FIELDS)
WEBHOOK_SECRET_FIELDS = ("secret",)
# Events are compared as a set: their order and repeats mean nothing to GenAuth.
WEBHOOK_NORMALIZERS = {"events": _resource.as_set}


def webhook_name(value):
    """A webhook's name: a non-empty string without control characters."""
    if not isinstance(value, str) or not value.strip():
        reject("must be a non-empty string")
    if any(unicodedata.category(char) == "Cc" for char in value):
        reject("must not contain control characters")
    return value


def webhook_url(value):
    """The subscriber's URL: http or https, with a host, without whitespace."""
    if not isinstance(value, str) or not value:
        reject("must be an http or https URL")
    if has_space_or_control(value):
        reject("must not contain whitespace or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        reject("must start with http:// or https://")
    try:
        host = parts.hostname
        parts.port
    except ValueError:
        reject("has an invalid host or port")
    if not host:
        reject("must name a host, as in https://hooks.example.com/genauth")
    return value


def event_names(value):
    """At least one event name, each a non-empty string without whitespace; repeats are dropped, order kept."""
    if not isinstance(value, list) or not value:
        reject("must list at least one event name")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not name or has_space_or_control(name):
            reject("must be an event name (a non-empty string without whitespace)", index)
    return list(dict.fromkeys(value))


def webhook_secret(value):
    """A webhook secret: GenAuth sends it in a header of every delivery, so printable Latin-1 only."""
    if not isinstance(value, str) or not value:
        reject("must be a non-empty string (leave secret out to keep the current one)")
    if any(unicodedata.category(char)[0] == "C" for char in value):
        reject("must not contain control characters (it is sent in an HTTP header)")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        reject("must contain only Latin-1 characters (it is sent in an HTTP header)")
    return value


# The rules of genauth_webhook's own options (content_type, state and update_secret are choices).
DECLARED_RULES = {
    "webhook_id": identifier,
    "name": webhook_name,
    "url": webhook_url,
    "events": event_names,
    "secret": webhook_secret,
}


def wanted_fields(options):
    """The WebhookDto fields the task gives (None for those it leaves out)."""
    return dict((field, options.get(option)) for option, field in DECLARED_FIELDS)


def creation_fields(options):
    """The fields of a new webhook: what the task gives, and the defaults of a new one (content type,
    enabled). Defaults apply here only: an existing webhook keeps what the task leaves out."""
    fields = wanted_fields(options)
    if fields["contentType"] is None:
        fields["contentType"] = DEFAULT_CONTENT_TYPE
    if fields["enabled"] is None:
        fields["enabled"] = True
    return fields


def missing_for_create(options):
    """The options a new webhook needs that the task leaves out."""
    return [option for option in ("name", "url", "events") if options.get(option) is None]


def plan_update(current, options):
    """What an update must send to make ``current`` (a WebhookDto) what the task declares.

    Returns ``(changes, secret_changed)``: the fields that differ (the secret only when it must be sent, see
    ``_resource.secret_needs_sending``), and whether the secret is among them.
    """
    wanted = wanted_fields(options)
    secret = wanted.pop("secret")
    changes = _resource.changed_fields(current, wanted, WEBHOOK_NORMALIZERS)
    secret_changed = _resource.secret_needs_sending(current.get("secret"), secret, False, options.get("update_secret"))
    if secret_changed:
        changes["secret"] = secret
    return changes, secret_changed


def webhook_diff(before, after, secret_changed=False):
    """The ``diff`` of a webhook (None for no webhook): the declared fields, events as a set, secret masked."""
    return _resource.diff(before, after, WEBHOOK_FIELDS, WEBHOOK_NORMALIZERS, WEBHOOK_SECRET_FIELDS,
                          WEBHOOK_SECRET_FIELDS if secret_changed else ())


def catalogue_names(event_list):
    """The event names get-webhook-event-list offers (``data.events[].value``)."""
    events = event_list.get("events") if isinstance(event_list, dict) else None
    names = []
    for event in events if isinstance(events, list) else ():
        if isinstance(event, dict) and isinstance(event.get("value"), str):
            names.append(event["value"])
        elif isinstance(event, str):
            names.append(event)
    return names


def unknown_events(events, known):
    """A message naming each event that ``known`` (the catalogue's names) does not offer, with the closest
    valid names; None when every event is known."""
    known = list(known)
    problems = []
    for event in events:
        if event in known:
            continue
        close = difflib.get_close_matches(event, known, n=EVENT_SUGGESTIONS)
        problems.append("%r (%s)" % (event, "did you mean %s?" % ", ".join(repr(name) for name in close)
                                     if close else "no similar event"))
    if not problems:
        return None
    return ("Invalid options: events: unknown event%s %s. GenAuth offers: %s. Nothing was changed."
            % ("s" if len(problems) > 1 else "", "; ".join(problems), ", ".join(sorted(known)) or "no events"))


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
        return checked_webhook(_object_data(envelope, GET), GET, envelope)

    def list(self, page=None, limit=None):
        """GET list-webhooks: ``{"totalCount": n, "list": [WebhookDto]}`` for one page (limit at most 50), every
        webhook checked (``checked_webhook``)."""
        envelope = self._client.call(LIST, params=without_none({"page": page, "limit": limit}))
        items, total = page_items(envelope, LIST)
        return {"totalCount": total, "list": [checked_webhook(item, LIST, envelope, "data.list[%d]" % index)
                                              for index, item in enumerate(items)]}

    def list_all(self):
        """Every WebhookDto of the user pool, each once: list-webhooks read page by page (``PAGE_LIMIT`` each,
        bounded as ``_resource.read_pages`` says)."""
        def fetch(page, limit):
            data = self.list(page=page, limit=limit)
            return data["list"], data.get("totalCount")
        return _resource.read_pages(fetch, PAGE_LIMIT, LIST, key=lambda webhook: webhook["webhookId"])

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
        envelope = self._client.call(CREATE, json=without_none({
            "name": name, "url": url, "events": events, "contentType": content_type,
            "enabled": enabled, "secret": secret,
        }))
        return checked_webhook(_object_data(envelope, CREATE), CREATE, envelope)

    def update(self, webhook_id, name=None, url=None, events=None, content_type=None, enabled=None, secret=None):
        """POST update-webhook with only the fields given: the updated WebhookDto, or ``{}`` when the answer holds
        none that can be read (the update was acknowledged all the same: the caller keeps the request's effect)."""
        envelope = self._client.call(UPDATE, json=without_none({
            "webhookId": webhook_id, "name": name, "url": url, "events": events,
            "contentType": content_type, "enabled": enabled, "secret": secret,
        }))
        if not isinstance(envelope.data, dict) or not envelope.data:
            return {}
        try:
            return checked_webhook(dict({"webhookId": webhook_id}, **envelope.data), UPDATE, envelope)
        except GenAuthError:
            return {}

    def delete(self, webhook_ids):
        """POST delete-webhook; unknown ids are not an error."""
        self._client.call(DELETE, json={"webhookIds": list(webhook_ids)})

    def logs(self, webhook_id, page=None, limit=None):
        """POST get-webhook-logs: ``(logs, totalCount)`` of one page, each log an object (WebhookLogDto)."""
        envelope = self._client.call(LOGS, subject="webhook %s" % webhook_id,
                                     json=without_none({"webhookId": webhook_id, "page": page, "limit": limit}))
        return page_items(envelope, LOGS)

    def recent_logs(self, webhook_id, most):
        """The webhook's ``most`` most recent WebhookLogDto (newest first, as GenAuth lists them), read in
        pages of ``PAGE_LIMIT``."""
        return _resource.read_pages(lambda page, limit: self.logs(webhook_id, page=page, limit=limit),
                                    PAGE_LIMIT, LOGS, most=most)

    def event_list(self):
        """GET get-webhook-event-list: the event categories and names a webhook can subscribe to."""
        return self._client.call(EVENT_LIST).data


# ---------------------------------------------------------------------------------------------- what the modules do

def call_arguments(fields):
    """WebhookDto fields as the keyword arguments of :meth:`WebhookAPI.create` and :meth:`WebhookAPI.update`."""
    return dict((option, fields[field]) for option, field in DECLARED_FIELDS if fields.get(field) is not None)


def check_events(api, events):
    """Refuse ``events`` that get-webhook-event-list does not offer, before anything is written. A server
    whose catalogue is empty is left to judge the names itself."""
    known = catalogue_names(api.event_list())
    message = unknown_events(events, known) if known else None
    if message:
        raise GenAuthError(message, endpoint=EVENT_LIST.name)


def _the_one(found, options):
    """The webhook a task declares, None when there is none; several with its name fail, naming their ids."""
    if len(found) > 1:
        raise GenAuthError(
            "%d webhooks are named %r (%s): GenAuth does not keep names unique, so the task cannot tell which one "
            "it declares. Give webhook_id to choose one (and remove or rename the others). Nothing was changed."
            % (len(found), options["name"], ", ".join(str(webhook.get("webhookId")) for webhook in found)))
    return found[0] if found else None


def declare_webhook(api, options, check_mode, on_secret):
    """Make the webhook what ``options`` (genauth_webhook's checked options) declare, and return the result:
    ``changed``, ``webhook_id``, ``webhook`` (the state after the run, secret masked, ``has_secret``) and
    ``diff``. In check mode nothing is written and the result is the one a real run would give.

    :param on_secret: called with every secret read, so that it is masked from then on.
    Raises :class:`GenAuthError` for API failures and for declarations that cannot be carried out.
    """
    webhook_id = options.get("webhook_id")
    found = api.find(webhook_id=webhook_id, name=None if webhook_id else options.get("name"))
    for webhook in found:
        on_secret(webhook.get("secret"))
    current = _the_one(found, options)
    result = dict(changed=False, webhook_id=current.get("webhookId") if current else None)

    if options["state"] == "absent":
        if current is not None:
            if not check_mode:
                api.delete([current["webhookId"]])
            result["changed"] = True
        return dict(result, webhook={}, diff=webhook_diff(current, None))

    if current is None:
        return dict(result, **_create(api, options, check_mode, on_secret))

    changes, secret_changed = plan_update(current, options)
    after = current
    if changes:
        if "events" in changes:
            check_events(api, changes["events"])
        after = dict(current, **changes)
        if not check_mode:
            answer = api.update(current["webhookId"], **call_arguments(changes))
            # The answer is the updated webhook; a server that sends none leaves the request's own effect.
            after = answer if isinstance(answer, dict) and answer else after
            on_secret(after.get("secret"))
    return dict(result, changed=bool(changes), webhook=webhook_result(after),
                diff=webhook_diff(current, after, secret_changed))


def _create(api, options, check_mode, on_secret):
    if options.get("webhook_id"):
        raise GenAuthError(
            "Webhook %s does not exist in this user pool, and a webhook cannot be created with a given id. Leave "
            "webhook_id out and give name, url and events to create one; use state=absent to accept a missing "
            "one. Nothing was changed." % options["webhook_id"], status_code=404)
    missing = missing_for_create(options)
    if missing:
        raise GenAuthError(
            "No webhook is named %r, and creating one needs %s. Nothing was changed."
            % (options.get("name"), " and ".join(missing)))
    fields = creation_fields(options)
    check_events(api, fields["events"])
    after = dict((field, value) for field, value in fields.items() if value is not None)
    if not check_mode:
        after = api.create(**call_arguments(fields))
        on_secret(after.get("secret"))
    return dict(changed=True, webhook_id=after.get("webhookId"), webhook=webhook_result(after),
                diff=webhook_diff(None, after, secret_changed=fields["secret"] is not None))


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
